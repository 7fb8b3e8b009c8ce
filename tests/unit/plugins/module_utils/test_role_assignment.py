# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state logic for role assignments against an in-memory ARM with the real rules."""

from __future__ import annotations

import uuid

import pytest

from fakes import FakeClock

from ansible_collections.azdo.identity.plugins.module_utils._arm import normalize_role_assignment, role_guid
from ansible_collections.azdo.identity.plugins.module_utils._compare import ids_equal
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline
from ansible_collections.azdo.identity.plugins.module_utils._role_assignment import (
    RoleAssignmentError, assignment_name, ensure_absent, ensure_present, resolve_role, validate_scope,
)

SUB = "/subscriptions/00000000-0000-0000-0000-00000000000a"
RG = SUB + "/resourceGroups/rg-app"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
PRINCIPAL = "11111111-2222-3333-4444-555555555555"


class FakeArm(object):
    """Role definitions and assignments with ARM's uniqueness, 409 and PrincipalNotFound rules."""

    def __init__(self, clock, not_found_times=0, can_list=True):
        self.assignments = {}
        self.writes = []
        self.reads = []
        self.not_found_times = not_found_times
        self.can_list = can_list

    def _def(self, guid):
        return dict(id="%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, guid), name=guid,
                    role_name={READER: "Reader"}.get(guid, "Other"), role_type="BuiltInRole")

    def role_definition(self, scope, guid):
        self.reads.append("roledef")
        return self._def(guid) if guid in (READER,) else None

    def role_definitions_by_name(self, scope, name):
        self.reads.append("roledefs")
        return [self._def(READER)] if name.lower() == "reader" else []

    def role_assignment(self, scope, name, role_name=None):
        self.reads.append("get")
        item = self.assignments.get(name)
        if item and ids_equal(item["properties"]["scope"], scope):
            return normalize_role_assignment(item, role_name)
        return None

    def role_assignments(self, scope, odata_filter=None):
        self.reads.append("list")
        if not self.can_list:
            raise ApiError("no list permission", status=403, code="AuthorizationFailed")
        return [normalize_role_assignment(v) for v in self.assignments.values()]

    def put_role_assignment(self, scope, name, properties, role_name=None):
        self.writes.append(("PUT", name))
        if self.not_found_times:
            self.not_found_times -= 1
            raise ApiError("Principal does not exist", status=400, code="PrincipalNotFound")
        for other_name, other in self.assignments.items():
            p = other["properties"]
            if other_name != name and ids_equal(p["scope"], scope) and p["principalId"] == properties["principalId"] \
                    and role_guid(p["roleDefinitionId"]) == role_guid(properties["roleDefinitionId"]):
                raise ApiError("The role assignment already exists.", status=409, code="RoleAssignmentExists")
        body = dict(id="%s/providers/Microsoft.Authorization/roleAssignments/%s" % (scope, name), name=name,
                    properties=dict(properties, scope=scope))
        self.assignments[name] = body
        return normalize_role_assignment(body, role_name)

    def delete_role_assignment(self, assignment_id):
        self.writes.append(("DELETE", assignment_id))
        self.assignments = dict((k, v) for k, v in self.assignments.items() if v["id"] != assignment_id)

    def seed(self, name, scope, guid, principal, **props):
        self.assignments[name] = dict(
            id="%s/providers/Microsoft.Authorization/roleAssignments/%s" % (scope, name), name=name,
            properties=dict(scope=scope, roleDefinitionId=self._def(guid)["id"], principalId=principal,
                            principalType="ServicePrincipal", **props))


@pytest.fixture
def arm():
    return FakeArm(FakeClock())


def reader(arm):
    return resolve_role(arm, RG, "Reader")


