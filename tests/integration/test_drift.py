# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""workload_identity_service_connection_drift agrees with the role it speaks for.

For a connection the role wired, each case changes either Azure (a step's object removed, as someone clicking
in a portal would) or the desired item, then asks the drift module and the role itself in check mode. Both
must say the same thing: in its desired state (and the role's check changes nothing), or not (and the role's
check reports a change, or refuses the item). The drift module never writes.
"""

from __future__ import annotations

import copy
import uuid

import pytest

from ansible_collections.azdo.identity.plugins.filter.role_items import role_items
from test_bad_input import auth, run_module
from test_roles import recap

ROLE = "workload_identity_service_connection"


def defaults(emulator):
    return {"project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
            "environment": "AzureCloud", "identity": {"resource_group": emulator["resource_group"]},
            "resource_group": emulator["resource_group"]}


def item(name):
    return {"name": name, "description": "drift test", "identity": {"tags": {"team": "a"}},
            "pipeline_permissions": {"pipelines": ["pipeline-1"]}}


def drift(emulator, tmp_path, items, **extra):
    args = dict(auth(emulator), organization_url=emulator["organization_url"],
                items=role_items(items, defaults(emulator), role=ROLE), **extra)
    done = run_module("workload_identity_service_connection_drift", args, tmp_path=tmp_path)
    assert not done.get("failed"), done
    assert done["changed"] is False
    return done


def role(run_playbook, emulator, items, check):
    variables = {"role_name": ROLE, "workload_identity_service_connection_defaults": defaults(emulator),
                 "workload_identity_service_connection_items": items}
    return run_playbook("run_role.yml", extra_vars=variables, check=check, expect_rc=None)


@pytest.fixture()
def wired(run_playbook, emulator, admin):
    name = "sc-drift-%s" % uuid.uuid4().hex[:6]
    done = role(run_playbook, emulator, [item(name)], check=False)
    assert done.returncode == 0, done.stdout[-4000:]
    return name


def identity_of(admin, name):
    return [i for i in admin.state()["managed_identity"]["managedIdentities"] if i["name"] == "id-" + name][0]


def remove_credential(emulator, admin, tmp_path, name):
    mi = identity_of(admin, name)
    done = run_module("managed_identity_federation", dict(auth(emulator), identity=mi["id"], name=name, state="absent"),
                      tmp_path=tmp_path)
    assert done.get("changed"), done


def remove_grant(emulator, admin, tmp_path, name):
    mi = identity_of(admin, name)
    done = run_module("role_assignment", dict(
        auth(emulator), scope="/subscriptions/%s/resourceGroups/%s" % (emulator["subscription_id"], emulator["resource_group"]),
        role="Contributor", principal_id=mi["principalId"], state="absent"), tmp_path=tmp_path)
    assert done.get("changed"), done


def remove_identity(emulator, admin, tmp_path, name):
    done = run_module("managed_identity", dict(auth(emulator), name="id-" + name, resource_group=emulator["resource_group"],
                                               subscription_id=emulator["subscription_id"], state="absent"),
                      tmp_path=tmp_path)
    assert done.get("changed"), done


# (id, what to do to Azure, how the desired item changes, a phrase the drift's changes must hold)
CASES = [
    ("credential-removed", remove_credential, None, "federated credential"),
    ("grant-removed", remove_grant, None, "role Contributor"),
    ("identity-removed-and-change-allowed", remove_identity, lambda i: i.update(allow_identity_change=True),
     "would be created"),
    ("tags-changed", None, lambda i: i["identity"].update(tags={"team": "b"}), "tags would change"),
    ("description-changed", None, lambda i: i.update(description="another"), "service connection would be updated"),
    ("pipeline-added", None, lambda i: i["pipeline_permissions"]["pipelines"].append("pipeline-2"),
     "service connection would be updated"),
]


def test_a_wired_connection_is_in_its_desired_state_and_nothing_is_written(
        run_playbook, emulator, admin, tmp_path, wired):
    admin.clear_requests()
    found = drift(emulator, tmp_path, [item(wired)])
    assert admin.writes() == []
    assert found["pending"] == [] and found["problems"] == []
    assert found["connections"] == [dict(project=emulator["project_name"], name=wired, in_desired_state=True, changes=[],
                                         problem=None, error=None)]
    check = role(run_playbook, emulator, [item(wired)], check=True)
    assert check.returncode == 0 and recap(check.stdout)["changed"] == 0, check.stdout[-4000:]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_drift_and_the_role_agree(run_playbook, emulator, admin, tmp_path, wired, case):
    in_azure, in_item, phrase = case[1:]
    if in_azure:
        in_azure(emulator, admin, tmp_path, wired)
    wanted = item(wired)
    if in_item:
        in_item(wanted)
    admin.clear_requests()
    found = drift(emulator, tmp_path, [copy.deepcopy(wanted)])
    assert admin.writes() == []
    entry = found["connections"][0]
    assert entry["in_desired_state"] is False and found["pending"] == ["%s/%s" % (emulator["project_name"], wired)]
    assert any(phrase in change for change in entry["changes"]), entry
    check = role(run_playbook, emulator, [wanted], check=True)
    assert check.returncode == 0 and recap(check.stdout)["changed"] >= 1, check.stdout[-4000:]
    # and after a real run, both agree again that nothing is left to do
    assert role(run_playbook, emulator, [wanted], check=False).returncode == 0
    assert drift(emulator, tmp_path, [wanted])["pending"] == []


def test_a_connection_the_role_would_refuse_is_a_problem(run_playbook, emulator, admin, tmp_path):
    name = "sc-drift-secret-%s" % uuid.uuid4().hex[:6]
    made = run_module("azdo_service_connection", dict(
        auth(emulator), organization_url=emulator["organization_url"], project=emulator["project_name"], name=name,
        scheme="service_principal", identity_client_id=emulator["client_id"], service_principal_secret="not-a-real-one",
        subscription_id=emulator["subscription_id"], environment="AzureCloud"), tmp_path=tmp_path)
    assert made.get("changed"), made
    admin.clear_requests()
    found = drift(emulator, tmp_path, [item(name), item(name + "-new")])
    assert admin.writes() == []
    assert len(found["problems"]) == 1 and name in found["problems"][0] and "scheme service_principal" in found["problems"][0]
    assert found["pending"] == ["%s/%s-new" % (emulator["project_name"], name)]
    # the role refuses the same item, before any write
    check = role(run_playbook, emulator, [item(name)], check=False)
    assert check.returncode != 0 and "already exists with scheme service_principal" in check.stdout
    assert admin.writes() == []


def test_an_identity_removed_under_a_connection_is_a_problem_without_allow_identity_change(
        run_playbook, emulator, admin, tmp_path, wired):
    remove_identity(emulator, admin, tmp_path, wired)
    admin.clear_requests()
    found = drift(emulator, tmp_path, [item(wired)])
    assert admin.writes() == []
    assert found["pending"] == [] and len(found["problems"]) == 1, found
    assert "allow_identity_change" in found["problems"][0] and "id-" + wired in found["problems"][0]
    # The role alone would create the identity and only then refuse: the drift check stops before that write.
    done = role(run_playbook, emulator, [item(wired)], check=False)
    assert done.returncode != 0 and "allow_identity_change" in done.stdout


def test_a_read_that_fails_marks_the_item_for_a_run(emulator, admin, tmp_path):
    name = "sc-drift-fault-%s" % uuid.uuid4().hex[:6]
    admin.add_fault(method="GET", path=r"/userAssignedIdentities/id-%s$" % name, status=403, code="AuthorizationFailed",
                    message="injected", count=None)
    try:
        found = drift(emulator, tmp_path, [item(name)])
    finally:
        admin.clear_faults()
    entry = found["connections"][0]
    assert entry["in_desired_state"] is False and "AuthorizationFailed" in entry["error"]
    assert found["pending"] == ["%s/%s" % (emulator["project_name"], name)] and found["problems"] == []


def test_bad_options_are_refused_before_any_request(emulator, admin, tmp_path):
    admin.clear_requests()
    args = dict(auth(emulator), organization_url=emulator["organization_url"], items=[{"name": "x"}])
    done = run_module("workload_identity_service_connection_drift", args, tmp_path=tmp_path)
    assert done.get("failed") and "role_items" in done["msg"] and "items[0]" in done["msg"]
    done = run_module("workload_identity_service_connection_drift", dict(args, concurrency=0, items=[]), tmp_path=tmp_path)
    assert done.get("failed") and "concurrency" in done["msg"]
    assert admin.requests() == []
