# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 10: what a tenant owner must be able to trust, run against the emulator as users run it.

Each test names the item it covers; every one of them failed on f86db6e (the last commit before the fixes):
items 2, 4, 6, 7 and 10 in the service connection module, 3 and 9 in the roles, 5 in role_assignment.
"""

from __future__ import annotations

import base64
import re

import pytest
import requests

from test_bad_input import auth, run_module


def recap(output):
    found = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    assert found, output[-3000:]
    return dict(ok=int(found.group(1)), changed=int(found.group(2)), failed=int(found.group(4)))


def connection_args(emulator, name, **overrides):
    args = auth(emulator)
    args.update(organization_url=emulator["organization_url"], project=emulator["project_name"], name=name,
                subscription_id=emulator["subscription_id"], environment="AzureCloud")
    args.update(overrides)
    return dict((k, v) for k, v in args.items() if v is not None)


def identity(emulator, tmp_path, name):
    made = run_module("managed_identity", dict(auth(emulator), name=name, resource_group=emulator["resource_group"],
                                               subscription_id=emulator["subscription_id"]), tmp_path=tmp_path)
    assert not made.get("failed"), made
    return made["managed_identity"]


def trust(emulator, tmp_path, mi, connection):
    done = run_module("managed_identity_federation", dict(
        auth(emulator), identity=mi["id"], name="fic-" + connection["name"],
        issuer=connection["workload_identity_federation_issuer"],
        subject=connection["workload_identity_federation_subject"]), tmp_path=tmp_path)
    assert not done.get("failed"), done


def endpoints(admin, name):
    return [e for e in admin.state()["azdo"]["serviceEndpoints"] if e["name"] == name]


class Azdo(object):
    """Azure DevOps' REST API with the organization's PAT, as a person clicking in the portal would act."""

    def __init__(self, emulator):
        self.emulator = emulator
        token = base64.b64encode((":" + emulator["azdo_pat"]).encode()).decode()
        self.headers = {"Authorization": "Basic " + token}

    def call(self, method, path, body=None, **params):
        params["api-version"] = "7.1"
        answer = requests.request(method, self.emulator["organization_url"] + path, json=body, params=params,
                                  headers=self.headers, verify=self.emulator["ca_path"], timeout=30)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def finish_by_hand(self, endpoint_id):
        """"Verify and save" pressed in the portal: the draft sent back with isReady true."""
        body = self.call("GET", "/%s/_apis/serviceendpoint/endpoints/%s" % (self.emulator["project_id"], endpoint_id))
        body["data"].pop("isDraft", None)
        body["isReady"] = True
        return self.call("PUT", "/_apis/serviceendpoint/endpoints/%s" % endpoint_id, body)


# ---------------------------------------------------------------------------------------------- item 2
def test_item2_an_existing_secret_connection_is_never_taken_over(emulator, admin, tmp_path):
    name = "sc-trust-takeover"
    legacy = run_module("azdo_service_connection", connection_args(
        emulator, name, scheme="service_principal", identity_client_id=emulator["client_id"],
        service_principal_secret="legacy-secret-value"), tmp_path=tmp_path)
    assert not legacy.get("failed"), legacy
    mi = identity(emulator, tmp_path, "id-trust-takeover")
    admin.clear_requests()
    for draft in (True, False):
        refused = run_module("azdo_service_connection", connection_args(
            emulator, name, identity_client_id=mi["client_id"], draft=draft), tmp_path=tmp_path)
        assert refused.get("failed") is True, refused
        for word in (name, "scheme service_principal", "creation mode Manual", emulator["client_id"],
                     "allow_scheme_change"):
            assert word in refused["msg"], (word, refused["msg"])
    assert admin.writes() == []
    assert [e["scheme"] for e in endpoints(admin, name)] == ["ServicePrincipal"]


def test_item2_the_role_stops_before_creating_an_identity(run_playbook, emulator, admin):
    name = "sc-trust-role-takeover"
    admin.seed({"serviceEndpoints": [{"name": name, "serviceprincipalid": emulator["client_id"],
                                      "serviceprincipalkey": "seeded-secret"}]})
    admin.clear_requests()
    variables = {"role_name": "workload_identity_service_connection",
                 "workload_identity_service_connection_items": [{
                     "name": name, "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
                     "environment": "AzureCloud", "identity": {"resource_group": emulator["resource_group"]}}]}
    failed = run_playbook("run_role.yml", extra_vars=variables, expect_rc=2)
    assert "already exists with scheme service_principal" in failed.stdout
    assert "service_connection_conversion" in failed.stdout
    assert admin.writes() == []


# ---------------------------------------------------------------------------------------------- item 3
def test_item3_an_empty_role_list_grants_nothing(run_playbook, emulator, admin):
    name = "sc-trust-no-grant"
    variables = {"role_name": "workload_identity_service_connection",
                 "workload_identity_service_connection_items": [{
                     "name": name, "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
                     "environment": "AzureCloud", "identity": {"resource_group": emulator["resource_group"]},
                     "role_assignments": []}]}
    run_playbook("run_role.yml", extra_vars=variables)
    state = admin.state()
    principal = [i for i in state["managed_identity"]["managedIdentities"] if i["name"] == "id-" + name][0]
    assert [a for a in state["roleAssignments"] if a["principalId"] == principal["principalId"]] == []
    assert [e["ready"] for e in endpoints(admin, name)] == [True]


def test_item3_the_secret_role_grants_nothing_with_an_empty_list(run_playbook, emulator, admin):
    name = "sc-trust-secret-no-grant"
    variables = {"role_name": "secret_service_connection",
                 "secret_service_connection_items": [{
                     "name": name, "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
                     "environment": "AzureCloud", "role_assignments": []}]}
    run_playbook("run_role.yml", extra_vars=variables)
    state = admin.state()
    app = [a for a in state["applications"] if a.get("displayName") == name][0]
    assert [a for a in state["roleAssignments"] if a["principalId"] == app["principalId"]] == []


# ---------------------------------------------------------------------------------------------- item 4
def test_item4_leaving_out_resource_group_never_widens(emulator, admin, tmp_path):
    name = "sc-trust-scope"
    mi = identity(emulator, tmp_path, "id-trust-scope")
    made = run_module("azdo_service_connection", connection_args(
        emulator, name, identity_client_id=mi["client_id"], resource_group=emulator["resource_group"], draft=True),
        tmp_path=tmp_path)
    assert made["service_connection"]["resource_group"] == emulator["resource_group"]
    admin.clear_requests()
    same = run_module("azdo_service_connection", connection_args(
        emulator, name, identity_client_id=mi["client_id"], draft=True), tmp_path=tmp_path)
    assert same["changed"] is False and admin.writes() == []
    assert same["service_connection"]["resource_group"] == emulator["resource_group"]
    widened = run_module("azdo_service_connection", connection_args(
        emulator, name, identity_client_id=mi["client_id"], draft=True, scope_level="subscription"), tmp_path=tmp_path)
    assert widened["changed"] is True and widened["service_connection"]["resource_group"] is None


# ---------------------------------------------------------------------------------------------- items 6 and 7
def test_items6_7_a_failed_connection_is_finished_again_and_a_missing_credential_fails_fast(
        emulator, admin, tmp_path):
    admin.config(azdo_finish_without_fic="failed")
    try:
        name = "sc-trust-failed"
        mi = identity(emulator, tmp_path, "id-trust-failed")
        draft = run_module("azdo_service_connection", connection_args(
            emulator, name, identity_client_id=mi["client_id"], draft=True), tmp_path=tmp_path)["service_connection"]
        Azdo(emulator).finish_by_hand(draft["id"])  # before the credential exists: Failed, no longer a draft
        assert [(e["draft"], e["status"]) for e in endpoints(admin, name)] == [(False, "Failed")]
        admin.clear_requests()
        missing = run_module("azdo_service_connection", connection_args(
            emulator, name, identity_client_id=mi["client_id"]), tmp_path=tmp_path)
        assert missing.get("failed") is True, missing
        assert draft["workload_identity_federation_subject"] in missing["msg"] and "Nothing was changed" in missing["msg"]
        assert admin.writes() == []  # item 7: no finishing PUT at all, no wait
        trust(emulator, tmp_path, mi, draft)
        done = run_module("azdo_service_connection", connection_args(
            emulator, name, identity_client_id=mi["client_id"]), tmp_path=tmp_path)
        assert done["changed"] is True and done["service_connection"]["is_ready"], done
        again = run_module("azdo_service_connection", connection_args(
            emulator, name, identity_client_id=mi["client_id"]), tmp_path=tmp_path)
        assert again["changed"] is False
    finally:
        admin.config(azdo_finish_without_fic="error")


# ---------------------------------------------------------------------------------------------- item 10
def test_item10_a_lost_create_says_a_rerun_is_safe(emulator, admin, tmp_path):
    name = "sc-trust-lost"
    mi = identity(emulator, tmp_path, "id-trust-lost")
    admin.add_fault(method="POST", path=r"/_apis/serviceendpoint/endpoints$", reset=True, count=1)
    lost = run_module("azdo_service_connection", connection_args(
        emulator, name, identity_client_id=mi["client_id"], draft=True), tmp_path=tmp_path)
    assert lost.get("failed") is True
    assert "Running the task again is safe" in lost["msg"] and name in lost["msg"], lost["msg"]
    again = run_module("azdo_service_connection", connection_args(
        emulator, name, identity_client_id=mi["client_id"], draft=True), tmp_path=tmp_path)
    assert again["changed"] is True and len(endpoints(admin, name)) == 1


# ---------------------------------------------------------------------------------------------- item 5
@pytest.mark.parametrize("which", ["client_id", "application_object_id"])
def test_item5_a_client_id_is_not_taken_for_a_principal(emulator, admin, tmp_path, which):
    app = run_module("app_registration", dict(auth(emulator), display_name="app-trust-principal",
                                              unique_name="app-trust-principal"), tmp_path=tmp_path)["app_registration"]
    wrong = app["app_id"] if which == "client_id" else app["object_id"]
    admin.clear_requests()
    refused = run_module("role_assignment", dict(
        auth(emulator), scope="/subscriptions/%s/resourceGroups/%s" % (emulator["subscription_id"],
                                                                       emulator["resource_group"]),
        role="Reader", principal_id=wrong), tmp_path=tmp_path)
    assert refused.get("failed") is True, refused
    assert "use principal_id %s" % app["service_principal_id"] in refused["msg"], refused["msg"]
    assert admin.writes() == []


# ---------------------------------------------------------------------------------------------- item 9
def test_item9_roles_check_every_item_before_the_first_write(run_playbook, emulator, admin):
    admin.clear_requests()
    variables = {"role_name": "workload_identity_service_connection",
                 "workload_identity_service_connection_items": [
                     {"name": "sc-trust-ok", "project": emulator["project_name"],
                      "subscription_id": emulator["subscription_id"],
                      "identity": {"resource_group": emulator["resource_group"]}},
                     {"name": "sc-trust-no-project", "subscription_id": emulator["subscription_id"],
                      "identity": {"resource_group": emulator["resource_group"]}},
                     {"name": "sc-trust-no-identity-rg", "project": emulator["project_name"],
                      "subscription_id": emulator["subscription_id"]}]}
    failed = run_playbook("run_role.yml", extra_vars=variables, expect_rc=2)
    assert "items[1] (sc-trust-no-project): project is required" in failed.stdout
    assert "items[2] (sc-trust-no-identity-rg): identity.resource_group is required" in failed.stdout
    assert admin.writes() == []


def test_item9_a_name_with_spaces_gives_valid_derived_names(run_playbook, emulator, admin):
    name = "Deploy Web App (prod)"
    variables = {"role_name": "workload_identity_service_connection",
                 "workload_identity_service_connection_items": [{
                     "name": name, "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
                     "environment": "AzureCloud", "identity": {"resource_group": emulator["resource_group"]}}]}
    run_playbook("run_role.yml", extra_vars=variables)
    state = admin.state()
    assert [i["name"] for i in state["managed_identity"]["managedIdentities"] if "Deploy" in i["name"]] == \
        ["id-Deploy-Web-App-prod"]
    assert [e["ready"] for e in endpoints(admin, name)] == [True]


def test_item9_the_secret_role_checks_the_scheme_before_making_a_secret(run_playbook, emulator, admin, tmp_path):
    name = "sc-trust-secret-vs-wif"
    mi = identity(emulator, tmp_path, "id-trust-secret-vs-wif")
    run_module("azdo_service_connection", connection_args(emulator, name, identity_client_id=mi["client_id"],
                                                          draft=True), tmp_path=tmp_path)
    admin.clear_requests()
    variables = {"role_name": "secret_service_connection",
                 "secret_service_connection_items": [{
                     "name": name, "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
                     "environment": "AzureCloud"}]}
    failed = run_playbook("run_role.yml", extra_vars=variables, expect_rc=2)
    assert "already exists with scheme workload_identity_federation" in failed.stdout
    assert admin.writes() == []
    assert [a for a in admin.state()["applications"] if a.get("displayName") == name] == []


# ---------------------------------------------------------------------------------------------- item 8
def test_item8_roles_pass_environment_and_scope_level_through(run_playbook, emulator, admin):
    name = "sc-trust-gov"
    variables = {"role_name": "workload_identity_service_connection",
                 "workload_identity_service_connection_items": [{
                     "name": name, "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
                     "environment": "AzureUSGovernment", "resource_group": emulator["resource_group"],
                     "identity": {"resource_group": emulator["resource_group"]}}]}
    run_playbook("run_role.yml", extra_vars=variables)
    found = endpoints(admin, name)[0]
    assert found["data"]["environment"] == "AzureUSGovernment"
    assert found["params"]["scope"].lower().endswith("/resourcegroups/%s" % emulator["resource_group"].lower())
