#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: azdo_service_connection_info
short_description: List or get Azure Resource Manager service connections of an Azure DevOps project
version_added: 0.1.0
description:
  - Lists the Azure Resource Manager service connections of a project, failed ones included, or gets one by
    name or id, optionally filtered by authentication scheme.
  - Each connection says whether it can be converted to workload identity federation and why not, so
    O(scheme=service_principal) finds every secret-based connection left to convert.
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.INFO_MODULE
options:
  subscription_id:
    description:
      - Ignored by this module, which reads connections as they are. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  project:
    description:
      - The project, by name or id.
    type: str
    required: true
  name:
    description:
      - Only the connection with this name.
    type: str
  id:
    description:
      - Only the connection with this id.
    type: str
  scheme:
    description:
      - Only connections using this authentication scheme.
    type: str
    choices: [workload_identity_federation, service_principal, managed_identity]
seealso:
  - module: azdo.identity.azdo_service_connection
"""

EXAMPLES = r"""
- name: Every secret-based Azure connection still to convert
  azdo.identity.azdo_service_connection_info:
    organization_url: https://dev.azure.com/contoso
    project: web
    scheme: service_principal
  register: legacy

- name: Show them
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.convertible | ternary('convertible', item.not_convertible_reason) }}"
  loop: "{{ legacy.service_connections }}"
"""

RETURN = r"""
service_connections:
  description:
    - The matching connections, with the keys the C(azdo_service_connection) module returns, plus C(convertible)
      (bool) and C(not_convertible_reason), and C(conversion_note) for connections that convert only under a
      condition. Secrets are never returned.
  returned: always
  type: list
  elements: dict
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
    convertible:
      description: Whether Azure DevOps can convert the connection to workload identity federation in place.
      type: bool
      returned: success
    not_convertible_reason:
      description: Why it cannot be converted; null when it can.
      type: str
      returned: success
    conversion_note:
      description: The condition under which a convertible connection converts (a federated credential that must exist first); else null.
      type: str
      returned: success
"""

from ansible_collections.azdo.identity.plugins.module_utils._endpoint import SCHEMES, convertible, normalize
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule
from ansible_collections.azdo.identity.plugins.module_utils._service_connection import find_by_name, read_project


def run(module):
    params = module.params
    azdo = module.azdo
    project = read_project(azdo, params["project"])
    with module.doing("list", "service connections of project %s" % project["name"]):
        if params["id"]:
            found = [azdo.endpoint(project["id"], params["id"])]
        elif params["name"]:
            found = [find_by_name(azdo, project["id"], params["name"])]
        else:
            found = azdo.endpoints(project["id"], endpoint_type="azurerm",
                                   auth_schemes=SCHEMES[params["scheme"]] if params["scheme"] else None)
    result = []
    for body in found:
        if not body or (body.get("type") or "").lower() != "azurerm":
            continue
        item = normalize(body)
        if params["scheme"] and item["scheme"] != params["scheme"]:
            continue
        allowed, reason = convertible(body)
        item.update(convertible=allowed, not_convertible_reason=None if allowed else reason,
                    conversion_note=reason if allowed else None)
        result.append(item)
    module.exit(False, "service_connections", after=result, with_diff=False)


def main():
    module = AzureModule(
        argument_spec=dict(
            project=dict(type="str", required=True),
            name=dict(type="str"),
            id=dict(type="str"),
            scheme=dict(type="str", choices=["workload_identity_federation", "service_principal", "managed_identity"]),
        ),
        mutually_exclusive=[("name", "id")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
