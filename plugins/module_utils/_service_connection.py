# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state of an Azure Resource Manager service connection in Azure DevOps.

Several behaviours of the service are not documented (CONTRACTS.md 9.3-9.7, UNCONFIRMED); the
choices here are the ones that are safe whichever way the service behaves:

* a missing connection may come back as 404 or as 200 with a null/partial body: both are "absent";
* a connection is looked up with ``includeFailed=true`` so a failed one is found, never duplicated;
* a create is never resent after an ambiguous failure; the module looks the name up instead;
* a secret-based connection is never updated without its secret, because the service may or may
  not keep a stored secret that a PUT leaves out;
* issuer and subject are always read from Azure DevOps, never computed;
* finishing a draft is retried while Entra has not replicated the federated credential yet
  (AADSTS700213 / 70021), and waiting for readiness is bounded by ``ready_timeout``.
"""

from __future__ import annotations

import datetime

from ansible_collections.azdo.identity.plugins.module_utils._compare import is_guid
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError, TransportError, retry_while

SCHEMES = {
    "workload_identity_federation": "WorkloadIdentityFederation",
    "service_principal": "ServicePrincipal",
    "managed_identity": "ManagedServiceIdentity",
}
SCHEME_NAMES = dict((v.lower(), k) for k, v in SCHEMES.items())
ENVIRONMENT_URLS = {
    "AzureCloud": "https://management.azure.com/",
    "AzureUSGovernment": "https://management.usgovcloudapi.net/",
    "AzureChinaCloud": "https://management.chinacloudapi.cn/",
}
SCOPE_LEVELS = {"subscription": "Subscription", "management_group": "ManagementGroup",
                "machine_learning_workspace": "AzureMLWorkspace"}
# data keys Azure DevOps marks updatesNotAllowed for azurerm (CONTRACTS 9.2)
IMMUTABLE_DATA = ("environment", "scopeLevel", "subscriptionId", "managementGroupId")
NOT_REPLICATED_MARKERS = ("AADSTS70021", "AADSTS700211", "AADSTS700213", "No matching federated identity record")


class ServiceConnectionError(ApiError):
    """A problem found before any write."""


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
        head, dot, rest = text.partition(".")
        zone = ""
        for sign in ("+", "-"):
            if sign in rest:
                zone = sign + rest.split(sign, 1)[1]
        when = datetime.datetime.fromisoformat(head + zone)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def normalize(body, project_id=None):
    """The module-facing shape of a service endpoint (never any secret)."""
    if not body:
        return {}
    auth = body.get("authorization") or {}
    params = auth.get("parameters") or {}
    data = body.get("data") or {}
    state, message = operation_state(body)
    scope = params.get("scope") or ""
    resource_group = None
    parts = [p for p in scope.split("/") if p]
    if len(parts) == 4 and parts[2].lower() == "resourcegroups":
        resource_group = parts[3]
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
        subscription_name=data.get("subscriptionName"), resource_group=resource_group,
        management_group_id=data.get("managementGroupId"), management_group_name=data.get("managementGroupName"),
        service_management_reference=body.get("serviceManagementReference"),
        revert_scheme_deadline=data.get("revertSchemeDeadline"),
        projects=[dict(id=(r.get("projectReference") or {}).get("id"), name=(r.get("projectReference") or {}).get("name"))
                  for r in body.get("serviceEndpointProjectReferences") or []],
    )


def find_by_name(azdo, project_id, name):
    """The connection called ``name`` in the project (failed ones included), or ``None``."""
    for endpoint in azdo.endpoints_by_name(project_id, name):
        names = [endpoint.get("name") or ""]
        names += [r.get("name") or "" for r in endpoint.get("serviceEndpointProjectReferences") or []
                  if (r.get("projectReference") or {}).get("id") == project_id]
        if any(n.lower() == name.lower() for n in names):
            return endpoint
    return None


def convertible(body, project_id=None):
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
    """The connection the task asks for, validated, as an Azure DevOps body."""

    def __init__(self, params, project, tenant_id, subscription_name=None):
        self.params = params
        self.project = project
        self.scheme = SCHEMES[params["scheme"]]
        self.tenant_id = tenant_id
        self.subscription_name = subscription_name or params.get("subscription_name")

    @staticmethod
    def validate(params, tenant_id):
        scheme = params["scheme"]
        if scheme in ("workload_identity_federation", "service_principal") and not params.get("identity_client_id"):
            return ("identity_client_id (the client id of the managed identity or app registration) is required for "
                    "scheme=%s" % scheme)
        if params.get("identity_client_id") and not is_guid(params["identity_client_id"]):
            return "identity_client_id must be a client id (a GUID); got '%s'" % params["identity_client_id"]
        if not tenant_id:
            return "identity_tenant_id is required (or set tenant, the tenant used to sign in)"
        if not is_guid(tenant_id):
            return "identity_tenant_id must be a tenant id (a GUID); got '%s'" % tenant_id
        if scheme == "service_principal" and params.get("service_principal_secret") and params.get("certificate"):
            return "service_principal_secret and certificate are mutually exclusive"
        if scheme != "service_principal" and (params.get("service_principal_secret") or params.get("certificate")):
            return "service_principal_secret and certificate only go with scheme=service_principal"
        level = params["scope_level"]
        if level in ("subscription", "machine_learning_workspace"):
            if not params.get("subscription_id"):
                return "subscription_id is required for scope_level=%s" % level
            if not is_guid(params["subscription_id"]):
                return "subscription_id must be a GUID; got '%s'" % params["subscription_id"]
        if level == "management_group" and not params.get("management_group_id"):
            return "management_group_id is required for scope_level=management_group"
        if level == "machine_learning_workspace" and not (params.get("ml_workspace_name") and params.get("resource_group")):
            return "ml_workspace_name and resource_group are required for scope_level=machine_learning_workspace"
        if params["environment"] == "AzureStack" and not params.get("environment_url"):
            return "environment_url (the Azure Stack Hub ARM endpoint) is required for environment=AzureStack"
        if params.get("environment_url") and not params["environment_url"].startswith("https://"):
            return "environment_url must be an https URL; got '%s'" % params["environment_url"]
        return None

    def url(self):
        if self.params["environment"] == "AzureStack":
            return self.params["environment_url"].rstrip("/") + "/"
        return ENVIRONMENT_URLS[self.params["environment"]]

    def data(self):
        params = self.params
        level = params["scope_level"]
        data = {"environment": params["environment"], "scopeLevel": SCOPE_LEVELS[level], "creationMode": "Manual"}
        if level in ("subscription", "machine_learning_workspace"):
            data.update(subscriptionId=params["subscription_id"], subscriptionName=self.subscription_name)
        if level == "management_group":
            data.update(managementGroupId=params["management_group_id"],
                        managementGroupName=params.get("management_group_name") or params["management_group_id"])
        if level == "machine_learning_workspace":
            data.update(resourceGroupName=params["resource_group"], mlWorkspaceName=params["ml_workspace_name"],
                        mlWorkspaceLocation=params.get("ml_workspace_location") or "")
        return data

    def authorization(self):
        params = self.params
        values = {"tenantid": self.tenant_id}
        if self.scheme in ("WorkloadIdentityFederation", "ServicePrincipal"):
            values["serviceprincipalid"] = params["identity_client_id"]
        if self.scheme == "ServicePrincipal":
            if params.get("certificate"):
                values.update(authenticationType="spnCertificate", servicePrincipalCertificate=params["certificate"])
            else:
                values.update(authenticationType="spnKey", serviceprincipalkey=params.get("service_principal_secret"))
        if params["scope_level"] == "subscription" and params.get("resource_group"):
            values["scope"] = "/subscriptions/%s/resourcegroups/%s" % (params["subscription_id"], params["resource_group"])
        return {"scheme": self.scheme, "parameters": values}

    def body(self, draft):
        params = self.params
        reference = {"projectReference": {"id": self.project["id"], "name": self.project["name"]},
                     "name": params["name"], "description": params.get("description") or ""}
        body = {"name": params["name"], "type": "AzureRM", "url": self.url(), "owner": "library",
                "description": params.get("description") or "", "data": self.data(),
                "authorization": self.authorization(), "isShared": False,
                "serviceEndpointProjectReferences": [reference]}
        if params.get("service_management_reference"):
            body["serviceManagementReference"] = params["service_management_reference"]
        if draft:
            body["data"]["isDraft"] = "True"
        else:
            body["isReady"] = True
        return body

    def predicted(self, draft, existing=None):
        """What check mode reports for a connection that would be created (ids Azure DevOps generates are null)."""
        out = normalize(self.body(draft))
        out.update(id=(existing or {}).get("id"), is_ready=False if draft else None,
                   workload_identity_federation_issuer=(existing or {}).get("workload_identity_federation_issuer"),
                   workload_identity_federation_subject=(existing or {}).get("workload_identity_federation_subject"))
        return out

    def changes(self, current):
        """``(mutable, immutable)`` differences between the desired and the current connection."""
        params = self.params
        have = normalize(current)
        want = normalize(self.body(draft=have["is_draft"]))
        mutable, immutable = {}, {}
        for key in ("description", "client_id", "tenant_id", "resource_group"):
            if key == "description" and params.get("description") is None:
                continue
            if (want[key] or None) != (have[key] or None) and not (key in ("client_id", "tenant_id") and
                                                                   (want[key] or "").lower() == (have[key] or "").lower()):
                mutable[key] = (have[key], want[key])
        if params.get("service_management_reference") is not None and \
                params["service_management_reference"] != (have["service_management_reference"] or ""):
            mutable["service_management_reference"] = (have["service_management_reference"],
                                                       params["service_management_reference"])
        if self.subscription_name and params.get("subscription_name") and \
                have["subscription_name"] != self.subscription_name:
            mutable["subscription_name"] = (have["subscription_name"], self.subscription_name)
        for key in ("environment", "scope_level", "subscription_id", "management_group_id"):
            if (want[key] or "").lower() != (have[key] or "").lower():
                immutable[key] = (have[key], want[key])
        if (have["type"] or "").lower() != "azurerm":
            immutable["type"] = (have["type"], "AzureRM")
        return mutable, immutable

    def updated_body(self, current, draft):
        """``current`` (as read) with the managed fields replaced; unknown fields are kept as they are."""
        body = dict(current)
        fresh = self.body(draft)
        body["description"] = fresh["description"] if self.params.get("description") is not None else \
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
        if not draft:
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
        if self.params.get("service_management_reference") is not None:
            body["serviceManagementReference"] = self.params["service_management_reference"]
        return body


def is_not_replicated(exc):
    text = exc.message or ""
    return exc.status in (400, 409) and any(marker in text for marker in NOT_REPLICATED_MARKERS)


def create(azdo, project_id, name, body):
    """POST once; after an ambiguous failure look the name up instead of sending again."""
    try:
        return azdo.create_endpoint(body)
    except TransportError:
        found = find_by_name(azdo, project_id, name)
        if found is not None:
            return found
        raise
    except ApiError as exc:
        if exc.status in (400, 409) and "already exists" in (exc.message or "").lower():
            raise ServiceConnectionError(
                "A service connection named '%s' already exists in this project but is not visible to this identity "
                "(it may be failed, or restricted to other users): %s. Use another name, or ask a project "
                "administrator to grant access to it or delete it." % (name, exc.message), code=exc.code,
                status=exc.status, request_id=exc.request_id)
        raise


def finish(azdo, body, timeout, policy, progress):
    """Finish a draft (``isReady: true``), retrying while Entra has not replicated the federated credential."""
    def describe(exc, wait):
        return ("Azure DevOps could not verify the connection yet (the federated credential may still be "
                "replicating); retrying in %.0fs" % wait)

    def attempt():
        result = azdo.update_endpoint(body["id"], body)
        # The service may also answer 200 with the connection marked Failed and the same Entra error.
        state, message = operation_state(result)
        if state == "failed":
            raise ApiError("Azure DevOps could not verify the connection: %s" % message, status=400,
                           code="VerificationFailed")
        return result

    return retry_while(attempt, is_not_replicated, timeout, policy, progress, describe)


def wait_ready(azdo, project_id, endpoint_id, timeout, policy, progress, what="ready"):
    """Poll until Azure DevOps reports the connection ready (or no longer in progress); raise on Failed."""
    started = policy.clock()
    announced = 0.0
    delay = 1.0
    while True:
        body = azdo.endpoint(project_id, endpoint_id)
        if body is None:
            raise ApiError("The service connection %s disappeared while waiting for it to be %s" % (endpoint_id, what),
                           code="NotFound")
        state, message = operation_state(body)
        if state == "failed":
            raise ApiError("Azure DevOps reports the service connection failed: %s" % (message or "no message"),
                           code="Failed")
        if body.get("isReady") and state != "inprogress":
            return body
        if not body.get("isReady") and state not in ("inprogress", "") and not is_draft(body):
            # Not ready, not in progress: nothing will change by waiting.
            raise ApiError("Azure DevOps reports the service connection is not ready (state %s): %s"
                           % (state or "unknown", message or "no message"), code="NotReady")
        elapsed = policy.clock() - started
        if elapsed + delay > timeout:
            raise ApiError("The service connection %s was not %s after %.0fs (ready_timeout)"
                           % (endpoint_id, what, elapsed), code="OperationTimeout")
        if elapsed - announced >= 30:
            announced = elapsed
            progress("Waiting for service connection %s to be %s (%.0fs)" % (endpoint_id, what, elapsed))
        policy.sleep(delay)
        delay = min(10.0, delay * 2)


def convert(azdo, project_id, body, scheme):
    """ConvertAuthenticationScheme: in place, same id. Sends the connection as read, with the new scheme."""
    fresh = dict(body)
    fresh["authorization"] = dict(body.get("authorization") or {}, scheme=scheme)
    data = dict(body.get("data") or {})
    data.pop("revertSchemeDeadline", None)
    fresh["data"] = data
    return azdo.update_endpoint(body["id"], fresh, operation="ConvertAuthenticationScheme")


def desired_pipeline_permissions(spec, pipelines_by_name):
    """``(all_pipelines or None, set of pipeline ids, purge)`` from the module's pipeline_permissions option."""
    ids = set()
    for item in spec.get("pipelines") or []:
        text = str(item)
        if text.isdigit():
            ids.add(int(text))
        elif text in pipelines_by_name:
            ids.add(pipelines_by_name[text])
        else:
            raise ServiceConnectionError("pipeline_permissions.pipelines names '%s', which is not a pipeline of this "
                                         "project" % text, code="UnknownPipeline")
    return spec.get("all_pipelines"), ids, bool(spec.get("purge"))


