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
      - Seconds to wait for an operation already running on the pool and for the pool update to finish, together:
        one budget for both waits, so the task never waits longer than this for the pool.
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

from ansible_collections.azdo.identity.plugins.module_utils._arm import parse_resource_id
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule, ModuleFailure
from ansible_collections.azdo.identity.plugins.module_utils._pool import (
    KEY_VAULT_SECRETS_USER, POOL_PROVIDER, POOL_TYPE, STORE_NAMES, PoolClient, PoolInputError, certificate_host,
    certificate_problem, find_attached, identity_change, multiple_identities_warning, name_of,
    patch_body, predict, public_view, resolve_identity, resolve_pool, resolve_vault, secrets_change,
)
from ansible_collections.azdo.identity.plugins.module_utils._role_assignment import (
    RoleAssignmentError, ensure_absent, ensure_present, resolve_role,
)

PRESENT_ONLY = ("certificate_store_location", "certificate_store_name", "key_exportable")


def validate(params):
    """A message for input that cannot work, or ``None``; checked before any request."""
    if params["timeout"] <= 0:
        return "timeout must be a positive number of seconds; got %s" % params["timeout"]
    if params["principal_timeout"] < 0:
        return "principal_timeout must be zero or more seconds; got %s" % params["principal_timeout"]
    present = params["state"] == "present"
    if present and params["remove_key_vault_role"]:
        return "remove_key_vault_role only applies with state=absent; drop it, or set state=absent to detach the identity"
    if not present:
        for option in PRESENT_ONLY:
            if params[option] is not None:
                return "%s only applies with state=present; drop it when detaching the identity" % option
        if params["purge_certificates"]:
            return "purge_certificates only applies with state=present; with state=absent, certificates lists what to remove"
        if params["remove_key_vault_role"] and not params["key_vault"]:
            return "remove_key_vault_role needs key_vault: the vault where the role assignment is"
    if present and params["certificates"] and not params["key_vault"]:
        return ("certificates need key_vault: the vault that holds them, where the identity gets Key Vault Secrets User "
                "(set grant_key_vault_role=false to skip the role)")
    for cert in params["certificates"] or []:
        problem = certificate_problem(cert)
        if problem:
            return "certificates: %s" % problem
    return None


def references(params):
    """Full ids of the pool, the identity and the vault (``None`` when not given)."""
    pool_id = resolve_pool(params["pool"], params["subscription_id"], params["resource_group"])
    subscription, group, dummy = parse_resource_id(pool_id, POOL_PROVIDER, POOL_TYPE)
    subscription = params["subscription_id"] or subscription
    identity_id = resolve_identity(params["identity"], subscription,
                                   params["identity_resource_group"] or params["resource_group"] or group)
    vault_id = None
    if params["key_vault"]:
        vault_id = resolve_vault(params["key_vault"], subscription,
                                 params["key_vault_resource_group"] or params["resource_group"] or group)
        vault_name = name_of(vault_id).lower()
        for cert in params["certificates"] or []:
            if params["state"] == "present" and (certificate_host(cert) or "").split(".")[0] != vault_name:
                raise PoolInputError("certificates: '%s' is not in key_vault '%s'; list only certificates of that vault "
                                     "(one task per vault)" % (cert, name_of(vault_id)))
    return pool_id, identity_id, vault_id


def read_vault(module, client, vault_id, params, present):
    with module.doing("read", "key vault %s" % vault_id):
        vault = client.get_vault(vault_id)
    if vault is None:
        if present or params["remove_key_vault_role"]:
            raise ModuleFailure("key_vault %s was not found; check key_vault and key_vault_resource_group" % vault_id)
        return None
    if present and params["grant_key_vault_role"] and not vault["rbac"]:
        raise ModuleFailure(
            "key_vault %s uses access policies (enableRbacAuthorization is false or not set), so an Azure role "
            "assignment would not let the pool's identity read its secrets. Either switch the vault to the Azure RBAC "
            "permission model (enableRbacAuthorization: true), or set grant_key_vault_role=false and give the identity "
            "the 'get' secret permission in an access policy of the vault. Nothing was changed." % vault["name"])
    if present:
        host = (certificate_host(vault.get("vault_uri")) or "").lower()
        for cert in params["certificates"] or []:
            if host and certificate_host(cert) != host:
                raise ModuleFailure("certificates: '%s' is not in key_vault %s, whose URI is %s"
                                    % (cert, vault["name"], vault["vault_uri"]))
    return vault


def read_identity(module, client, pool, identity_id, needed):
    """The identity's ids, from the pool when it is attached there, else from Microsoft.ManagedIdentity."""
    key, entry = find_attached(pool, identity_id)
    if entry and entry.get("principal_id"):
        return dict(id=key, principal_id=entry["principal_id"], client_id=entry.get("client_id"))
    if not needed:
        return None
    with module.doing("read", "managed identity %s" % identity_id):
        identity = client.get_identity(identity_id)
    return identity


