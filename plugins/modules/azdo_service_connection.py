#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: azdo_service_connection
short_description: Manage an Azure Resource Manager service connection in Azure DevOps
version_added: 0.1.0
description:
  - Makes sure an Azure Resource Manager service connection exists in an Azure DevOps project with the given
    authentication, scope, sharing and pipeline authorization, or does not exist.
  - B(Workload identity federation) (the default O(scheme)) trusts a managed identity or app registration
    (O(identity_client_id)) through a federated credential instead of a secret. The manual flow is
    O(draft=true) to create the connection and read the issuer and subject Azure DevOps generated
    (RV(service_connection.workload_identity_federation_issuer) and C(_subject)), then
    M(azdo.identity.managed_identity_federation) with those values, then this module again with
    O(draft=false) to finish the connection, which waits until Azure DevOps reports it ready.
  - Changing O(scheme) of an existing secret-based (V(service_principal)) connection to
    V(workload_identity_federation) B(converts it in place), keeping its id, as the portal's "convert" does.
    Changing a converted connection back to V(service_principal) reverts it, which Azure DevOps allows only
    until the connection's revert deadline. A shared or Azure Stack connection cannot be converted, and the
    module says so before any write.
  - The connection is looked up by name, including failed connections, so a failed connection is reported,
    never created a second time. A name taken by a connection this identity cannot see fails clearly.
  - Secrets are write-only. Azure DevOps never returns them, so they are not compared; O(rotate_secret)
    sends O(service_principal_secret) again. An existing secret-based connection is never updated without
    its secret, since the service may drop a stored secret that an update leaves out.
  - Where Azure DevOps behaviour is not documented, the module takes the path that is safe either way. A
    missing connection may be answered by 404 or 200 with an empty body, and both count as absent. Issuer
    and subject are read from Azure DevOps, never computed. A create is not resent after an ambiguous
    failure; the name is looked up instead.
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.CHECK_MODE_DIFF
options:
  project:
    description:
      - The project that owns the connection, by name or id.
    type: str
    required: true
  name:
    description:
      - Name of the service connection.
    type: str
    required: true
  description:
    description:
      - Description. When omitted, an existing description is left as it is.
    type: str
  service_management_reference:
    description:
      - The ServiceNow (or other ITSM) reference Azure DevOps records for the connection.
    type: str
  scheme:
    description:
      - V(workload_identity_federation) authenticates with a federated credential on O(identity_client_id).
      - V(service_principal) authenticates with O(service_principal_secret) or O(certificate).
      - V(managed_identity) uses the managed identity of the agent (self-hosted agents on Azure only).
    type: str
    default: workload_identity_federation
    choices: [workload_identity_federation, service_principal, managed_identity]
  identity_client_id:
    description:
      - Client (application) id of the managed identity or app registration the connection signs in as.
        This is the managed identity's C(client_id) or the app registration's C(app_id), not an object id.
    type: str
  identity_tenant_id:
    description:
      - Tenant of O(identity_client_id). Defaults to O(tenant), then to E(AZURE_TENANT_ID) or E(AZURE_TENANT).
    type: str
  service_principal_secret:
    description:
      - Client secret of O(identity_client_id), for O(scheme=service_principal).
    type: str
  certificate:
    description:
      - PEM text of a certificate with its private key, for O(scheme=service_principal) instead of a secret.
    type: str
  rotate_secret:
    description:
      - Send O(service_principal_secret) or O(certificate) to the existing connection even though nothing else
        changed. Secrets cannot be read back, so this always reports a change.
    type: bool
    default: false
  environment:
    description:
      - The Azure cloud the connection targets.
    type: str
    default: AzureCloud
    choices: [AzureCloud, AzureUSGovernment, AzureChinaCloud, AzureStack]
  environment_url:
    description:
      - ARM endpoint of the Azure Stack Hub, for O(environment=AzureStack).
    type: str
  scope_level:
    description:
      - What the connection can reach. V(subscription) may be narrowed to O(resource_group).
    type: str
    default: subscription
    choices: [subscription, management_group, machine_learning_workspace]
  subscription_name:
    description:
      - Display name of O(subscription_id). When omitted for a new connection, it is read from Azure Resource Manager.
    type: str
  resource_group:
    description:
      - Narrow a subscription connection to this resource group; for a Machine Learning workspace, its resource group.
    type: str
  management_group_id:
    description:
      - Management group id, for O(scope_level=management_group).
    type: str
  management_group_name:
    description:
      - Management group display name. Defaults to O(management_group_id).
    type: str
  ml_workspace_name:
    description:
      - Machine Learning workspace name, for O(scope_level=machine_learning_workspace).
    type: str
  ml_workspace_location:
    description:
      - Machine Learning workspace region.
    type: str
  share_with_projects:
    description:
      - Other projects (names or ids) the connection is shared with.
    type: list
    elements: str
  purge_shared_projects:
    description:
      - Stop sharing with projects not listed in O(share_with_projects).
    type: bool
    default: false
  draft:
    description:
      - Create or keep the connection as a draft, without finishing it, so that its issuer and subject can be
        used to create the federated credential first. With V(false), a draft is finished and the module
        waits until Azure DevOps reports the connection ready.
    type: bool
    default: false
  pipeline_permissions:
    description:
      - Which pipelines may use the connection. Left alone when omitted.
    type: dict
    suboptions:
      all_pipelines:
        description:
          - Authorize every pipeline of the project (the portal's "Grant access permission to all pipelines").
            Off unless asked for.
        type: bool
      pipelines:
        description:
          - Pipelines to authorize, by id or name.
        type: list
        elements: str
      purge:
        description:
          - Revoke pipelines not listed in O(pipeline_permissions.pipelines).
        type: bool
        default: false
  ready_timeout:
    description:
      - Seconds to wait for the connection to become ready after it is finished or converted, including
        retries while Entra replicates a new federated credential.
    type: int
    default: 300
  state:
    description:
      - V(present) creates, updates, converts or finishes the connection; V(absent) deletes it.
    type: str
    default: present
    choices: [present, absent]
notes:
  - O(subscription_id) here is the subscription the connection reaches.
seealso:
  - module: azdo.identity.azdo_service_connection_info
  - module: azdo.identity.managed_identity_federation
  - name: Manually configure workload identity service connections
    description: The portal flow this module automates.
    link: https://learn.microsoft.com/azure/devops/pipelines/release/configure-workload-identity
"""

EXAMPLES = r"""
- name: Create the connection as a draft to learn its issuer and subject
  azdo.identity.azdo_service_connection:
    organization_url: https://dev.azure.com/contoso
    project: web
    name: sc-web-prod
    identity_client_id: "{{ identity.managed_identity.client_id }}"
    subscription_id: "{{ subscription_id }}"
    draft: true
  register: draft

- name: Trust it from the managed identity
  azdo.identity.managed_identity_federation:
    identity: "{{ identity.managed_identity.id }}"
    name: sc-web-prod
    issuer: "{{ draft.service_connection.workload_identity_federation_issuer }}"
    subject: "{{ draft.service_connection.workload_identity_federation_subject }}"

- name: Finish it, and let one pipeline use it
  azdo.identity.azdo_service_connection:
    organization_url: https://dev.azure.com/contoso
    project: web
    name: sc-web-prod
    identity_client_id: "{{ identity.managed_identity.client_id }}"
    subscription_id: "{{ subscription_id }}"
    pipeline_permissions:
      pipelines: [web-deploy]

- name: Convert a secret-based connection in place
  azdo.identity.azdo_service_connection:
    organization_url: https://dev.azure.com/contoso
    project: web
    name: sc-legacy
    identity_client_id: "{{ legacy_app_id }}"
    subscription_id: "{{ subscription_id }}"
    scheme: workload_identity_federation
"""

RETURN = r"""
service_connection:
  description:
    - The connection after the task; in check mode, the predicted one (values Azure DevOps generates, such as the
      id, issuer and subject of a new connection, are null). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the connection (unchanged by conversion).
      type: str
      returned: success
    name:
      description: Name.
      type: str
      returned: success
    type:
      description: Endpoint type.
      type: str
      returned: success
      sample: azurerm
    scheme:
      description: V(workload_identity_federation), V(service_principal) or V(managed_identity).
      type: str
      returned: success
    workload_identity_federation_issuer:
      description: The issuer Azure DevOps generated, for the federated credential.
      type: str
      returned: success
    workload_identity_federation_subject:
      description: The subject Azure DevOps generated, for the federated credential. Treat it as opaque.
      type: str
      returned: success
    is_ready:
      description: Whether Azure DevOps reports the connection ready.
      type: bool
      returned: success
    is_draft:
      description: Whether the connection is a draft.
      type: bool
      returned: success
    client_id:
      description: Client id of the identity the connection signs in as.
      type: str
      returned: success
    tenant_id:
      description: Tenant of that identity.
      type: str
      returned: success
    projects:
      description: Projects the connection belongs to (the owner first).
      type: list
      elements: dict
      returned: success
    revert_scheme_deadline:
      description: Until when a converted connection can be reverted to its secret.
      type: str
      returned: success
    pipeline_permissions:
      description: Pipeline authorization, when O(pipeline_permissions) is given.
      type: dict
      returned: when O(pipeline_permissions) is given
"""

from ansible_collections.azdo.identity.plugins.module_utils._auth import ENV_TENANT, env_first
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule, ModuleFailure
from ansible_collections.azdo.identity.plugins.module_utils._service_connection import (
    SCHEMES, Desired, ServiceConnectionError, apply_permission_patch, convert, convertible, create,
    desired_pipeline_permissions, finish, find_by_name, normalize, permission_patch, revert_blocked,
    summarize_permissions, wait_ready,
)


class Task(object):
    """One run of the module: the resolved project, the current connection, and what changed."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.azdo = module.azdo
        self.policy = self.azdo.rest.policy
        self.changed = False

    def project(self, reference):
        with self.module.doing("read", "project '%s'" % reference):
            found = self.azdo.project(reference)
        if found is None:
            raise ModuleFailure("Project '%s' was not found in %s, or this identity cannot see it"
                                % (reference, self.module.organization_url))
        return found

    def subscription_name(self):
        params = self.params
        if params.get("subscription_name") or params["scope_level"] == "management_group":
            return params.get("subscription_name")
        try:
            with self.module.doing("read", "subscription %s" % params["subscription_id"]):
                body = self.module.arm.rest.get(self.module.arm.rest.url("subscriptions", params["subscription_id"]),
                                                api_version="2022-12-01", not_found_ok=True)
        except ModuleFailure as exc:
            raise ModuleFailure("subscription_name is needed for a new connection and could not be read from Azure "
                                "Resource Manager (%s); pass subscription_name" % exc.msg)
        if not body or not body.get("displayName"):
            raise ModuleFailure("subscription_name is needed for a new connection and subscription %s was not found in "
                                "Azure Resource Manager; pass subscription_name" % params["subscription_id"])
        return body["displayName"]


def run(module):
    params = module.params
    # The identity's tenant: given, else the tenant used to sign in (option, or the environment
    # names azure-identity and AWX's Azure credential use).
    tenant_id = params.get("identity_tenant_id") or params.get("tenant") or env_first(ENV_TENANT)
    if params["state"] == "present":
        problem = Desired.validate(params, tenant_id)
        if problem:
            raise ModuleFailure(problem)
    if params["ready_timeout"] <= 0:
        raise ModuleFailure("ready_timeout must be a positive number of seconds; got %s" % params["ready_timeout"])
    task = Task(module)
    project = task.project(params["project"])
    what = "service connection '%s' in project %s" % (params["name"], project["name"])
    with module.doing("look up", what):
        existing = find_by_name(task.azdo, project["id"], params["name"])

    if params["state"] == "absent":
        return remove(task, project, existing, what)

    pipelines = None
    if params["pipeline_permissions"]:
        pipelines = resolve_pipelines(task, project)
    extra_projects = [task.project(p) for p in params["share_with_projects"] or []]
    if existing is None:
        desired = Desired(params, project, tenant_id, task.subscription_name())
        after_body = create_new(task, desired, project, what)
    else:
        desired = Desired(params, project, tenant_id)
        after_body = update_existing(task, desired, project, existing, what)
    before = normalize(existing) if existing else {}
    after = normalize(after_body) if after_body.get("authorization") is not None else after_body
    after = share(task, project, extra_projects, after, what)
    if pipelines is not None:
        after["pipeline_permissions"] = permissions(task, project, after, pipelines, what)
    module.exit(task.changed, "service_connection", after=after, before=before)


def resolve_pipelines(task, project):
    spec = task.params["pipeline_permissions"]
    names = [p for p in spec.get("pipelines") or [] if not str(p).isdigit()]
    by_name = {}
    if names:
        with task.module.doing("list", "pipelines of project %s" % project["name"]):
            by_name = dict((p.get("name"), p.get("id")) for p in task.azdo.pipelines(project["id"]) or [])
    try:
        return desired_pipeline_permissions(spec, by_name)
    except ServiceConnectionError as exc:
        raise ModuleFailure(exc.message)


def remove(task, project, existing, what):
    module = task.module
    if existing is None:
        module.exit(False, "service_connection", after={}, before={})
    if not module.check_mode:
        with module.doing("delete", what):
            task.azdo.delete_endpoint(existing["id"], [project["id"]])
    module.exit(True, "service_connection", after={}, before=normalize(existing))


def create_new(task, desired, project, what):
    module, params = task.module, task.params
    task.changed = True
    if module.check_mode:
        return desired.predicted(params["draft"])
    with module.doing("create", what):
        try:
            created = create(task.azdo, project["id"], params["name"], desired.body(params["draft"]))
        except ServiceConnectionError as exc:
            raise ModuleFailure(exc.message)
    if not params["draft"]:
        created = await_ready(task, project, created, what)
    return created


def await_ready(task, project, body, what):
    state = str(((body or {}).get("operationStatus") or {}).get("state") or "").lower()
    if body.get("isReady") and state not in ("inprogress",):
        return body
    with task.module.doing("wait for", "%s to be ready" % what):
        return wait_ready(task.azdo, project["id"], body["id"], task.params["ready_timeout"], task.policy,
                          task.module.progress)


def update_existing(task, desired, project, existing, what):
    module, params = task.module, task.params
    have = normalize(existing)
    want_scheme = SCHEMES[params["scheme"]]
    if (existing.get("authorization") or {}).get("scheme", "").lower() != want_scheme.lower():
        return change_scheme(task, project, existing, have, want_scheme, what)
    mutable, immutable = desired.changes(existing)
    if immutable:
        fields = ", ".join("%s (%s -> %s)" % (k, v[0], v[1]) for k, v in sorted(immutable.items()))
        raise ModuleFailure("Cannot change %s of existing %s: Azure DevOps does not allow it. Delete the connection "
                            "(state=absent) and create it again." % (fields, what))
    finishing = have["is_draft"] and not params["draft"]
    rotate = params["rotate_secret"] and params["scheme"] == "service_principal"
    if not (mutable or finishing or rotate):
        return existing
    if params["scheme"] == "service_principal" and not (params.get("service_principal_secret") or params.get("certificate")):
        raise ModuleFailure("Updating secret-based %s needs service_principal_secret or certificate: Azure DevOps may "
                            "drop a stored secret that an update leaves out (changes: %s)" % (what, ", ".join(mutable)))
    body = desired.updated_body(existing, draft=have["is_draft"] and not finishing)
    task.changed = True
    if module.check_mode:
        predicted = normalize(body)
        predicted["is_ready"] = True if finishing else have["is_ready"]
        return predicted
    if finishing:
        with module.doing("finish", what):
            updated = finish(task.azdo, body, params["ready_timeout"], task.policy, module.progress)
        return await_ready(task, project, updated or body, what)
    with module.doing("update", what):
        return task.azdo.update_endpoint(existing["id"], body)


def change_scheme(task, project, existing, have, want_scheme, what):
    module, params = task.module, task.params
    if want_scheme == "WorkloadIdentityFederation" and have["scheme"] == "service_principal":
        allowed, reason = convertible(existing)
        if not allowed:
            raise ModuleFailure("Cannot convert %s to workload identity federation: %s" % (what, reason))
        if reason:
            module.warn("Converting %s: %s" % (what, reason))
        action = "convert"
    elif want_scheme == "ServicePrincipal" and have["scheme"] == "workload_identity_federation":
        reason = revert_blocked(existing)
        if reason:
            raise ModuleFailure("Cannot revert %s to a secret: %s" % (what, reason))
        action = "revert"
    else:
        raise ModuleFailure("Cannot change %s from scheme %s to %s in place; delete it (state=absent) and create it "
                            "again" % (what, have["scheme"], params["scheme"]))
    task.changed = True
    if module.check_mode:
        predicted = dict(have, scheme=params["scheme"], authorization_scheme=want_scheme)
        if action == "convert":
            predicted.update(workload_identity_federation_issuer=None, workload_identity_federation_subject=None)
        return predicted
    with module.doing(action, what):
        converted = convert(task.azdo, project["id"], existing, want_scheme)
        if not converted or converted.get("authorization") is None:
            converted = task.azdo.endpoint(project["id"], existing["id"]) or existing
    return await_ready(task, project, converted, what)


def share(task, project, extra_projects, after, what):
    module, params = task.module, task.params
    if params["share_with_projects"] is None and not params["purge_shared_projects"]:
        return after
    current = set(p["id"] for p in after.get("projects") or [])
    wanted = set([project["id"]] + [p["id"] for p in extra_projects])
    add = [p for p in extra_projects if p["id"] not in current]
    remove_ids = sorted(current - wanted) if params["purge_shared_projects"] else []
    if not add and not remove_ids:
        return after
    task.changed = True
    projects = [p for p in after.get("projects") or [] if p["id"] not in remove_ids]
    projects += [dict(id=p["id"], name=p["name"]) for p in add]
    if not module.check_mode and after.get("id"):
        if add:
            references = [{"projectReference": {"id": p["id"], "name": p["name"]}, "name": params["name"],
                           "description": params.get("description") or ""} for p in add]
            with module.doing("share", "%s with %s" % (what, ", ".join(p["name"] for p in add))):
                task.azdo.share_endpoint(after["id"], references)
        if remove_ids:
            with module.doing("stop sharing", "%s with %s" % (what, ", ".join(remove_ids))):
                task.azdo.delete_endpoint(after["id"], remove_ids)
    return dict(after, projects=projects, is_shared=len(projects) > 1)


def permissions(task, project, after, pipelines, what):
    module = task.module
    all_pipelines, ids, purge = pipelines
    if not after.get("id"):  # check mode, new connection: nothing to read yet
        predicted = dict(all_pipelines=bool(all_pipelines), pipelines=sorted(ids))
        if all_pipelines or ids:
            task.changed = True
        return predicted
    with module.doing("read", "pipeline permissions of %s" % what):
        current = task.azdo.pipeline_permissions(project["id"], "endpoint", after["id"])
    patch = permission_patch(current, all_pipelines, ids, purge)
    if patch is None:
        return summarize_permissions(current)
    task.changed = True
    if module.check_mode:
        have = summarize_permissions(current)
        authorized = set(have["pipelines"]) | ids
        if purge:
            authorized = set(ids)
        return dict(all_pipelines=have["all_pipelines"] if all_pipelines is None else bool(all_pipelines),
                    pipelines=sorted(authorized))
    with module.doing("authorize", "pipelines for %s" % what):
        final = apply_permission_patch(task.azdo, project["id"], after["id"], patch, all_pipelines, ids, purge,
                                       task.policy)
    return summarize_permissions(final)


def main():
    module = AzureModule(
        argument_spec=dict(
            project=dict(type="str", required=True),
            name=dict(type="str", required=True),
            description=dict(type="str"),
            service_management_reference=dict(type="str"),
            scheme=dict(type="str", default="workload_identity_federation", choices=list(SCHEMES)),
            identity_client_id=dict(type="str"),
            identity_tenant_id=dict(type="str"),
            service_principal_secret=dict(type="str", no_log=True),
            certificate=dict(type="str", no_log=True),
            rotate_secret=dict(type="bool", default=False, no_log=False),
            environment=dict(type="str", default="AzureCloud",
                             choices=["AzureCloud", "AzureUSGovernment", "AzureChinaCloud", "AzureStack"]),
            environment_url=dict(type="str"),
            scope_level=dict(type="str", default="subscription",
                             choices=["subscription", "management_group", "machine_learning_workspace"]),
            subscription_name=dict(type="str"),
            resource_group=dict(type="str"),
            management_group_id=dict(type="str"),
            management_group_name=dict(type="str"),
            ml_workspace_name=dict(type="str"),
            ml_workspace_location=dict(type="str"),
            share_with_projects=dict(type="list", elements="str"),
            purge_shared_projects=dict(type="bool", default=False),
            draft=dict(type="bool", default=False),
            pipeline_permissions=dict(type="dict", options=dict(
                all_pipelines=dict(type="bool"),
                pipelines=dict(type="list", elements="str"),
                purge=dict(type="bool", default=False),
            )),
            ready_timeout=dict(type="int", default=300),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        mutually_exclusive=[("service_principal_secret", "certificate")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
