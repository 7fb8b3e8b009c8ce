# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state of a Managed DevOps Pool's identity and Key Vault certificates (``managed_devops_pool_identity``).

:func:`ensure` checks the input before any request, waits for an operation already running on the pool,
reads the identity and the vault, grants (or removes) ``Key Vault Secrets User``, and sends at most one
PATCH (``_pool``). It returns ``dict(changed, before, after, warnings)`` in every branch; ``timeout`` is one
deadline for every wait on the pool, ``principal_timeout`` the one for the role's replication retries.
"""

from __future__ import annotations

import copy

from ansible_collections.azdo.identity.plugins.module_utils._arm import parse_resource_id
from ansible_collections.azdo.identity.plugins.module_utils._compare import normalize_id
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, failing_to
from ansible_collections.azdo.identity.plugins.module_utils._pool import (
    KEY_VAULT_SECRETS_USER, POOL_PROVIDER, POOL_TYPE, PoolClient, PoolInputError, certificate_host, certificate_problem,
    find_attached, identity_change, name_of, patch_body, resolve_identity, resolve_pool, resolve_vault, secrets_change,
)
from ansible_collections.azdo.identity.plugins.module_utils._role_assignment import (
    RoleAssignmentError, ensure_absent, ensure_present, resolve_role,
)

PRESENT_ONLY = ("certificate_store_location", "certificate_store_name", "key_exportable")
MULTIPLE_IDENTITIES_ISSUE = "https://github.com/microsoft/azure-pipelines-agent/issues/4656"


def predict(pool, identity_block, identity_id, identity, secrets):
    """The pool as it will read after the PATCH (for check mode)."""
    after = copy.deepcopy(pool)
    if identity_block is not None:
        after["identity_type"] = identity_block["type"]
        assigned = dict(after.get("user_assigned_identities") or {})
        for key, value in (identity_block.get("userAssignedIdentities") or {}).items():
            if value is None:
                assigned.pop(key, None)
            elif key not in assigned:
                assigned[key] = dict(principal_id=(identity or {}).get("principal_id"),
                                     client_id=(identity or {}).get("client_id"))
        if "userAssignedIdentities" not in identity_block:
            assigned = {}
        after["user_assigned_identities"] = assigned
    if secrets is not None:
        after["secrets"] = dict(secrets)
    return after


def public_view(pool, identity_id, identity=None, role_assignment=None, vault=None):
    """``pool_identity`` as returned (and diffed): only what this module owns."""
    if not pool:
        return {}
    key, entry = find_attached(pool, identity_id)
    entry = entry or {}
    secrets = pool.get("secrets")
    return dict(
        pool_id=pool.get("id"),
        provisioning_state=pool.get("provisioning_state"),
        identity_type=pool.get("identity_type"),
        user_assigned_identities=sorted(pool.get("user_assigned_identities") or {}, key=normalize_id),
        identity_attached=key is not None,
        identity_id=key or identity_id,
        principal_id=entry.get("principal_id") or (identity or {}).get("principal_id"),
        client_id=entry.get("client_id") or (identity or {}).get("client_id"),
        key_vault_id=(vault or {}).get("id"),
        role_assignment_id=(role_assignment or {}).get("id"),
        certificates=dict(secrets) if secrets else None,
    )


def multiple_identities_warning(pool_name, remaining):
    if len(remaining) <= 1:
        return None
    return ("Pool %s has %d user-assigned identities (%s). Pipeline agents fail to get tokens when a pool has more "
            "than one (%s); detach the ones the agents do not need (this module with state=absent)."
            % (pool_name, len(remaining), ", ".join(name_of(r) for r in remaining), MULTIPLE_IDENTITIES_ISSUE))


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


def read_vault(client, vault_id, params, present):
    with failing_to("read", "key vault %s" % vault_id):
        vault = client.get_vault(vault_id)
    if vault is None:
        if present or params["remove_key_vault_role"]:
            raise InputError("key_vault %s was not found; check key_vault and key_vault_resource_group" % vault_id)
        return None
    if present and params["grant_key_vault_role"] and not vault["rbac"]:
        raise InputError(
            "key_vault %s uses access policies (enableRbacAuthorization is false or not set), so an Azure role "
            "assignment would not let the pool's identity read its secrets. Either switch the vault to the Azure RBAC "
            "permission model (enableRbacAuthorization: true), or set grant_key_vault_role=false and give the identity "
            "the 'get' secret permission in an access policy of the vault. Nothing was changed." % vault["name"])
    if present:
        host = (certificate_host(vault.get("vault_uri")) or "").lower()
        for cert in params["certificates"] or []:
            if host and certificate_host(cert) != host:
                raise InputError("certificates: '%s' is not in key_vault %s, whose URI is %s"
                                 % (cert, vault["name"], vault["vault_uri"]))
    return vault


def read_identity(client, pool, identity_id, needed):
    """The identity's ids, from the pool when it is attached there, else from Microsoft.ManagedIdentity."""
    key, entry = find_attached(pool, identity_id)
    if entry and entry.get("principal_id"):
        return dict(id=key, principal_id=entry["principal_id"], client_id=entry.get("client_id"))
    if not needed:
        return None
    with failing_to("read", "managed identity %s" % identity_id):
        return client.get_identity(identity_id)