def manage_role(module, vault, identity, present, params):
    """Grant or remove Key Vault Secrets User; returns ``(changed, before, after)``."""
    if vault is None or identity is None or not identity.get("principal_id"):
        return False, None, None
    if present and not params["grant_key_vault_role"]:
        return False, None, None
    if not present and not params["remove_key_vault_role"]:
        return False, None, None
    arm = module.arm
    with module.doing("resolve", "role Key Vault Secrets User at %s" % vault["id"]):
        try:
            role = resolve_role(arm, vault["id"], KEY_VAULT_SECRETS_USER)
        except RoleAssignmentError as exc:
            raise ModuleFailure(exc.message)
    what = "Key Vault Secrets User for %s at %s" % (identity["principal_id"], vault["id"])
    if present:
        with module.doing("grant", what):
            return ensure_present(arm, vault["id"], role, identity["principal_id"], "ServicePrincipal",
                                  check_mode=module.check_mode, principal_timeout=params["principal_timeout"],
                                  progress=module.progress)
    with module.doing("remove", what):
        return ensure_absent(arm, vault["id"], role, identity["principal_id"], check_mode=module.check_mode)


def run(module):
    params = module.params
    problem = validate(params)
    if problem:
        raise ModuleFailure(problem)
    try:
        pool_id, identity_id, vault_id = references(params)
    except PoolInputError as exc:
        raise ModuleFailure(str(exc))
    present = params["state"] == "present"
    client = PoolClient(module.arm)
    pool_name = name_of(pool_id)

    with module.doing("read", "pool %s" % pool_id):
        pool = client.get_pool(pool_id)
    if pool is None:
        if present:
            raise ModuleFailure("pool %s was not found; this module configures an existing Managed DevOps Pool: check "
                                "pool, resource_group and subscription_id" % pool_id)
        module.exit(False, "pool_identity", after={}, before={})
        return
    # One budget: waiting for a running operation and for this update together take at most ``timeout``.
    deadline = module.context().deadline(params["timeout"], option="timeout")
    with module.doing("wait for", "the running operation of pool %s" % pool_name):
        pool = client.wait_until_idle(pool, deadline, "Pool %s" % pool_name)

    identity = read_identity(module, client, pool, identity_id, present or params["remove_key_vault_role"])
    if identity is None and present:
        raise ModuleFailure("identity %s was not found; create the user-assigned managed identity first "
                            "(azdo.identity.managed_identity) or check identity and identity_resource_group" % identity_id)
    vault = read_vault(module, client, vault_id, params, present) if vault_id else None

    identity_block, remaining = identity_change(pool, identity_id, present)
    secrets = secrets_change(pool["secrets"], present, params["certificates"], params["purge_certificates"],
                             params["certificate_store_location"], params["certificate_store_name"],
                             params["key_exportable"])
    pool_changed = identity_block is not None or secrets is not None
    if not pool_changed and str(pool.get("provisioning_state")).lower() == "failed":
        module.warn("Pool %s is in provisioning state Failed; its identity and certificate settings are already as "
                    "asked, so nothing was sent. Fix the cause of the failure (the service's message is in the "
                    "pool's last operation) and update the pool again." % pool_name)

    role_changed, role_before, role_after = False, None, None
    if present:
        # The role first: agents started by the pool update can read the certificates from the beginning.
        role_changed, role_before, role_after = manage_role(module, vault, identity, present, params)
    after = pool
    if pool_changed:
        if module.check_mode:
            after = predict(pool, identity_block, identity_id, identity, secrets)
        else:
            with module.doing("update", "pool %s" % pool_id):
                after = client.patch_pool(pool_id, patch_body(pool, identity_block, secrets), deadline,
                                          "the update of pool %s" % pool_name)
    if not present:
        role_changed, role_before, role_after = manage_role(module, vault, identity, present, params)

    warning = multiple_identities_warning(pool_name, list((after or {}).get("user_assigned_identities") or remaining))
    if warning:
        module.warn(warning)
    leftover = ((after or {}).get("secrets") or {}).get("observed_certificates")
    if not present and leftover and not (after or {}).get("user_assigned_identities"):
        module.warn("Pool %s still lists %d Key Vault certificate(s) but has no user-assigned identity left to read "
                    "them; list them in certificates to remove them too" % (pool_name, len(leftover)))
    module.exit(pool_changed or role_changed, "pool_identity",
                after=public_view(after, identity_id, identity, role_after, vault),
                before=public_view(pool, identity_id, identity, role_before, vault))


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
