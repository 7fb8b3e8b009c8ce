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
