# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""managed_devops_pool_identity: bad input fails with a message naming the option, before any write.

Runs the module the way Ansible does (see test_bad_input.run_module) against a pool, an identity, an
Azure RBAC vault and an access-policy vault seeded once for this file, then reads the request log.
"""

from __future__ import annotations

import json

import pytest

from test_bad_input import auth, run_module

MODULE = "managed_devops_pool_identity"
POOL, IDENTITY, VAULT, POLICY_VAULT = "mdp-bad-input", "id-mdp-bad-input", "kv-mdp-bad", "kvpol-mdp-bad"
CERT = "https://%s.vault.azure.net/secrets/signing" % VAULT


@pytest.fixture
def seeded(emulator, admin):
    """The emulator, with this file's pool, identity and vaults (seeded by the first test that needs them)."""
    if not any(p["name"] == POOL for p in admin.state().get("pools", {}).get("pools", [])):
        admin.seed({"managedIdentities": [{"name": IDENTITY}],
                    "vaults": [{"name": VAULT, "enableRbacAuthorization": True}, {"name": POLICY_VAULT}],
                    "pools": [{"name": POOL}]})
    return emulator


def base(e, **overrides):
    args = dict(pool=POOL, resource_group=e["resource_group"], subscription_id=e["subscription_id"], identity=IDENTITY,
                key_vault=VAULT, certificates=[CERT])
    args.update(overrides)
    return args


def pool_id(e, name=POOL):
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DevOpsInfrastructure/pools/%s" % (
        e["subscription_id"], e["resource_group"], name)


CASES = [
    # (id, args builder, words the message must contain)
    ("pool-name-invalid", lambda e: base(e, pool="-pool"), ["pool", "invalid name"]),
    ("pool-name-without-resource-group", lambda e: base(e, resource_group=None), ["pool", "resource_group"]),
    ("pool-id-of-another-type",
     lambda e: base(e, pool="/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
                    % e["subscription_id"]),
     ["pool", "Microsoft.DevOpsInfrastructure/pools"]),
    ("subscription-not-guid", lambda e: base(e, subscription_id="my-subscription"), ["subscription_id", "GUID"]),
    ("identity-id-of-another-type", lambda e: base(e, identity=pool_id(e)), ["identity", "userAssignedIdentities"]),
    ("key-vault-name-invalid", lambda e: base(e, key_vault="kv_build!"), ["key_vault", "invalid name"]),
    ("certificate-http", lambda e: base(e, certificates=["http://%s.vault.azure.net/secrets/signing" % VAULT]),
     ["certificates", "https"]),
    ("certificate-uri-not-secret", lambda e: base(e, certificates=["https://%s.vault.azure.net/certificates/signing"
                                                                   % VAULT]),
     ["certificates", "/secrets/"]),
    ("certificate-of-another-vault", lambda e: base(e, certificates=["https://kv-other.vault.azure.net/secrets/signing"]),
     ["certificates", "key_vault"]),
    ("certificates-without-key-vault", lambda e: base(e, key_vault=None), ["certificates", "key_vault"]),
    ("certificate-store-name-invalid", lambda e: base(e, certificate_store_name="Personal"), ["certificate_store_name"]),
    ("timeout-zero", lambda e: base(e, timeout=0), ["timeout"]),
    ("remove-role-when-present", lambda e: base(e, remove_key_vault_role=True), ["remove_key_vault_role", "absent"]),
    ("store-option-when-absent", lambda e: base(e, state="absent", key_exportable=True), ["key_exportable", "present"]),
    ("state-invalid", lambda e: base(e, state="detached"), ["state"]),
    # found only by reading: still refused before any write
    ("pool-not-found", lambda e: base(e, pool="mdp-does-not-exist"), ["pool", "was not found"]),
    ("identity-not-found", lambda e: base(e, identity="id-does-not-exist"), ["identity", "was not found"]),
    ("key-vault-not-found", lambda e: base(e, key_vault="kv-does-not-exist", certificates=None),
     ["key_vault", "was not found"]),
    ("key-vault-access-policies", lambda e: base(e, key_vault=POLICY_VAULT, certificates=None),
     ["key_vault", "access policies", "grant_key_vault_role=false"]),
]


@pytest.mark.parametrize("name,build,words", CASES, ids=[c[0] for c in CASES])
def test_bad_pool_input_fails_clearly_without_writes(seeded, admin, tmp_path, name, build, words):
    args = auth(seeded)
    args.update(build(seeded))
    args = dict((k, v) for k, v in args.items() if v is not None)
    admin.clear_requests()
    result = run_module(MODULE, args, tmp_path=tmp_path)
    assert result.get("failed") is True, result
    for word in words:
        assert word in result["msg"], (word, result["msg"])
    assert admin.writes() == []
    assert seeded["client_secret"] not in json.dumps(result)


def test_the_seeded_input_itself_is_good(seeded, admin, tmp_path):
    """The cases above fail because of what each changes: the unchanged input passes (in check mode)."""
    args = auth(seeded)
    args.update(base(seeded), _ansible_check_mode=True)
    admin.clear_requests()
    result = run_module(MODULE, args, tmp_path=tmp_path)
    assert result.get("failed") is not True, result
    assert result["changed"] is True and result["pool_identity"]["certificates"]["observed_certificates"] == [CERT]
    assert admin.writes() == []
