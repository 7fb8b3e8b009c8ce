# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_pool_identity.ensure against a fake that imitates the public methods of ArmClient (get, update and the role
assignment calls), on a fake clock: results in every branch, idempotence, check mode, and one budget."""

from __future__ import annotations

import copy

import pytest

from fakes import FakeClock

from ansible_collections.azdo.identity.plugins.module_utils._arm import normalize_role_assignment
from ansible_collections.azdo.identity.plugins.module_utils._context import Context
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Pending, poll
from ansible_collections.azdo.identity.plugins.module_utils._pool import KEY_VAULT_SECRETS_USER
from ansible_collections.azdo.identity.plugins.module_utils._pool_identity import ensure

SUB = "00000000-0000-0000-0000-00000000000a"
RG = "/subscriptions/%s/resourceGroups/rg-build" % SUB
POOL_ID = RG + "/providers/Microsoft.DevOpsInfrastructure/pools/mdp-build"
MI = RG + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-build"
VAULT_ID = RG + "/providers/Microsoft.KeyVault/vaults/kv-build"
CERT = "https://kv-build.vault.azure.net/secrets/signing"
RESULT_KEYS = {"changed", "before", "after", "warnings"}


def merge(target, patch):
    """RFC 7386, what ARM documents for PATCH."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


class FakeArm(object):
    """The ArmClient calls ensure() makes, over one pool, one vault, one identity and role assignments.

    ``busy_for``: seconds (fake clock) another operation keeps the pool in ``Updating``; ``update_takes``: seconds
    the PATCH's long-running operation takes. Like the real client, ``update`` waits within the deadline it is given.
    """

    def __init__(self, clock, busy_for=0.0, update_takes=0.0, rbac=True, pool=True):
        self.clock = clock
        self.busy_until = clock.now + busy_for
        self.update_takes = update_takes
        self.writes = []
        self.pool = None
        if pool:
            fabric = {"kind": "Vmss", "sku": {"name": "Standard_D4ads_v5"}, "images": [{"wellKnownImageName": "w"}],
                      "osProfile": {"logonType": "Service"}}
            self.pool = {"id": POOL_ID, "name": "mdp-build", "location": "westeurope",
                         "properties": {"provisioningState": "Succeeded", "fabricProfile": fabric}}
        self.vault = {"id": VAULT_ID, "name": "kv-build",
                      "properties": {"vaultUri": "https://kv-build.vault.azure.net/", "enableRbacAuthorization": rbac}}
        self.identity = {"id": MI, "name": "id-build", "location": "westeurope",
                         "properties": {"principalId": "p-build", "clientId": "c-build", "tenantId": "t"}}
        self.assignments = {}

    # -------------------------------------------------------------- generic resources
    def get(self, resource_id, api_version):
        key = resource_id.lower()
        if key == POOL_ID.lower() and self.pool is not None:
            body = copy.deepcopy(self.pool)
            if self.clock.now < self.busy_until:
                body["properties"]["provisioningState"] = "Updating"
            return body
        return copy.deepcopy({VAULT_ID.lower(): self.vault, MI.lower(): self.identity}.get(key))

    def update(self, resource_id, api_version, body, deadline, what):
        self.writes.append(("PATCH", resource_id, copy.deepcopy(body)))
        done = self.clock.now + self.update_takes
        poll(lambda: None if self.clock.now >= done else Pending("Waiting for %s to finish" % what), deadline)
        self.pool = merge(self.pool, body)
        if "UserAssigned" not in (self.pool.get("identity") or {}).get("type", "UserAssigned"):
            self.pool["identity"].pop("userAssignedIdentities", None)  # type None or SystemAssigned drops them all
        for key in list((self.pool.get("identity") or {}).get("userAssignedIdentities") or {}):
            self.pool["identity"]["userAssignedIdentities"][key] = {"principalId": "p-build", "clientId": "c-build"}
        return self.pool

    # -------------------------------------------------------------- role assignments
    def role_definition(self, scope, guid):
        if guid != KEY_VAULT_SECRETS_USER:
            return None
        return dict(id="/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, guid),
                    name=guid, role_name="Key Vault Secrets User")

    def role_assignment(self, scope, name, role_name=None):
        return copy.deepcopy(self.assignments.get(name))

    def role_assignments(self, scope, odata_filter=None):
        return [copy.deepcopy(a) for a in self.assignments.values()]

    def put_role_assignment(self, scope, name, properties, role_name=None):
        self.writes.append(("PUT", name))
        body = dict(id="%s/providers/Microsoft.Authorization/roleAssignments/%s" % (scope, name), name=name,
                    properties=dict(properties, scope=scope))
        self.assignments[name] = normalize_role_assignment(body, role_name)
        return copy.deepcopy(self.assignments[name])

    def delete_role_assignment(self, assignment_id):
        self.writes.append(("DELETE", assignment_id))
        self.assignments = dict((k, v) for k, v in self.assignments.items() if v["id"] != assignment_id)