def summarize_permissions(body):
    authorized = sorted(p["id"] for p in (body or {}).get("pipelines") or [] if p.get("authorized"))
    return dict(all_pipelines=bool(((body or {}).get("allPipelines") or {}).get("authorized")), pipelines=authorized)


def permission_patch(current, all_pipelines, ids, purge):
    """The PATCH body that takes ``current`` to the desired permissions, or ``None`` when nothing changes."""
    have = summarize_permissions(current)
    body = {}
    if all_pipelines is not None and all_pipelines != have["all_pipelines"]:
        body["allPipelines"] = {"authorized": bool(all_pipelines)}
    changes = [{"id": i, "authorized": True} for i in sorted(ids - set(have["pipelines"]))]
    if purge:
        changes += [{"id": i, "authorized": False} for i in have["pipelines"] if i not in ids]
    if changes:
        body["pipelines"] = changes
    return body or None


def apply_permission_patch(azdo, project_id, endpoint_id, body, all_pipelines, ids, purge, policy):
    """PATCH, then read back; Azure DevOps may take a moment to show it, so re-send once if it does not."""
    azdo.update_pipeline_permissions(project_id, "endpoint", endpoint_id, body)
    for dummy in range(3):
        current = azdo.pipeline_permissions(project_id, "endpoint", endpoint_id)
        if permission_patch(current, all_pipelines, ids, purge) is None:
            return current
        policy.sleep(1.0)
        azdo.update_pipeline_permissions(project_id, "endpoint", endpoint_id, body)
    return azdo.pipeline_permissions(project_id, "endpoint", endpoint_id)
