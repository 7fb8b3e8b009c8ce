#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: managed_identity
short_description: Create, update or delete a user-assigned managed identity
version_added: 0.1.0
description:
  - Makes sure a user-assigned managed identity exists with the given tags, or does not exist.
  - The identity's C(client_id) is what an Azure DevOps workload identity service connection names, and its
    C(principal_id) is what role assignments are made to.
  - Deleting an identity also deletes its federated credentials; its role assignments stay behind, orphaned,
    until removed.
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
  name:
    description:
      - Name of the identity, 3 to 128 letters, digits, hyphens and underscores, starting with a letter or digit.
    type: str
    required: true
  resource_group:
    description:
      - Resource group of the identity, in O(subscription_id).
    type: str
    required: true
  location:
    description:
      - Azure region of a new identity. Defaults to the resource group's region.
      - The region of an existing identity cannot change; a different value fails.
    type: str
  tags:
    description:
      - Tags of the identity. When omitted, existing tags are left as they are.
    type: dict
  purge_tags:
    description:
      - With V(true), tags not in O(tags) are removed. With V(false), O(tags) are added to the existing ones.
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the identity, V(absent) deletes it.
    type: str
    default: present
    choices: [present, absent]
seealso:
  - module: azdo.identity.managed_identity_federation
  - module: azdo.identity.role_assignment
"""

EXAMPLES = r"""
- name: An identity for the deployment pipeline
  azdo.identity.managed_identity:
    name: id-pipeline-deploy
    resource_group: rg-identities
    subscription_id: "{{ subscription_id }}"
    tags:
      owner: platform
  register: identity

- name: Use its ids
  ansible.builtin.debug:
    msg: "client id {{ identity.managed_identity.client_id }}, principal {{ identity.managed_identity.principal_id }}"
"""

RETURN = r"""
managed_identity:
  description:
    - The identity after the task; in check mode, the predicted one (generated ids are null for a new identity).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Full resource id.
      type: str
      returned: success
    name:
      description: Name of the identity.
      type: str
      returned: success
    resource_group:
      description: Resource group.
      type: str
      returned: success
    subscription_id:
      description: Subscription.
      type: str
      returned: success
    location:
      description: Region.
      type: str
      returned: success
      sample: eastus
    tags:
      description: Tags.
      type: dict
      returned: success
    client_id:
      description: Application (client) id; what Azure DevOps calls the service principal id.
      type: str
      returned: success
    principal_id:
      description: Object id of the identity's service principal, for role assignments.
      type: str
      returned: success
    tenant_id:
      description: Tenant of the identity.
      type: str
      returned: success
"""

from ansible_collections.azdo.identity.plugins.module_utils._managed_identity import ARGUMENT_SPEC, ensure
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule


def run(module):
    result = ensure(module.context(), module.params, module.subscription())
    module.exit(result["changed"], "managed_identity", after=result["after"], before=result["before"])


def main():
    module = AzureModule(
        argument_spec=ARGUMENT_SPEC,
    )
    module.run(run)


if __name__ == "__main__":
    main()
