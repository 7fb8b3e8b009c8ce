# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An Azure Resource Manager service endpoint (service connection): its body, its normalized view, and
the desired one built from the module's options.

The rules for omitted options live here, in one place: an option left out never changes an existing
connection. Omitting ``resource_group`` keeps the connection's scope (widening to the subscription takes
an explicit ``scope_level: subscription``); omitting ``environment`` keeps the connection's cloud, and for
a new connection follows ``cloud_environment``; omitting ``identity_client_id`` keeps the identity. Which
fields Azure DevOps refuses to update, and how scopes and environments are written, is described in
docs/service-behaviour.md#fields-azure-devops-will-not-update,
docs/service-behaviour.md#scope-levels-and-resource-group-scope and
docs/service-behaviour.md#environments-and-their-urls.
"""

from __future__ import annotations

import datetime


SCHEMES = {
    "workload_identity_federation": "WorkloadIdentityFederation",
    "service_principal": "ServicePrincipal",
    "managed_identity": "ManagedServiceIdentity",
}
SCHEME_NAMES = dict((v.lower(), k) for k, v in SCHEMES.items())
ENVIRONMENTS = ("AzureCloud", "AzureUSGovernment", "AzureChinaCloud", "AzureStack")
ENVIRONMENT_URLS = {
    "AzureCloud": "https://management.azure.com/",
    "AzureUSGovernment": "https://management.usgovcloudapi.net/",
    "AzureChinaCloud": "https://management.chinacloudapi.cn/",
}
# The option's scope levels and how Azure DevOps writes them (a resource group is a subscription-level
# connection narrowed by authorization.parameters.scope; docs/service-behaviour.md#scope-levels-and-resource-group-scope).
SCOPE_LEVELS = {"subscription": "Subscription", "resource_group": "Subscription", "management_group": "ManagementGroup",
                "machine_learning_workspace": "AzureMLWorkspace"}
# azurerm data keys Azure DevOps marks updatesNotAllowed, as normalized keys.
IMMUTABLE = ("environment", "scope_level", "subscription_id", "management_group_id")
MUTABLE = ("description", "client_id", "tenant_id", "resource_group")


def scheme_of(body):
    raw = ((body or {}).get("authorization") or {}).get("scheme") or ""
    return SCHEME_NAMES.get(raw.lower(), raw)


def is_draft(body):
    return str(((body or {}).get("data") or {}).get("isDraft") or "").lower() == "true"


def operation_state(body):
    status = (body or {}).get("operationStatus") or {}
    return str(status.get("state") or "").lower(), status.get("statusMessage") or ""


def parse_deadline(value):
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        # Trim fractional seconds beyond what fromisoformat takes on older Pythons.
        head, dummy, rest = text.partition(".")
        zone = ""
        for sign in ("+", "-"):
            if sign in rest:
                zone = sign + rest.split(sign, 1)[1]
        when = datetime.datetime.fromisoformat(head + zone)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def _resource_group_of(scope):
    parts = [p for p in (scope or "").split("/") if p]
    if len(parts) == 4 and parts[2].lower() == "resourcegroups":
        return parts[3]
    return None


def level_of(item):
    """The scope level of a normalized connection, in the option's terms."""
    level = (item.get("scope_level") or "Subscription").lower()
    if level == "managementgroup":
        return "management_group"
    if level == "azuremlworkspace":
        return "machine_learning_workspace"
    return "resource_group" if item.get("resource_group") else "subscription"