def manage_role(ctx, vault, identity, present, params):
    """Grant or remove Key Vault Secrets User; returns ``(changed, before, after)``."""
    if vault is None or identity is None or not identity.get("principal_id"):
        return False, None, None
    if present and not params["grant_key_vault_role"]:
        return False, None, None
    if not present and not params["remove_key_vault_role"]:
        return False, None, None
    arm = ctx.clients.arm
    with failing_to("resolve", "role Key Vault Secrets User at %s" % vault["id"]):
        try:
            role = resolve_role(arm, vault["id"], KEY_VAULT_SECRETS_USER)
        except RoleAssignmentError as exc:
            raise InputError(exc.message)
    what = "Key Vault Secrets User for %s at %s" % (identity["principal_id"], vault["id"])
    if present:
        with failing_to("grant", what):
            return ensure_present(arm, vault["id"], role, identity["principal_id"], "ServicePrincipal",
                                  check_mode=ctx.check_mode, progress=ctx.progress,
                                  deadline=ctx.deadline(params["principal_timeout"], option="principal_timeout"))
    with failing_to("remove", what):
        return ensure_absent(arm, vault["id"], role, identity["principal_id"], check_mode=ctx.check_mode)


def ensure(ctx, params):
    """Attach (or detach) the identity and manage the certificates. Returns ``dict(changed, before, after, warnings)``
    with ``before``/``after`` as :func:`~._pool.public_view` shapes (``{}`` for a pool that does not exist)."""
    problem = validate(params)
    if problem:
        raise InputError(problem)
    try:
        pool_id, identity_id, vault_id = references(params)
    except PoolInputError as exc:
        raise InputError(str(exc))
    present = params["state"] == "present"
    client = PoolClient(ctx.clients.arm)
    pool_name = name_of(pool_id)
    warnings = []

    with failing_to("read", "pool %s" % pool_id):
        pool = client.get_pool(pool_id)
    if pool is None:
        if present:
            raise InputError("pool %s was not found; this module configures an existing Managed DevOps Pool: check "
                             "pool, resource_group and subscription_id" % pool_id)
        return dict(changed=False, before={}, after={}, warnings=warnings)
    # One budget: waiting for a running operation and for this update together take at most ``timeout``.
    deadline = ctx.deadline(params["timeout"], option="timeout")
    with failing_to("wait for", "the running operation of pool %s" % pool_name):
        pool = client.wait_until_idle(pool, deadline, "Pool %s" % pool_name)

    identity = read_identity(client, pool, identity_id, present or params["remove_key_vault_role"])
    if identity is None and present:
        raise InputError("identity %s was not found; create the user-assigned managed identity first "
                         "(azdo.identity.managed_identity) or check identity and identity_resource_group" % identity_id)
    vault = read_vault(client, vault_id, params, present) if vault_id else None

    identity_block, remaining = identity_change(pool, identity_id, present)
    secrets = secrets_change(pool["secrets"], present, params["certificates"], params["purge_certificates"],
                             params["certificate_store_location"], params["certificate_store_name"],
                             params["key_exportable"])
    pool_changed = identity_block is not None or secrets is not None
    if not pool_changed and str(pool.get("provisioning_state")).lower() == "failed":
        warnings.append("Pool %s is in provisioning state Failed; its identity and certificate settings are already as "
                        "asked, so nothing was sent. Fix the cause of the failure (the service's message is in the "
                        "pool's last operation) and update the pool again." % pool_name)

    role_changed, role_before, role_after = False, None, None
    if present:
        # The role first: agents started by the pool update can read the certificates from the beginning.
        role_changed, role_before, role_after = manage_role(ctx, vault, identity, present, params)
    after = pool
    if pool_changed:
        if ctx.check_mode:
            after = predict(pool, identity_block, identity_id, identity, secrets)
        else:
            with failing_to("update", "pool %s" % pool_id):
                after = client.patch_pool(pool_id, patch_body(pool, identity_block, secrets), deadline,
                                          "the update of pool %s" % pool_name)
    if not present:
        role_changed, role_before, role_after = manage_role(ctx, vault, identity, present, params)

    warning = multiple_identities_warning(pool_name, list((after or {}).get("user_assigned_identities") or remaining))
    if warning:
        warnings.append(warning)
    leftover = ((after or {}).get("secrets") or {}).get("observed_certificates")
    if not present and leftover and not (after or {}).get("user_assigned_identities"):
        warnings.append("Pool %s still lists %d Key Vault certificate(s) but has no user-assigned identity left to read "
                        "them; list them in certificates to remove them too" % (pool_name, len(leftover)))
    return dict(changed=pool_changed or role_changed, warnings=warnings,
                before=public_view(pool, identity_id, identity, role_before, vault),
                after=public_view(after, identity_id, identity, role_after, vault))