def test_resolve_role_by_name_guid_and_id(arm):
    assert reader(arm)["guid"] == READER
    assert resolve_role(arm, RG, READER.upper())["role_name"] == "Reader"
    assert resolve_role(arm, RG, "%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, READER))["guid"] == READER
    with pytest.raises(RoleAssignmentError) as info:
        resolve_role(arm, RG, "Raeder")
    assert "no role named 'Raeder'" in info.value.message


@pytest.mark.parametrize("scope,ok", [
    (SUB, True), (RG + "/", True), ("subscriptions/00000000-0000-0000-0000-00000000000a", True),
    ("/providers/Microsoft.Management/managementGroups/mg1", True),
    (RG + "/providers/Microsoft.KeyVault/vaults/kv1", True),
    ("/", False), ("", False), ("/subscriptions/not-a-guid", False), ("/resourceGroups/rg", False),
])
def test_validate_scope(scope, ok):
    assert (validate_scope(scope) is None) is ok


def test_check_then_create_then_noop(arm):
    role = reader(arm)
    changed, before, predicted = ensure_present(arm, RG, role, PRINCIPAL, check_mode=True)
    assert changed and before is None and arm.writes == []
    changed, before, after = ensure_present(arm, RG, role, PRINCIPAL)
    assert changed and len(arm.writes) == 1
    for key in ("id", "name", "scope", "principal_id", "principal_type"):
        assert predicted[key] == after[key]
    assert after["name"] == assignment_name(RG, role, PRINCIPAL)
    arm.reads.clear()
    changed = ensure_present(arm, RG, role, PRINCIPAL, check_mode=True)[0]
    assert not changed
    changed = ensure_present(arm, RG, role, PRINCIPAL)[0]
    assert not changed and len(arm.writes) == 1
    assert arm.reads == ["get", "get"]  # a no-op costs one GET after the role lookup


def test_equal_assignment_under_other_name_is_adopted_without_write(arm):
    other = str(uuid.uuid4())
    arm.seed(other, RG, READER, PRINCIPAL)
    changed, before, after = ensure_present(arm, RG, reader(arm), PRINCIPAL)
    assert not changed and after["name"] == other and arm.writes == []


def test_409_without_list_permission_is_success_not_duplicate(arm):
    other = str(uuid.uuid4())
    arm.seed(other, RG, READER, PRINCIPAL)
    arm.can_list = False
    changed, after = ensure_present(arm, RG, reader(arm), PRINCIPAL)[0::2]
    assert not changed
    assert len(arm.assignments) == 1 and arm.writes == [("PUT", assignment_name(RG, reader(arm), PRINCIPAL))]


def test_inherited_assignment_does_not_count_at_lower_scope(arm):
    arm.seed(str(uuid.uuid4()), SUB, READER, PRINCIPAL)
    changed = ensure_present(arm, RG, reader(arm), PRINCIPAL)[0]
    assert changed and len(arm.assignments) == 2


def test_description_change_updates_in_place(arm):
    role = reader(arm)
    ensure_present(arm, RG, role, PRINCIPAL, description="one")
    changed, before, after = ensure_present(arm, RG, role, PRINCIPAL, description="two", check_mode=True)
    assert changed and after["description"] == "two" and len(arm.writes) == 1
    changed, before, after = ensure_present(arm, RG, role, PRINCIPAL, description="two")
    assert changed and before["description"] == "one" and after["description"] == "two"
    assert arm.writes[-1] == ("PUT", before["name"]) and len(arm.assignments) == 1
    assert not ensure_present(arm, RG, role, PRINCIPAL)[0]  # omitted description: left alone


def test_principal_not_found_is_retried_until_replicated():
    clock = FakeClock()
    arm = FakeArm(clock, not_found_times=3)
    messages = []
    deadline = Deadline(120, clock.clock, clock.sleep, messages.append, "principal_timeout")
    changed, after = ensure_present(arm, RG, reader(arm), PRINCIPAL, deadline=deadline)[0::2]
    assert changed and len(arm.writes) == 4 and len(clock.sleeps) == 3
    assert all(1.0 <= s <= 15.0 for s in clock.sleeps)
    assert "replication delay" in messages[0] and "principal_timeout=120s" in messages[0]


def test_principal_not_found_gives_up_at_timeout():
    clock = FakeClock()
    arm = FakeArm(clock, not_found_times=1000)
    with pytest.raises(ApiError) as info:
        ensure_present(arm, RG, reader(arm), PRINCIPAL, deadline=Deadline(30, clock.clock, clock.sleep, None,
                                                                          "principal_timeout"))
    # It retries up to the deadline itself (never gives up early) and says how long it waited, under which option.
    assert info.value.code == "PrincipalNotFound" and "gave up after 30s (principal_timeout=30s)" in info.value.message
    assert clock.now - 1000.0 == pytest.approx(30)


def test_absent_removes_whatever_the_name(arm):
    other = str(uuid.uuid4())
    arm.seed(other, RG, READER, PRINCIPAL)
    changed, before = ensure_absent(arm, RG, reader(arm), PRINCIPAL, check_mode=True)[:2]
    assert changed and before["name"] == other and arm.writes == []
    changed = ensure_absent(arm, RG, reader(arm), PRINCIPAL)[0]
    assert changed and arm.assignments == {}
    assert ensure_absent(arm, RG, reader(arm), PRINCIPAL) == (False, None, None)