def normalize(body):
    """The module-facing shape of a service endpoint (never any secret)."""
    if not body:
        return {}
    auth = body.get("authorization") or {}
    params = auth.get("parameters") or {}
    data = body.get("data") or {}
    state, message = operation_state(body)
    return dict(
        id=body.get("id"), name=body.get("name"), type=body.get("type"), url=body.get("url"),
        description=body.get("description") or "", scheme=scheme_of(body), authorization_scheme=auth.get("scheme"),
        client_id=params.get("serviceprincipalid"), tenant_id=params.get("tenantid"),
        workload_identity_federation_issuer=params.get("workloadIdentityFederationIssuer"),
        workload_identity_federation_subject=params.get("workloadIdentityFederationSubject"),
        workload_identity_federation_issuer_type=params.get("workloadIdentityFederationIssuerType"),
        is_ready=bool(body.get("isReady")), is_draft=is_draft(body), is_shared=bool(body.get("isShared")),
        operation_state=state or None, operation_message=message or None,
        creation_mode=data.get("creationMode"), environment=data.get("environment"),
        scope_level=data.get("scopeLevel"), subscription_id=data.get("subscriptionId"),
        subscription_name=data.get("subscriptionName"), resource_group=_resource_group_of(params.get("scope")),
        management_group_id=data.get("managementGroupId"), management_group_name=data.get("managementGroupName"),
        service_management_reference=body.get("serviceManagementReference"),
        revert_scheme_deadline=data.get("revertSchemeDeadline"),
        projects=[dict(id=(r.get("projectReference") or {}).get("id"), name=(r.get("projectReference") or {}).get("name"))
                  for r in body.get("serviceEndpointProjectReferences") or []],
    )


def convertible(body):
    """``(True, None)`` or ``(False, reason)``: can this connection be converted to workload identity federation?"""
    item = normalize(body)
    if item["scheme"] != "service_principal":
        return False, "it uses the %s scheme, not a secret-based service principal" % item["scheme"]
    if item["environment"] == "AzureStack":
        return False, "Azure Stack connections cannot use workload identity federation"
    if item["is_shared"] or len(item["projects"]) > 1:
        return False, "it is shared with %d projects; unshare it first" % len(item["projects"])
    if item["creation_mode"] != "Automatic":
        return True, ("it was created manually, so Azure DevOps converts it only if the app registration already "
                      "has a federated credential for the connection")
    return True, None


def revert_blocked(body, now=None):
    """A reason why ``body`` cannot be reverted to a secret, or ``None``."""
    item = normalize(body)
    deadline = parse_deadline(item["revert_scheme_deadline"])
    if deadline is None:
        return ("it was not converted from a secret-based connection (no revert deadline), so it cannot go back; "
                "delete it and create a secret-based one instead")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if now > deadline:
        return "its revert deadline passed at %s" % item["revert_scheme_deadline"]
    return None


