# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles, run as users run them: check/real/check/real, and a fault injected at each step
followed by a re-run that picks up where the first one stopped, without duplicating anything."""

from __future__ import annotations

import re

import pytest


def recap(output):
    found = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    assert found, output[-3000:]
    return dict(ok=int(found.group(1)), changed=int(found.group(2)), failed=int(found.group(4)))


def wisc_vars(emulator, name):
    return {
        "role_name": "workload_identity_service_connection",
        "workload_identity_service_connection_defaults": {
            "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
            "environment": "AzureCloud", "identity": {"resource_group": emulator["resource_group"]}},
        "workload_identity_service_connection_items": [
            {"name": name, "resource_group": emulator["resource_group"],
             "pipeline_permissions": {"pipelines": ["pipeline-2"]}}],
    }


def objects(admin, name):
    """How many of each object the flow makes exist for ``name`` in the emulator."""
    state = admin.state()
    identities = [i for i in state["managed_identity"]["managedIdentities"] if i["name"] == "id-" + name]
    endpoints = [e for e in state["azdo"]["serviceEndpoints"] if e["name"] == name]
    credentials = [f for i in identities for f in i.get("federatedIdentityCredentials") or []]
    principal_ids = set(i["principalId"] for i in identities)
    assignments = [a for a in state["roleAssignments"] if a["principalId"] in principal_ids]
    return dict(identities=len(identities), endpoints=len(endpoints), credentials=len(credentials),
                assignments=len(assignments), ready=[bool(e.get("ready")) for e in endpoints])


def test_workload_identity_role_check_real_check_real(run_playbook, emulator, admin):
    variables = wisc_vars(emulator, "sc-role-four")
    admin.clear_requests()
    first_check = run_playbook("run_role.yml", extra_vars=variables, check=True)
    assert admin.writes() == []
    assert recap(first_check.stdout)["changed"] >= 1
    first = run_playbook("run_role.yml", extra_vars=variables)
    assert recap(first.stdout)["changed"] >= 5
    admin.clear_requests()
    again_check = run_playbook("run_role.yml", extra_vars=variables, check=True)
    again = run_playbook("run_role.yml", extra_vars=variables)
    assert recap(again_check.stdout)["changed"] == 0 and recap(again.stdout)["changed"] == 0
    assert admin.writes() == []
    assert objects(admin, "sc-role-four") == dict(identities=1, endpoints=1, credentials=1, assignments=1, ready=[True])


STEPS = [
    ("Step 1/6", "PUT", r"/userAssignedIdentities/id-sc-fault-\d$"),
    ("Step 2/6", "POST", r"/_apis/serviceendpoint/endpoints$"),
    ("Step 3/6", "PUT", r"/federatedIdentityCredentials/"),
    ("Step 4/6", "PUT", r"/roleAssignments/"),
    ("Step 5/6", "PUT", r"/_apis/serviceendpoint/endpoints/"),
]


@pytest.mark.parametrize("index", range(len(STEPS)), ids=[s[0] for s in STEPS])
def test_workload_identity_role_resumes_after_a_failed_step(run_playbook, emulator, admin, index):
    step, method, path = STEPS[index]
    name = "sc-fault-%d" % index
    variables = wisc_vars(emulator, name)
    admin.add_fault(method=method, path=path, status=400, code="InjectedFault", message="injected at " + step,
                    count=1)
    failed = run_playbook("run_role.yml", extra_vars=variables, expect_rc=2)
    assert 'stopped at "%s' % step in failed.stdout
    assert "injected at " + step in failed.stdout
    run_playbook("run_role.yml", extra_vars=variables)
    assert objects(admin, name) == dict(identities=1, endpoints=1, credentials=1, assignments=1, ready=[True])


def run_twice_and_check(run_playbook, admin, variables):
    """Check, real, check, real: the second pair changes nothing and writes nothing."""
    admin.clear_requests()
    run_playbook("run_role.yml", extra_vars=variables, check=True)
    assert admin.writes() == []
    first = run_playbook("run_role.yml", extra_vars=variables)
    admin.clear_requests()
    again_check = run_playbook("run_role.yml", extra_vars=variables, check=True)
    again = run_playbook("run_role.yml", extra_vars=variables)
    assert recap(again_check.stdout)["changed"] == 0 and recap(again.stdout)["changed"] == 0
    assert admin.writes() == []
    return first


def test_app_registration_role(run_playbook, emulator, admin):
    variables = {
        "role_name": "app_registration_service_connection",
        "app_registration_service_connection_items": [
            {"name": "sc-role-app", "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
             "environment": "AzureCloud", "role_assignments": [{"role": "Reader"}]}],
    }
    first = run_twice_and_check(run_playbook, admin, variables)
    assert recap(first.stdout)["changed"] >= 5
    state = admin.state()
    endpoint = [e for e in state["azdo"]["serviceEndpoints"] if e["name"] == "sc-role-app"]
    assert len(endpoint) == 1 and endpoint[0]["ready"] and endpoint[0]["scheme"] == "WorkloadIdentityFederation"
    apps = [a for a in state["applications"] if a.get("displayName") == "sc-role-app"]
    assert len(apps) == 1 and len(apps[0]["federatedIdentityCredentials"]) == 1


def test_secret_role_creates_rotates_and_resumes(run_playbook, emulator, admin):
    item = {"name": "sc-role-secret", "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
            "environment": "AzureCloud"}
    variables = {"role_name": "secret_service_connection", "secret_service_connection_items": [item]}
    first = run_playbook("run_role.yml", extra_vars=variables)
    again = run_playbook("run_role.yml", extra_vars=variables)
    assert recap(first.stdout)["changed"] >= 3 and recap(again.stdout)["changed"] == 0
    rotated = run_playbook("run_role.yml", extra_vars=dict(variables, secret_service_connection_items=[
        dict(item, rotate_secret=True)]))
    assert recap(rotated.stdout)["changed"] == 2  # the app's secret and the connection's
    state = admin.state()
    app = [a for a in state["applications"] if a.get("displayName") == "sc-role-secret"][0]
    endpoint = [e for e in state["azdo"]["serviceEndpoints"] if e["name"] == "sc-role-secret"][0]
    assert len(app["secrets"]) == 1  # the old secret was removed
    assert endpoint["secrets"]["serviceprincipalkey"][1] == app["secrets"][0]["value"]  # both places agree
    for text in (first.stdout, again.stdout, rotated.stdout):
        assert app["secrets"][0]["value"] not in text
    # A run that stopped after the secret was made but before the connection: the re-run makes a new one.
    admin.add_fault(method="POST", path=r"/_apis/serviceendpoint/endpoints$", status=400, code="InjectedFault",
                    message="injected", count=1)
    resumed_item = dict(item, name="sc-role-secret-2")
    run_playbook("run_role.yml", extra_vars=dict(variables, secret_service_connection_items=[resumed_item]),
                 expect_rc=2)
    run_playbook("run_role.yml", extra_vars=dict(variables, secret_service_connection_items=[resumed_item]))
    state = admin.state()
    app = [a for a in state["applications"] if a.get("displayName") == "sc-role-secret-2"][0]
    endpoint = [e for e in state["azdo"]["serviceEndpoints"] if e["name"] == "sc-role-secret-2"][0]
    assert len(app["secrets"]) == 1 and endpoint["secrets"]["serviceprincipalkey"][1] == app["secrets"][0]["value"]


def test_conversion_role_reports_converts_and_reverts(run_playbook, emulator, admin):
    variables = {"role_name": "service_connection_conversion",
                 "service_connection_conversion_projects": [emulator["project_name"]],
                 "service_connection_conversion_include": ["^sc-automatic-spn$", "^sc-manual-spn$"]}
    admin.clear_requests()
    preview = run_playbook("run_role.yml", extra_vars=variables, check=True)
    assert admin.writes() == []
    assert "sc-automatic-spn" in preview.stdout and "created manually" in preview.stdout
    converted = run_playbook("run_role.yml", extra_vars=variables)
    assert recap(converted.stdout)["changed"] == 1
    assert "already uses workload identity federation" not in converted.stdout
    again = run_playbook("run_role.yml", extra_vars=variables)
    assert recap(again.stdout)["changed"] == 0 and "already uses workload identity federation" in again.stdout
    reverted = run_playbook("run_role.yml", extra_vars=dict(variables, service_connection_conversion_revert=True))
    assert recap(reverted.stdout)["changed"] == 1
    endpoint = [e for e in admin.state()["azdo"]["serviceEndpoints"] if e["name"] == "sc-automatic-spn"][0]
    assert endpoint["scheme"] == "ServicePrincipal"
    manual = run_playbook("run_role.yml", extra_vars=dict(variables, service_connection_conversion_manual=True,
                                                          service_connection_conversion_include=["^sc-manual-spn$"]),
                          expect_rc=2)
    assert "could not be converted" in manual.stdout and "sc-manual-spn" in manual.stdout


def test_pool_role(run_playbook, emulator, admin):
    rg_scope = "/subscriptions/%s/resourceGroups/%s" % (emulator["subscription_id"], emulator["resource_group"])
    admin.seed({"vaults": [{"name": "kv-role-pool", "enableRbacAuthorization": True}],
                "pools": [{"name": "mdp-role-pool", "properties": {
                    "maximumConcurrency": 1,
                    "devCenterProjectResourceId": rg_scope + "/providers/Microsoft.DevCenter/projects/p",
                    "organizationProfile": {"kind": "AzureDevOps", "organizations": [
                        {"url": "https://dev.azure.com/emulator-org", "parallelism": 1}]},
                    "agentProfile": {"kind": "Stateless"},
                    "fabricProfile": {"kind": "Vmss", "sku": {"name": "Standard_D2ads_v5"},
                                      "images": [{"wellKnownImageName": "ubuntu-22.04/latest"}]}}}]})
    variables = {"role_name": "managed_devops_pool_identity",
                 "managed_devops_pool_identity_items": [{
                     "pool": "mdp-role-pool", "resource_group": emulator["resource_group"],
                     "subscription_id": emulator["subscription_id"], "identity": {"name": "id-role-pool"},
                     "key_vault": "kv-role-pool",
                     "certificates": ["https://kv-role-pool.vault.azure.net/secrets/signing"]}]}
    first = run_twice_and_check(run_playbook, admin, variables)
    assert recap(first.stdout)["changed"] == 2
    pool = [p for p in admin.state()["pools"]["pools"] if p["name"] == "mdp-role-pool"][0]
    assert list(pool["identity"]["userAssignedIdentities"])[0].lower().endswith("/id-role-pool")


def test_azdo_service_principal_role(run_playbook, emulator, admin):
    variables = {"role_name": "azdo_service_principal",
                 "azdo_service_principal_items": [{
                     "name": "role-bot", "access_level": "basic",
                     "managed_identity": {"name": "id-role-bot", "resource_group": emulator["resource_group"],
                                          "subscription_id": emulator["subscription_id"]},
                     "project_entitlements": [{"project": emulator["project_name"], "group": "contributor"}]}]}
    first = run_twice_and_check(run_playbook, admin, variables)
    assert recap(first.stdout)["changed"] == 2
    state = admin.state()
    identity = [i for i in state["managed_identity"]["managedIdentities"] if i["name"] == "id-role-bot"][0]
    members = [m for m in state["azdo"]["members"] if m.get("originId") == identity["principalId"]]
    assert len(members) == 1
