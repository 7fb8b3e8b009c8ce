#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: role_assignment
short_description: Grant or remove an Azure role for a principal at a scope
version_added: 0.1.0
description:
  - Makes sure a principal (service principal, managed identity, user or group) holds an Azure RBAC role
    at a scope, or does not.
  - The assignment is named by a GUID derived from the scope, role and principal, so a retried or repeated
    run lands on the same assignment. An equal assignment made elsewhere under another name (portal, CLI,
    Bicep) is found by listing the principal's assignments at the scope and adopted rather than duplicated;
    when Azure answers C(RoleAssignmentExists) to a create, the module does the same.
  - A principal created moments earlier may not be visible to Azure RBAC yet; the module retries
    C(PrincipalNotFound) until O(principal_timeout).
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.CHECK_MODE_DIFF
options:
  organization_url:
    description:
      - Ignored by this module, which does not talk to Azure DevOps. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  organization:
    description:
      - Ignored by this module, which does not talk to Azure DevOps. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  personal_access_token:
    description:
      - Ignored by this module, which does not talk to Azure DevOps. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  subscription_id:
    description:
      - Ignored by this module, which takes the full scope in O(scope). Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  scope:
    description:
      - Where the role applies, for example C(/subscriptions/<id>), C(/subscriptions/<id>/resourceGroups/<name>),
        a full resource id, or C(/providers/Microsoft.Management/managementGroups/<name>).
      - Compared case-insensitively and without regard to a trailing slash.
    type: str
    required: true
  role:
    description:
      - The role, by name (V(Contributor), V(Key Vault Secrets User)), by role definition GUID, or by full
        role definition id. A name is looked up at O(scope).
    type: str
    required: true
    aliases: [role_definition]
  principal_id:
    description:
      - Object id of the principal in Microsoft Entra ID. For a managed identity or app registration this is
        the B(service principal) object id (the managed identity's C(principal_id)), not its client id.
    type: str
    required: true
  principal_type:
    description:
      - Type of the principal. Setting it lets Azure accept a principal that was created moments ago.
    type: str
    default: ServicePrincipal
    choices: [ServicePrincipal, User, Group, ForeignGroup, Device]
  description:
    description:
      - Description of the assignment. When omitted, an existing description is left as it is.
    type: str
  condition:
    description:
      - An ABAC condition that narrows the assignment. When omitted, an existing condition is left as it is.
    type: str
  condition_version:
    description:
      - Version of the condition language. Only with O(condition).
    type: str
    choices: ['2.0']
  state:
    description:
      - V(present) grants the role, V(absent) removes the assignment.
    type: str
    default: present
    choices: [present, absent]
  principal_timeout:
    description:
      - Seconds to keep retrying while Azure reports C(PrincipalNotFound) for a principal that was just created.
    type: int
    default: 300
seealso:
  - module: azdo.identity.role_assignment_info
  - name: Assign Azure roles using the REST API
    description: Microsoft's description of the API this module uses.
    link: https://learn.microsoft.com/azure/role-based-access-control/role-assignments-rest
"""

EXAMPLES = r"""
- name: Let a managed identity deploy into one resource group
  azdo.identity.role_assignment:
    scope: "/subscriptions/{{ subscription_id }}/resourceGroups/rg-app"
    role: Contributor
    principal_id: "{{ identity.managed_identity.principal_id }}"

- name: Let pool agents read Key Vault secrets
  azdo.identity.role_assignment:
    scope: "{{ vault_id }}"
    role: 4633458b-17de-408a-b874-0445c86b69e6  # Key Vault Secrets User
    principal_id: "{{ principal_id }}"
    description: Managed DevOps Pool agents pull certificates

- name: Set authentication once for every module of the collection
  module_defaults:
    group/azdo.identity.all:
      auth_source: env
  block:
    - name: Remove a role that is no longer needed
      azdo.identity.role_assignment:
        scope: "/subscriptions/{{ subscription_id }}"
        role: Reader
        principal_id: "{{ principal_id }}"
        state: absent
"""

RETURN = r"""
role_assignment:
  description:
    - The role assignment after the task; in check mode, the predicted one. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Full resource id of the assignment.
      type: str
      returned: success
      sample: /subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Authorization/roleAssignments/1b2c...
    name:
      description: The assignment's GUID name.
      type: str
      returned: success
    scope:
      description: Scope of the assignment.
      type: str
      returned: success
    role_definition_id:
      description: Full id of the role definition.
      type: str
      returned: success
    role_name:
      description: Name of the role.
      type: str
      returned: success
      sample: Contributor
    principal_id:
      description: Object id of the principal.
      type: str
      returned: success
    principal_type:
      description: Type of the principal.
      type: str
      returned: success
      sample: ServicePrincipal
    description:
      description: Description of the assignment.
      type: str
      returned: success
    condition:
      description: ABAC condition, if any.
      type: str
      returned: success
    condition_version:
      description: Version of the condition language, if any.
      type: str
      returned: success
"""

from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule
from ansible_collections.azdo.identity.plugins.module_utils._role_assignment import ARGUMENT_SPEC, ensure


def run(module):
    result = ensure(module.context(), module.params)
    module.exit(result["changed"], "role_assignment", after=result["after"], before=result["before"])


def main():
    module = AzureModule(
        argument_spec=ARGUMENT_SPEC,
    )
    module.run(run)


if __name__ == "__main__":
    main()
