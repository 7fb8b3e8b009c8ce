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
  - An existing connection is never taken over. When the connection named O(name) already exists with another
    scheme, or signs in as another identity (client id or tenant), the task fails before any write, naming the
    connection's scheme, creation mode and identity, unless O(allow_scheme_change) or O(allow_identity_change)
    says to change it. With O(allow_scheme_change=true), changing O(scheme) of a secret-based
    (V(service_principal)) connection to V(workload_identity_federation) B(converts it in place), keeping its id,
    as the portal's "convert" does; changing a converted connection back to V(service_principal) reverts it,
    which Azure DevOps allows only until the connection's revert deadline. A shared or Azure Stack connection
    cannot be converted, and the module says so before any write.
  - An option left out never changes an existing connection. Leaving out O(resource_group) keeps the
    connection's scope (widening it to the whole subscription takes O(scope_level=subscription)); leaving out
    O(environment) keeps its cloud; leaving out O(identity_client_id) keeps its identity.
  - A present connection that is not a draft ends ready, or the task fails. A connection whose verification
    failed (Azure DevOps marks it C(Failed) and no longer a draft) is finished again by the next run. Before
    finishing a workload identity federation connection, the module looks for the federated credential with
    the connection's issuer and subject on the identity behind it (a managed identity through Azure Resource
    Manager, an app registration through Microsoft Graph); when the credential is missing it fails at once,
    naming it. When the credential exists, or cannot be looked for from here, finishing is retried a few times
    while Entra replicates it, within O(ready_timeout).
  - The connection is looked up by name, including failed connections, so a failed connection is reported,
    never created a second time. A name taken by a connection this identity cannot see fails clearly.
  - Secrets are write-only. Azure DevOps never returns them, so they are not compared; O(rotate_secret)
    sends O(service_principal_secret) again. An existing secret-based connection is never updated without
    its secret, since the service may drop a stored secret that an update leaves out.
  - Where Azure DevOps behaviour is not documented, the module takes the path that is safe either way. A
    missing connection may be answered by 404 or 200 with an empty body, and both count as absent. Issuer
    and subject are read from Azure DevOps, never computed. A create is not resent after an ambiguous
    failure; the name is looked up instead, and when it is not found the message says that a re-run is safe.
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
      - The Azure cloud the connection reaches.
      - When omitted, an existing connection keeps its cloud, and a new one follows O(cloud_environment)
        (V(AzureCloud), V(AzureUSGovernment) or V(AzureChinaCloud)). With a custom O(cloud_environment) (a URL),
        a new connection needs this option; Azure Stack Hub is V(AzureStack) with O(environment_url).
      - This option belongs to this module only; do not set it in C(module_defaults) for
        C(group/azdo.identity.all), where every other module would refuse it. Set O(cloud_environment) there.
    type: str
    choices: [AzureCloud, AzureUSGovernment, AzureChinaCloud, AzureStack]
  environment_url:
    description:
      - ARM endpoint of the Azure Stack Hub, for O(environment=AzureStack).
    type: str
  scope_level:
    description:
      - What the connection can reach. V(resource_group) is a subscription connection narrowed to
        O(resource_group).
      - When omitted, it follows from the other options (O(management_group_id), O(ml_workspace_name),
        O(resource_group)); an existing connection keeps its scope, and a new one reaches the subscription.
        Widening an existing resource group connection to its subscription takes V(subscription) explicitly.
    type: str
    choices: [subscription, resource_group, management_group, machine_learning_workspace]
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
  allow_scheme_change:
    description:
      - Allow changing the scheme of an existing connection in place (convert a secret-based connection to
        workload identity federation, or revert one). Without it, a task whose O(scheme) differs from an
        existing connection's fails before any write.
    type: bool
    default: false
  allow_identity_change:
    description:
      - Allow re-pointing an existing connection to another identity (O(identity_client_id) or
        O(identity_tenant_id) differ from the connection's). Without it such a task fails before any write.
    type: bool
    default: false
  ready_timeout:
    description:
      - Seconds to wait for the connection to become ready after it is created, finished or converted. One budget
        for the finishing attempts (repeated a few times while Entra replicates a new federated credential) and the
        readiness checks that follow.
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

- name: Convert a secret-based connection in place (its app registration needs a matching federated credential)
  azdo.identity.azdo_service_connection:
    organization_url: https://dev.azure.com/contoso
    project: web
    name: sc-legacy
    scheme: workload_identity_federation
    allow_scheme_change: true

- name: A connection in Azure US Government (follows cloud_environment)
  azdo.identity.azdo_service_connection:
    cloud_environment: AzureUSGovernment
    organization_url: https://dev.azure.com/contoso
    project: web
    name: sc-gov
    identity_client_id: "{{ identity.managed_identity.client_id }}"
    subscription_id: "{{ subscription_id }}"
    resource_group: rg-web
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
    url:
      description: The service URL the connection points at (the cloud's Resource Manager endpoint).
      type: str
      returned: success
    description:
      description: Description of the connection (empty when it has none).
      type: str
      returned: success
    authorization_scheme:
      description: The scheme as Azure DevOps names it, for example V(WorkloadIdentityFederation) or V(ServicePrincipal).
      type: str
      returned: success
    workload_identity_federation_issuer_type:
      description: Which issuer the connection uses when Azure DevOps reports it (V(EntraID) or V(AzureDevOps)); null otherwise.
      type: str
      returned: success
    is_shared:
      description: Whether the connection is shared with other projects.
      type: bool
      returned: success
    operation_state:
      description: The state of the last operation on the connection as Azure DevOps reports it (for example V(Ready) or V(Failed)).
      type: str
      returned: success
    operation_message:
      description: The message Azure DevOps gave with that state, for example why verification failed.
      type: str
      returned: success
    creation_mode:
      description: V(Manual) or V(Automatic) (made by Azure DevOps together with its identity).
      type: str
      returned: success
    environment:
      description: The Azure environment of the connection, for example V(AzureCloud) or V(AzureUSGovernment).
      type: str
      returned: success
    scope_level:
      description: V(Subscription), V(ManagementGroup) or V(AzureMLWorkspace), as Azure DevOps stores it.
      type: str
      returned: success
    subscription_id:
      description: Subscription of the connection.
      type: str
      returned: success
    subscription_name:
      description: Display name of that subscription.
      type: str
      returned: success
    resource_group:
      description: Resource group the connection is scoped to; null when it is scoped to the whole subscription.
      type: str
      returned: success
    management_group_id:
      description: Management group of a connection at management group level.
      type: str
      returned: success
    management_group_name:
      description: Display name of that management group.
      type: str
      returned: success
    service_management_reference:
      description: The service management reference recorded on the connection.
      type: str
      returned: success
    pipeline_permissions:
      description: Pipeline authorization, when O(pipeline_permissions) is given.
      type: dict
      returned: when O(pipeline_permissions) is given
      contains:
        all_pipelines:
          description: Whether every pipeline of the project may use the connection.
          type: bool
        pipelines:
          description: Ids of the pipelines authorized one by one.
          type: list
          elements: int
"""

from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule
from ansible_collections.azdo.identity.plugins.module_utils._service_connection import ARGUMENT_SPEC, ensure_options


def run(module):
    result = ensure_options(module.context(), module.params)
    module.exit(result["changed"], "service_connection", after=result["after"], before=result["before"])


def main():
    module = AzureModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[("service_principal_secret", "certificate")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
