#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: role_assignment_info
short_description: List Azure role assignments at a scope
version_added: 0.1.0
description:
  - Lists the role assignments at a scope, optionally only those of one principal and one role.
  - Follows every page of the answer.
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.INFO_MODULE
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
      - The scope to list at, for example C(/subscriptions/<id>) or a resource group or resource id.
    type: str
    required: true
  principal_id:
    description:
      - Only assignments of this principal (object id).
    type: str
  role:
    description:
      - Only assignments of this role, by name, role definition GUID or full role definition id.
    type: str
    aliases: [role_definition]
  include:
    description:
      - V(at_scope) lists assignments made exactly at O(scope) and those inherited from above it.
      - V(all) lists everything the service returns for O(scope) - assignments at it, above it and below it
        (resource groups and resources of a subscription); without O(principal_id), those at and below it.
      - V(exact) lists only assignments made exactly at O(scope).
    type: str
    default: exact
    choices: [exact, at_scope, all]
seealso:
  - module: azdo.identity.role_assignment
"""

EXAMPLES = r"""
- name: What can this managed identity do in the subscription?
  azdo.identity.role_assignment_info:
    scope: "/subscriptions/{{ subscription_id }}"
    principal_id: "{{ principal_id }}"
    include: all
  register: grants

- name: Who holds Owner on the resource group?
  azdo.identity.role_assignment_info:
    scope: "/subscriptions/{{ subscription_id }}/resourceGroups/rg-app"
    role: Owner
    include: at_scope
"""

RETURN = r"""
role_assignments:
  description: The matching role assignments, with the same keys as the C(role_assignment) module returns.
  returned: always
  type: list
  elements: dict
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
  sample:
    - id: /subscriptions/0000/providers/Microsoft.Authorization/roleAssignments/1b2c...
      name: 1b2c...
      scope: /subscriptions/0000
      role_definition_id: /subscriptions/0000/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-...
      role_name: Reader
      principal_id: 5e6f...
      principal_type: ServicePrincipal
      description: null
      condition: null
      condition_version: null
"""

from ansible_collections.azdo.identity.plugins.module_utils._arm import role_guid
from ansible_collections.azdo.identity.plugins.module_utils._url import odata_quote
from ansible_collections.azdo.identity.plugins.module_utils._compare import ids_equal, is_guid, normalize_id
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule
from ansible_collections.azdo.identity.plugins.module_utils._role_assignment import (
    clean_scope, public_assignment, resolve_role, validate_scope,
)


def run(module):
    params = module.params
    problem = validate_scope(params["scope"])
    if problem:
        raise InputError(problem)
    if params["principal_id"] and not is_guid(params["principal_id"]):
        raise InputError("principal_id must be an object id (a GUID); got '%s'" % params["principal_id"])
    scope = clean_scope(params["scope"])
    arm = module.arm
    role = None
    if params["role"]:
        with module.doing("resolve", "role '%s' at %s" % (params["role"], scope)):
            role = resolve_role(arm, scope, params["role"])
    # ARM takes atScope() or principalId eq '...' but refuses the two combined (only
    # "atScope() and assignedTo(...)" is documented), so a principal is filtered by the service and
    # the scope is narrowed here.
    if params["principal_id"]:
        odata_filter = "principalId eq %s" % odata_quote(params["principal_id"].lower())
    elif params["include"] != "all":
        odata_filter = "atScope()"
    else:
        odata_filter = None
    with module.doing("list", "role assignments at %s" % scope):
        found = arm.role_assignments(scope, odata_filter)
    names = {}
    result = []
    for item in found:
        if params["include"] == "exact" and not ids_equal(item["scope"], scope):
            continue
        if params["include"] == "at_scope" and not is_at_or_above(item["scope"], scope):
            continue
        guid = role_guid(item["role_definition_id"])
        if role is not None and guid != role["guid"]:
            continue
        if role is not None:
            item["role_name"] = role["role_name"]
        else:
            item["role_name"] = names.get(guid)
            if guid not in names:
                names[guid] = item["role_name"] = _role_name(arm, scope, guid)
        result.append(public_assignment(item))
    module.exit(False, "role_assignments", after=result, with_diff=False)


def is_at_or_above(assigned_scope, scope):
    """Whether an assignment at ``assigned_scope`` applies at ``scope`` (same scope or an ancestor)."""
    mine = normalize_id(assigned_scope)
    target = normalize_id(scope)
    return mine == "/" or target == mine or target.startswith(mine + "/")


def _role_name(arm, scope, guid):
    definition = arm.role_definition(scope, guid)
    return definition["role_name"] if definition else None


def main():
    module = AzureModule(
        argument_spec=dict(
            scope=dict(type="str", required=True),
            principal_id=dict(type="str"),
            role=dict(type="str", aliases=["role_definition"]),
            include=dict(type="str", default="exact", choices=["exact", "at_scope", "all"]),
        ),
    )
    module.run(run)


if __name__ == "__main__":
    main()