class Desired(object):
    """The connection the (completed) options describe, as an Azure DevOps body."""

    def __init__(self, want, project, subscription_name=None):
        self.want = want
        self.project = project
        self.scheme = SCHEMES[want["scheme"]]
        self.subscription_name = subscription_name or want.get("subscription_name")

    def url(self):
        if self.want["environment"] == "AzureStack":
            return self.want["environment_url"].rstrip("/") + "/"
        return ENVIRONMENT_URLS[self.want["environment"]]

    def data(self):
        want = self.want
        level = want["scope_level"]
        data = {"environment": want["environment"], "scopeLevel": SCOPE_LEVELS[level], "creationMode": "Manual"}
        if level in ("subscription", "resource_group", "machine_learning_workspace"):
            data.update(subscriptionId=want["subscription_id"], subscriptionName=self.subscription_name)
        if level == "management_group":
            data.update(managementGroupId=want["management_group_id"],
                        managementGroupName=want.get("management_group_name") or want["management_group_id"])
        if level == "machine_learning_workspace":
            data.update(resourceGroupName=want["resource_group"], mlWorkspaceName=want["ml_workspace_name"],
                        mlWorkspaceLocation=want.get("ml_workspace_location") or "")
        return data

    def authorization(self):
        want = self.want
        values = {"tenantid": want["identity_tenant_id"]}
        if self.scheme in ("WorkloadIdentityFederation", "ServicePrincipal"):
            values["serviceprincipalid"] = want["identity_client_id"]
        if self.scheme == "ServicePrincipal":
            if want.get("certificate"):
                values.update(authenticationType="spnCertificate", servicePrincipalCertificate=want["certificate"])
            else:
                values.update(authenticationType="spnKey", serviceprincipalkey=want.get("service_principal_secret"))
        if want["scope_level"] == "resource_group":
            values["scope"] = "/subscriptions/%s/resourcegroups/%s" % (want["subscription_id"], want["resource_group"])
        return {"scheme": self.scheme, "parameters": values}

    def body(self, draft):
        want = self.want
        reference = {"projectReference": {"id": self.project["id"], "name": self.project["name"]},
                     "name": want["name"], "description": want.get("description") or ""}
        body = {"name": want["name"], "type": "AzureRM", "url": self.url(), "owner": "library",
                "description": want.get("description") or "", "data": self.data(),
                "authorization": self.authorization(), "isShared": False,
                "serviceEndpointProjectReferences": [reference]}
        if want.get("service_management_reference"):
            body["serviceManagementReference"] = want["service_management_reference"]
        if draft:
            body["data"]["isDraft"] = "True"
        else:
            body["isReady"] = True
        return body

    def predicted(self, draft):
        """What check mode reports for a connection that would be created (values Azure DevOps generates are null)."""
        out = normalize(self.body(draft))
        out.update(id=None, is_ready=False, operation_state=None, workload_identity_federation_issuer=None,
                   workload_identity_federation_subject=None)
        return out

    def changes(self, current):
        """``(mutable, immutable)``: ``{key: (have, want)}`` differences with the current connection."""
        want = self.want
        have = normalize(current)
        target = normalize(self.body(draft=have["is_draft"]))
        mutable, immutable = {}, {}
        for key in MUTABLE:
            if key == "description" and want.get("description") is None:
                continue
            a, b = have[key] or None, target[key] or None
            if key in ("client_id", "tenant_id"):
                a, b = (a or "").lower() or None, (b or "").lower() or None
            if a != b:
                mutable[key] = (have[key], target[key])
        if want.get("service_management_reference") is not None and \
                want["service_management_reference"] != (have["service_management_reference"] or ""):
            mutable["service_management_reference"] = (have["service_management_reference"],
                                                       want["service_management_reference"])
        if want.get("subscription_name") and have["subscription_name"] != want["subscription_name"]:
            mutable["subscription_name"] = (have["subscription_name"], want["subscription_name"])
        for key in IMMUTABLE:
            if (target[key] or "").lower() != (have[key] or "").lower():
                immutable[key] = (have[key], target[key])
        if want["environment"] == "AzureStack" and (have["url"] or "").rstrip("/") != self.url().rstrip("/"):
            immutable["environment_url"] = (have["url"], self.url())
        if (have["type"] or "").lower() != "azurerm":
            immutable["type"] = (have["type"], "AzureRM")
        return mutable, immutable

    def updated_body(self, current, finish):
        """``current`` (as read) with the managed fields replaced, finished (``isReady: true``, no longer a draft)
        when ``finish``; unknown fields, and readiness otherwise, are kept as they are."""
        body = dict(current)
        fresh = self.body(draft=False)
        body["description"] = fresh["description"] if self.want.get("description") is not None else \
            current.get("description")
        # Name and description are per project; the owning project's reference carries the same values.
        references = []
        for reference in current.get("serviceEndpointProjectReferences") or []:
            reference = dict(reference)
            if (reference.get("projectReference") or {}).get("id") == self.project["id"]:
                reference["description"] = body["description"] or ""
            references.append(reference)
        if references:
            body["serviceEndpointProjectReferences"] = references
        data = dict(current.get("data") or {})
        for key, value in fresh["data"].items():
            if key not in ("creationMode",) and value is not None:
                data[key] = value
        if finish:
            data.pop("isDraft", None)
            body["isReady"] = True
        body["data"] = data
        auth = dict(current.get("authorization") or {})
        parameters = dict(auth.get("parameters") or {})
        parameters.update(fresh["authorization"]["parameters"])
        if "scope" not in fresh["authorization"]["parameters"]:
            parameters.pop("scope", None)
        auth["parameters"] = parameters
        body["authorization"] = auth
        if self.want.get("service_management_reference") is not None:
            body["serviceManagementReference"] = self.want["service_management_reference"]
        return body


def scheme_refusal(found, project, scheme):
    """Why a role that makes ``scheme`` connections refuses the existing connection ``found`` (a normalized one)."""
    return ("service connection '%s' in project %s already exists with scheme %s (creation mode %s, client id %s); "
            "this role makes %s connections and never changes an existing connection's scheme. Choose another name, "
            "or convert it with the service_connection_conversion role"
            % (found.get("name"), project, found.get("scheme"), found.get("creation_mode"), found.get("client_id"),
               scheme))