class Clients(object):
    def __init__(self, arm):
        self.arm = arm


def context(arm, clock, check_mode=False, messages=None):
    return Context(Clients(arm), check_mode=check_mode, progress=(messages.append if messages is not None else None),
                   sleep=clock.sleep, clock=clock.clock)


def params(**overrides):
    base = dict(timeout=1800, principal_timeout=300, state="present", remove_key_vault_role=False,
                certificate_store_location=None, certificate_store_name=None, key_exportable=None,
                purge_certificates=False, key_vault="kv-build", certificates=[CERT], pool="mdp-build",
                resource_group="rg-build", subscription_id=SUB, identity="id-build", identity_resource_group=None,
                key_vault_resource_group=None, grant_key_vault_role=True)
    base.update(overrides)
    return base


def test_attach_grants_then_patches_and_a_second_run_changes_nothing():
    clock = FakeClock()
    arm = FakeArm(clock)
    result = ensure(context(arm, clock), params())
    assert set(result) == RESULT_KEYS and result["changed"]
    assert [w[0] for w in arm.writes] == ["PUT", "PATCH"]  # the role first, so new agents can read the certificates
    assert not result["before"]["identity_attached"] and result["before"]["certificates"] is None
    after = result["after"]
    assert after["identity_attached"] and after["principal_id"] == "p-build" and after["role_assignment_id"]
    assert after["certificates"]["observed_certificates"] == [CERT] and result["warnings"] == []
    again = ensure(context(arm, clock), params())
    assert not again["changed"] and len(arm.writes) == 2 and again["before"] == again["after"] == after


def test_check_mode_sends_no_write_and_predicts_the_real_result():
    clock = FakeClock()
    arm = FakeArm(clock)
    checked = ensure(context(arm, clock, check_mode=True), params())
    assert set(checked) == RESULT_KEYS and checked["changed"] and arm.writes == []
    real = ensure(context(arm, clock), params())
    assert checked["after"] == real["after"] and checked["before"] == real["before"]


def test_a_missing_pool():
    clock = FakeClock()
    arm = FakeArm(clock, pool=False)
    assert ensure(context(arm, clock), params(state="absent", certificates=None)) == dict(
        changed=False, before={}, after={}, warnings=[])
    with pytest.raises(InputError) as info:
        ensure(context(arm, clock), params())
    assert "was not found" in str(info.value) and arm.writes == []


def test_bad_input_stops_before_any_request():
    class NoCalls(object):
        def __getattr__(self, name):
            raise AssertionError("called %s" % name)

    with pytest.raises(InputError) as info:
        ensure(context(NoCalls(), FakeClock()), params(key_vault=None))
    assert "key_vault" in str(info.value)


def test_an_access_policy_vault_is_refused_before_any_write():
    clock = FakeClock()
    arm = FakeArm(clock, rbac=False)
    with pytest.raises(InputError) as info:
        ensure(context(arm, clock), params())
    assert "access policies" in str(info.value) and arm.writes == []


def test_detach_removes_the_identity_and_the_role_and_warns_about_leftover_certificates():
    clock = FakeClock()
    arm = FakeArm(clock)
    ensure(context(arm, clock), params())
    result = ensure(context(arm, clock), params(state="absent", certificates=None, remove_key_vault_role=True))
    assert set(result) == RESULT_KEYS and result["changed"]
    assert [w[0] for w in arm.writes[2:]] == ["PATCH", "DELETE"]  # the role last: agents keep reading until detached
    assert result["before"]["identity_attached"] and not result["after"]["identity_attached"]
    assert result["after"]["role_assignment_id"] is None and arm.assignments == {}
    assert len(result["warnings"]) == 1 and "no user-assigned identity left" in result["warnings"][0]


def test_a_busy_pool_is_waited_for_with_progress_not_warnings():
    clock = FakeClock()
    arm = FakeArm(clock, busy_for=25)
    messages = []
    result = ensure(context(arm, clock, messages=messages), params())
    assert result["changed"] and result["warnings"] == [] and clock.now - 1000.0 >= 25
    assert messages and "provisioning state Updating" in messages[0] and "timeout=1800s" in messages[0]


def test_one_budget_for_the_running_operation_and_the_update():
    """``timeout`` is one deadline: 40s waiting for another operation leave 20s of a 60s timeout for the update,
    so the task ends at 60s, not at 40s + 60s."""
    clock = FakeClock()
    arm = FakeArm(clock, busy_for=40, update_takes=100)
    with pytest.raises(ApiError) as info:
        ensure(context(arm, clock), params(timeout=60))
    assert clock.now - 1000.0 == pytest.approx(60)
    assert "Timed out after 60s (timeout=60s)" in info.value.message and "update of pool mdp-build" in info.value.message
    assert [w[0] for w in arm.writes] == ["PUT", "PATCH"]
