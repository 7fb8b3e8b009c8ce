#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: azdo_service_connection_inventory
short_description: Every service connection of an Azure DevOps organization, with its issuer and what to move
version_added: 0.1.0
description:
  - Lists the service connections of every project of an organization (or of the projects given), of every type,
    failed ones included, each with its scheme, its workload identity issuer (V(azure_devops) or V(entra)), whether
    it is to be moved to the Microsoft Entra issuer and why not, and the identity behind it.
  - For secret-based connections, the expiry dates of the backing app registration's client secrets (they are next
    to convert to workload identity federation), where the directory can be read.
  - A connection shared with several projects is listed once, under the first project that lists it.
  - Read only. The identity and secret expiry lookups need read access to Microsoft Graph; without it those fields
    are null and everything else is still listed.
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
      - Ignored by this module, which reads an organization. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  projects:
    description:
      - The projects to list, by name or id. All projects of the organization when not given.
      - An empty list lists nothing.
    type: list
    elements: str
  identities:
    description:
      - Look up the identity behind each connection and the secret expiry dates in Microsoft Graph.
    type: bool
    default: true
seealso:
  - module: azdo.identity.azdo_service_connection_issuer
  - name: Role azdo.identity.issuer_migration
    description: Moves every eligible connection this module lists to the Microsoft Entra issuer, with a report.
    link: https://github.com/azdo-identity/azdo.identity/blob/main/roles/issuer_migration/README.md
"""

EXAMPLES = r"""
- name: What still uses the Azure DevOps issuer
  azdo.identity.azdo_service_connection_inventory:
    organization_url: https://dev.azure.com/contoso
  register: inventory

- name: Show them
  ansible.builtin.debug:
    msg: "{{ inventory.service_connections | selectattr('eligible') | map(attribute='name') | list }}"
"""

RETURN = r"""
organization_url:
  description: The organization listed.
  returned: always
  type: str
projects:
  description: The projects listed, by name.
  returned: always
  type: list
  elements: str
service_connections:
  description: Every connection found.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the connection.
      type: str
    name:
      description: Name.
      type: str
    type:
      description: Endpoint type, for example V(azurerm) or V(dockerregistry).
      type: str
    project:
      description: Name of the project it is listed under.
      type: str
    scheme:
      description: Authorization scheme as Azure DevOps names it.
      type: str
    issuer_kind:
      description: V(entra), V(azure_devops), or null when the connection does not use workload identity federation.
      type: str
    issuer:
      description: The workload identity issuer.
      type: str
    subject:
      description: The workload identity subject.
      type: str
    client_id:
      description: Client id of the identity the connection signs in as.
      type: str
    tenant_id:
      description: Tenant of that identity.
      type: str
    environment:
      description: Azure environment, where the connection has one.
      type: str
    is_ready:
      description: Whether Azure DevOps reports the connection ready.
      type: bool
    operation_state:
      description: State of the connection's last operation.
      type: str
    eligible:
      description: Whether the connection is to be moved to the Microsoft Entra issuer.
      type: bool
    reason:
      description: Why not, when it is not.
      type: str
    identity:
      description: The managed identity (V(kind=managed_identity), C(resource_id)) or app registration
        (V(kind=application), C(object_id), C(sign_in_audience)) behind the connection; null when unknown.
      type: dict
    secret_expiry:
      description: For a secret-based connection, the end dates of its app's client secrets; null otherwise.
      type: list
      elements: str
"""

from ansible_collections.azdo.identity.plugins.module_utils._errors import failing_to
from ansible_collections.azdo.identity.plugins.module_utils._issuer import inventory
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule
from ansible_collections.azdo.identity.plugins.module_utils._service_connection import read_project


def run(module):
    params = module.params
    azdo = module.azdo
    if params["projects"] is None:
        with failing_to("list", "the projects of %s" % module.organization_url):
            projects = azdo.projects()
    else:
        projects = [read_project(azdo, name) for name in params["projects"]]
    found = inventory(module.context(), projects, with_identities=params["identities"])
    module.exit(False, "service_connections", after=found, with_diff=False,
                projects=[p.get("name") for p in projects], organization_url=module.organization_url)


def main():
    module = AzureModule(
        argument_spec=dict(
            projects=dict(type="list", elements="str"),
            identities=dict(type="bool", default=True),
        ),
    )
    module.run(run)


if __name__ == "__main__":
    main()
