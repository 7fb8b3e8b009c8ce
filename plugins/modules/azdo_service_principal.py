#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: azdo_service_principal
short_description: Add a service principal or managed identity to an Azure DevOps organization
version_added: 0.1.0
description:
  - Makes sure a Microsoft Entra service principal or managed identity is a member of an Azure DevOps
    organization with an access level and project entitlements, or is not a member.
  - The principal is named by the B(object id of its service principal) (for a managed identity, its
    C(principal_id)), not by an app registration's object id and not by a client id. Azure DevOps refuses
    the other two, and it is an easy mistake to make, so the module recognizes them before any write and
    fails with the id to use instead. It reads the organization's members for a client id, and, when the same
    Entra credentials can read Microsoft Graph, looks the id up there for an app registration's object id.
  - Members are found through the organization's Graph service principals and their storage key (the Azure
    DevOps id); entitlements are added with the ServicePrincipalEntitlements API, changed with JSON Patch and
    removed with C(DELETE), which takes the service principal out of the organization.
  - Azure DevOps answers refused entitlement changes with HTTP 200 and the errors in the body; the module reports
    those errors as a failure.
  - A principal created moments earlier may not be known to Azure DevOps yet. When Microsoft Graph shows the
    service principal but Azure DevOps does not find it, the add is retried until O(principal_timeout).
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.CHECK_MODE_DIFF
options:
  subscription_id:
    description:
      - Ignored by this module, which manages an Azure DevOps organization's members. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  principal_id:
    description:
      - Object id of the service principal (the Enterprise application's object id) or of the managed identity
        (its C(principal_id)), as returned by M(azdo.identity.app_registration) in C(service_principal_id) and by
        M(azdo.identity.managed_identity) in C(principal_id).
      - The principal must belong to the Microsoft Entra tenant the organization is connected to.
    type: str
    required: true
  access_level:
    description:
      - Access level (license) of the principal in the organization.
      - V(basic) (Azure DevOps C(express)) is what a pipeline identity needs to use repositories;
        V(stakeholder) is not enough for that. V(basic_test_plans) is C(advanced), V(visual_studio_subscriber)
        is C(professional). V(express), V(advanced) and V(professional) are accepted as the API's own names.
      - When omitted, a new member gets V(basic) and an existing member keeps its access level.
      - A member that Azure DevOps reports as C(earlyAdopter) counts as V(basic), as Microsoft's Terraform
        provider does.
    type: str
    choices: [stakeholder, basic, express, basic_test_plans, advanced, visual_studio_subscriber, professional]
  project_entitlements:
    description:
      - Projects the principal is a member of, each with the project group it joins.
      - Projects not listed are left alone unless O(purge_project_entitlements=true).
      - When omitted, the project entitlements are not looked at.
    type: list
    elements: dict
    suboptions:
      project:
        description:
          - Name or id of the project.
        type: str
        required: true
      group:
        description:
          - The project group. A project can have one group per principal; a different group replaces it.
        type: str
        required: true
        choices: [reader, contributor, administrator]
  purge_project_entitlements:
    description:
      - Remove the principal from projects that O(project_entitlements) does not list. Use
        O(project_entitlements=[]) to remove it from every project.
      - Entitlements the principal inherits through a group are never removed.
    type: bool
    default: false
  principal_timeout:
    description:
      - Seconds to keep retrying the add while Azure DevOps does not know a service principal that Microsoft Graph
        already shows (one created moments earlier).
    type: int
    default: 300
  state:
    description:
      - V(present) adds or updates the member, V(absent) removes it from the organization.
    type: str
    default: present
    choices: [present, absent]
notes:
  - The caller needs permission to manage users of the organization (a Project Collection Administrator, or a
    project or team administrator where the organization lets them invite users, who cannot assign an access
    level).
  - Changing a project's group is sent as a JSON Patch C(add) on that project's entitlement, which JSON Patch
    defines as a replacement for an existing member; whether Azure DevOps treats it that way is not documented.
    The next run reads the result back and compares it.
  - Where the organization does not answer C(graph/storagekeys) (the project's emulator), the storage key is taken
    from the subject descriptor and used only after the entitlement read with it names the same principal.
seealso:
  - module: azdo.identity.app_registration
  - module: azdo.identity.managed_identity
  - plugin: azdo.identity.entra_token
    plugin_type: lookup
  - name: Use service principals and managed identities in Azure DevOps
    description: Microsoft's guide to adding a service principal or managed identity to an organization.
    link: https://learn.microsoft.com/azure/devops/integrate/get-started/authentication/service-principal-managed-identity
"""

EXAMPLES = r"""
- name: A managed identity for pipelines
  azdo.identity.managed_identity:
    name: id-pipelines
    resource_group: rg-identities
    subscription_id: "{{ subscription_id }}"
  register: identity

- name: Add it to the organization as a Basic user, contributor in one project
  azdo.identity.azdo_service_principal:
    organization: contoso
    principal_id: "{{ identity.managed_identity.principal_id }}"
    access_level: basic
    project_entitlements:
      - project: Platform
        group: contributor
  register: member

- name: An app registration's service principal, reader in exactly these projects
  azdo.identity.azdo_service_principal:
    organization_url: https://dev.azure.com/contoso
    principal_id: "{{ app.app_registration.service_principal_id }}"
    project_entitlements:
      - project: Platform
        group: reader
      - project: Docs
        group: reader
    purge_project_entitlements: true

- name: Remove it from the organization
  azdo.identity.azdo_service_principal:
    organization: contoso
    principal_id: "{{ identity.managed_identity.principal_id }}"
    state: absent
"""

RETURN = r"""
service_principal:
  description:
    - The member after the task; in check mode, the predicted one (ids that Azure DevOps generates are null for a
      new member). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: The Azure DevOps id of the member (its storage key), what entitlement URLs take.
      type: str
      returned: success
    descriptor:
      description: The Graph subject descriptor (C(aadsp.*)), what group memberships and permissions take.
      type: str
      returned: success
    origin_id:
      description: The Entra object id of the service principal (O(principal_id)).
      type: str
      returned: success
    origin:
      description: The identity provider, C(aad).
      type: str
      returned: success
    application_id:
      description: Application (client) id of the service principal.
      type: str
      returned: success
    display_name:
      description: Display name, as Entra ID has it.
      type: str
      returned: success
    access_level:
      description: Access level, as in O(access_level) (the API's own name for others).
      type: str
      returned: success
      sample: basic
    account_license_type:
      description: The API's C(accountLicenseType).
      type: str
      returned: success
      sample: express
    license_display_name:
      description: The access level's display name.
      type: str
      returned: success
    status:
      description: License status, C(pending) until the principal first calls Azure DevOps, then C(active).
      type: str
      returned: success
    project_entitlements:
      description: Project memberships.
      type: list
      elements: dict
      returned: success
      contains:
        project_id:
          description: Project id.
          type: str
        project_name:
          description: Project name.
          type: str
        group:
          description: Project group, as in O(project_entitlements[].group).
          type: str
        group_type:
          description: The API's C(groupType).
          type: str
        inherited:
          description: Whether the membership comes through a group rather than directly.
          type: bool
"""

from ansible_collections.azdo.identity.plugins.module_utils._azdo_member import ACCESS_LEVELS, GROUPS, ensure
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule


def run(module):
    org = module.organization_url  # a bad URL or a missing organization fails here, before any request
    result = ensure(module.context(), module.params, org)
    module.exit(result["changed"], "service_principal", after=result["after"], before=result["before"])


def main():
    module = AzureModule(
        argument_spec=dict(
            principal_id=dict(type="str", required=True),
            access_level=dict(type="str", choices=list(ACCESS_LEVELS)),
            project_entitlements=dict(type="list", elements="dict", options=dict(
                project=dict(type="str", required=True),
                group=dict(type="str", required=True, choices=list(GROUPS)),
            )),
            purge_project_entitlements=dict(type="bool", default=False),
            principal_timeout=dict(type="int", default=300),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
    )
    module.run(run)


if __name__ == "__main__":
    main()
