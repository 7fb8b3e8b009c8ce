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

from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule, ModuleFailure
from ansible_collections.azdo.identity.plugins.module_utils._msi import NAME_RE, IdentityClient, identity_id


def _region(value):
    return (value or "").replace(" ", "").lower()


def desired_tags(current, tags, purge):
    if tags is None:
        return current
    tags = dict((str(k), str(v)) for k, v in tags.items())
    if purge:
        return tags
    merged = dict(current or {})
    merged.update(tags)
    return merged


def run(module):
    params = module.params
    subscription = module.subscription()
    if not NAME_RE.match(params["name"]):
        raise ModuleFailure("name '%s' is not a valid managed identity name: 3 to 128 letters, digits, '-' and '_', "
                            "starting with a letter or digit" % params["name"])
    resource_id = identity_id(subscription, params["resource_group"], params["name"])
    client = IdentityClient(module.arm)
    with module.doing("read", "managed identity %s" % resource_id):
        current = client.get(resource_id)

    if params["state"] == "absent":
        if current is None:
            module.exit(False, "managed_identity", after={}, before={})
        if not module.check_mode:
            with module.doing("delete", "managed identity %s" % resource_id):
                client.delete(resource_id)
        module.exit(True, "managed_identity", after={}, before=current)

    if current is None:
        location = params["location"]
        if not location:
            with module.doing("read", "resource group %s" % params["resource_group"]):
                group = client.resource_group(subscription, params["resource_group"])
            if group is None:
                raise ModuleFailure("resource_group '%s' does not exist in subscription %s; create it first or fix the "
                                    "name" % (params["resource_group"], subscription))
            location = group.get("location")
        tags = desired_tags({}, params["tags"], params["purge_tags"])
        if module.check_mode:
            predicted = dict(id=resource_id, name=params["name"], subscription_id=subscription,
                             resource_group=params["resource_group"], location=location, tags=tags, client_id=None,
                             principal_id=None, tenant_id=None)
            module.exit(True, "managed_identity", after=predicted, before={})
        with module.doing("create", "managed identity %s" % resource_id):
            created = client.put(resource_id, location, tags)
        module.exit(True, "managed_identity", after=created, before={})

    if params["location"] and _region(params["location"]) != _region(current["location"]):
        raise ModuleFailure("location of managed identity %s is %s and cannot change to %s; delete and recreate it, or "
                            "drop the location option" % (resource_id, current["location"], params["location"]))
    tags = desired_tags(current["tags"], params["tags"], params["purge_tags"])
    if tags == (current["tags"] or {}):
        module.exit(False, "managed_identity", after=current, before=current)
    predicted = dict(current, tags=tags)
    if module.check_mode:
        module.exit(True, "managed_identity", after=predicted, before=current)
    with module.doing("update", "tags of managed identity %s" % resource_id):
        updated = client.put(resource_id, current["location"], tags)
    module.exit(True, "managed_identity", after=updated, before=current)


def main():
    module = AzureModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            resource_group=dict(type="str", required=True),
            location=dict(type="str"),
            tags=dict(type="dict"),
            purge_tags=dict(type="bool", default=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
    )
    module.run(run)


if __name__ == "__main__":
    main()
