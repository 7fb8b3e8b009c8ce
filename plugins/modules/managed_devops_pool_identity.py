#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: managed_devops_pool_identity
short_description: Give a Managed DevOps Pool its managed identity, Key Vault access and Key Vault certificates
version_added: 0.1.0
description:
  - Attaches a user-assigned managed identity to an existing Managed DevOps Pool, grants that identity
    C(Key Vault Secrets User) on a Key Vault, and makes the pool install certificates from that vault on its
    agents. With O(state=absent) it detaches the identity and, when asked, removes the role assignment.
  - The module changes only the pool's C(identity) and C(properties.fabricProfile.osProfile.secretsManagementSettings).
    It reads the pool and sends one PATCH with exactly those parts (the fabric profile as read, with only the
    certificate settings changed), so every other setting of the pool stays as it is. It never replaces the pool
    with a PUT.
  - The role is granted with the same logic as M(azdo.identity.role_assignment) (deterministic assignment name,
    adoption of an equal assignment made elsewhere, retries while a new identity replicates), before the pool is
    changed, so agents can read the certificates from their first start.
  - A vault that authorizes with access policies (C(enableRbacAuthorization) false or not set) ignores Azure role
    assignments. The module then fails before changing anything, unless O(grant_key_vault_role=false).
  - The pool update is a long-running operation. The module follows it to the end (up to O(timeout)), waits first
    when another operation is still running on the pool, and fails with the service's message when provisioning fails.
  - Warns when the pool would carry more than one user-assigned identity, because pipeline agents then fail to get
    tokens (microsoft/azure-pipelines-agent#4656).
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
  pool:
    description:
      - The Managed DevOps Pool, by full resource id, or by name with O(resource_group) and O(subscription_id).
      - The pool must exist; this module does not create pools.
    type: str
    required: true
  resource_group:
    description:
      - Resource group of the pool when O(pool) is a name; also the default resource group of O(identity) and
        O(key_vault) given by name.
    type: str
  identity:
    description:
      - The user-assigned managed identity, by full resource id, or by name (in O(identity_resource_group)).
    type: str
    required: true
  identity_resource_group:
    description:
      - Resource group of O(identity) when it is a name. Defaults to O(resource_group), or to the pool's.
    type: str
  key_vault:
    description:
      - The Key Vault that holds the certificates, by full resource id, or by name (in O(key_vault_resource_group)).
      - With O(state=present) the identity gets C(Key Vault Secrets User) on it (see O(grant_key_vault_role)).
      - Required with O(certificates) when O(state=present).
    type: str
  key_vault_resource_group:
    description:
      - Resource group of O(key_vault) when it is a name. Defaults to O(resource_group), or to the pool's.
    type: str
  grant_key_vault_role:
    description:
      - Grant C(Key Vault Secrets User) (role 4633458b-17de-408a-b874-0445c86b69e6) to the identity at the scope of
        O(key_vault).
      - Set to V(false) for a vault that uses access policies, and give the identity the C(get) secret permission in
        the vault's access policies instead.
    type: bool
    default: true
  remove_key_vault_role:
    description:
      - With O(state=absent), also remove the identity's C(Key Vault Secrets User) assignment at O(key_vault).
    type: bool
    default: false
  certificates:
    description:
      - Key Vault B(secret) URIs of certificates the pool installs on its agents, for example
        C(https://kv-build.vault.azure.net/secrets/build-signing) (optionally followed by a version).
        A certificate's secret URI is the one that returns its private key; C(/certificates/) URIs are refused.
      - They must be in O(key_vault).
      - With O(state=present) they are added to the pool's observed certificates (see O(purge_certificates)); with
        O(state=absent) they are removed from them.
      - When omitted, the pool's observed certificates stay as they are.
    type: list
    elements: str
  purge_certificates:
    description:
      - With O(state=present), make O(certificates) the pool's whole list of observed certificates, removing others.
    type: bool
    default: false
  certificate_store_location:
    description:
      - Where the agents store the certificates, for example C(LocalMachine) on Windows or a directory on Linux.
      - When omitted, the pool's value stays as it is.
    type: str
  certificate_store_name:
    description:
      - The certificate store on Windows agents. When omitted, the pool's value stays as it is.
    type: str
    choices: [My, Root]
  key_exportable:
    description:
      - Whether the certificates' private keys are exportable on the agents. When omitted, the pool's value stays
        as it is (V(false) for a pool without certificate settings).
    type: bool
  state:
    description:
      - V(present) attaches the identity, grants the role and adds the certificates; V(absent) detaches the identity
        and removes the given certificates (and the role, with O(remove_key_vault_role)).
    type: str
    default: present
    choices: [present, absent]
  principal_timeout:
    description:
      - Seconds to keep retrying the role assignment while Azure reports C(PrincipalNotFound) for an identity that was
        just created.
    type: int
    default: 300
  timeout:
    description:
      - Seconds to wait, in total, for an operation already running on the pool and for the pool update to finish.
        Both waits draw from this one budget, so the task never waits longer than this for the pool.
    type: int
    default: 1800
notes:
  - Only user-assigned identities are managed. A system-assigned identity of the pool is kept as it is.
  - The identity must be in the same Microsoft Entra tenant as the Azure DevOps organization of the pool.
seealso:
  - module: azdo.identity.role_assignment
  - module: azdo.identity.managed_identity
  - name: Configure a Managed DevOps Pools identity
    description: Microsoft's description of the steps this module automates.
    link: https://learn.microsoft.com/azure/devops/managed-devops-pools/configure-identity
"""

EXAMPLES = r"""
- name: Give the build pool its identity and the signing certificate
  azdo.identity.managed_devops_pool_identity:
    pool: mdp-build
    resource_group: rg-build
    subscription_id: "{{ subscription_id }}"
    identity: id-mdp-build
    key_vault: kv-build
    certificates:
      - https://kv-build.vault.azure.net/secrets/build-signing
    certificate_store_name: My
    certificate_store_location: LocalMachine
    key_exportable: false

- name: Attach an identity by id, without Key Vault
  azdo.identity.managed_devops_pool_identity:
    pool: "{{ pool_id }}"
    identity: "{{ identity.managed_identity.id }}"

- name: A vault that still uses access policies (the identity gets 'get' on secrets there instead)
  azdo.identity.managed_devops_pool_identity:
    pool: "{{ pool_id }}"
    identity: "{{ identity_id }}"
    key_vault: "{{ legacy_vault_id }}"
    grant_key_vault_role: false
    certificates:
      - https://kv-legacy.vault.azure.net/secrets/root-ca

- name: Detach the identity, stop installing its certificate and remove its Key Vault role
  azdo.identity.managed_devops_pool_identity:
    pool: "{{ pool_id }}"
    identity: "{{ identity_id }}"
    key_vault: "{{ vault_id }}"
    certificates:
      - https://kv-build.vault.azure.net/secrets/build-signing
    remove_key_vault_role: true
    state: absent
"""

RETURN = r"""
pool_identity:
  description:
    - The parts of the pool this module manages, after the task; in check mode, as they would be. Empty when
      O(state=absent) and the pool does not exist.
  returned: always
  type: dict
  contains:
    pool_id:
      description: Full resource id of the pool.
      type: str
      returned: success
      sample: /subscriptions/0000/resourceGroups/rg-build/providers/Microsoft.DevOpsInfrastructure/pools/mdp-build
    provisioning_state:
      description: The pool's provisioning state.
      type: str
      returned: success
      sample: Succeeded
    identity_type:
      description: The pool's identity type.
      type: str
      returned: success
      sample: UserAssigned
    user_assigned_identities:
      description: Ids of every user-assigned identity of the pool.
      type: list
      elements: str
      returned: success
    identity_attached:
      description: Whether O(identity) is attached to the pool.
      type: bool
      returned: success
    identity_id:
      description: Full resource id of O(identity).
      type: str
      returned: success
    principal_id:
      description: Object id of the identity's service principal (the one that holds the role).
      type: str
      returned: success
    client_id:
      description: Client (application) id of the identity.
      type: str
      returned: success
    key_vault_id:
      description: Full resource id of O(key_vault), when given.
      type: str
      returned: success
    role_assignment_id:
      description: Id of the identity's C(Key Vault Secrets User) assignment at the vault, when the module manages it.
      type: str
      returned: success
    certificates:
      description: The pool's Key Vault certificate settings, or null when it has none.
      type: dict
      returned: success
      contains:
        observed_certificates:
          description: Key Vault secret URIs the agents install.
          type: list
          elements: str
        certificate_store_location:
          description: Where the agents store the certificates.
          type: str
        certificate_store_name:
          description: The certificate store (C(My) or C(Root)).
          type: str
        key_exportable:
          description: Whether the private keys are exportable.
          type: bool
"""

from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule
from ansible_collections.azdo.identity.plugins.module_utils._pool import STORE_NAMES
from ansible_collections.azdo.identity.plugins.module_utils._pool_identity import ensure


def run(module):
    result = ensure(module.context(), module.params)
    for warning in result["warnings"]:
        module.warn(warning)
    module.exit(result["changed"], "pool_identity", after=result["after"], before=result["before"])


def main():
    module = AzureModule(
        argument_spec=dict(
            pool=dict(type="str", required=True),
            resource_group=dict(type="str"),
            identity=dict(type="str", required=True),
            identity_resource_group=dict(type="str"),
            key_vault=dict(type="str", no_log=False),
            key_vault_resource_group=dict(type="str", no_log=False),
            grant_key_vault_role=dict(type="bool", default=True, no_log=False),
            remove_key_vault_role=dict(type="bool", default=False, no_log=False),
            certificates=dict(type="list", elements="str"),
            purge_certificates=dict(type="bool", default=False),
            certificate_store_location=dict(type="str"),
            certificate_store_name=dict(type="str", choices=list(STORE_NAMES)),
            key_exportable=dict(type="bool", no_log=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            principal_timeout=dict(type="int", default=300),
            timeout=dict(type="int", default=1800),
        ),
    )
    module.run(run)


if __name__ == "__main__":
    main()
