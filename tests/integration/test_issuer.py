# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 12 item 1: azdo_service_connection_issuer and azdo_service_connection_inventory against the emulator.

Connections are seeded with the emulator's ``issuerConnections`` / ``issuerFleet`` keys (tests/emulator/README.md,
"Issuer conversion"); each module runs as Ansible runs it (run_module: a child process with a JSON args file).
The emulator's switches for what is UNCONFIRMED about the conversion (docs/issuer-migration.md) are set with
admin.config and put back afterwards; the module must end right under every combination.
"""

from __future__ import annotations

import itertools
import uuid

import pytest

from test_bad_input import auth, run_module

LEGACY_PREFIX = "https://vstoken.dev.azure.com/"
ENTRA_PREFIX = "https://login.microsoftonline.com/"
AUDIENCE = "api://AzureADTokenExchange"
ISSUER_DEFAULTS = dict(azdo_issuer_convert_form="issuer-type", azdo_issuer_auto_fic="automatic",
                       azdo_issuer_manual_result="error", azdo_issuer_remove_old_fic=False,
                       azdo_issuer_legacy_type="AzureDevOps", azdo_convert_async=False, azdo_convert_seconds=1.0)


@pytest.fixture
def issuer_admin(admin):
    """The admin client; the issuer switches are back at their defaults after the test, whatever it set."""
    admin.config(**ISSUER_DEFAULTS)
    yield admin
    admin.config(**ISSUER_DEFAULTS)


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def seed(admin, *specs):
    return admin.seed({"issuerConnections": list(specs)})["issuerConnections"]


def endpoint(admin, seeded):
    return [e for e in admin.state()["azdo"]["serviceEndpoints"] if e["id"] == seeded["id"]][0]


def credentials(admin, seeded):
    """(issuer, subject) of every federated credential on the identity behind ``seeded``."""
    state = admin.state()
    client = seeded["identity"]["clientId"].lower()
    for mi in state["managed_identity"]["managedIdentities"]:
        if mi["clientId"].lower() == client:
            return sorted((f["issuer"], f["subject"]) for f in mi["federatedIdentityCredentials"])
    for app in state["applications"]:
        if app["appId"].lower() == client:
            return sorted((f["issuer"], f["subject"]) for f in app["federatedIdentityCredentials"])
    raise AssertionError("no identity with client id %s" % client)


def move(emulator, tmp_path, seeded, **extra):
    args = dict(auth(emulator), organization_url=emulator["organization_url"], project=seeded["project"],
                name=seeded["name"], ready_timeout=60)
    args.update(extra)
    return run_module("azdo_service_connection_issuer", args, tmp_path=tmp_path)


def inventory(emulator, tmp_path, **extra):
    args = dict(auth(emulator), organization_url=emulator["organization_url"])
    args.update(extra)
    return run_module("azdo_service_connection_inventory", args, tmp_path=tmp_path)


def assert_converted(admin, seeded, result, legacy_kept=True):
    """Same id, Entra issuer with the subject Azure DevOps generated, ready; the identity trusts it."""
    assert not result.get("failed"), result
    assert result["outcome"] == "converted" and result["changed"] is True, result
    after = result["service_connection"]
    record = endpoint(admin, seeded)
    assert after["id"] == seeded["id"] == record["id"]
    assert record["wifIssuer"] == "%s%s/v2.0" % (ENTRA_PREFIX, seeded["identity"]["tenantId"])
    assert record["wifSubject"].startswith("/eid1/") and record["wifSubject"].endswith("/" + seeded["id"])
    assert record["ready"] is True
    assert (after["issuer"], after["subject"], after["is_ready"]) == (record["wifIssuer"], record["wifSubject"], True)
    trusted = credentials(admin, seeded)
    assert (record["wifIssuer"], record["wifSubject"]) in trusted
    assert ((seeded["issuer"], seeded["subject"]) in trusted) is legacy_kept
    return record


# ---------------------------------------------------------------------------------------------- converted in place
@pytest.mark.parametrize("kind", ["managedIdentity", "app"])
def test_converted_in_place_keeps_the_old_credential(emulator, issuer_admin, tmp_path, kind):
    seeded = seed(issuer_admin, {"name": unique("sc-iss-" + kind), "identity": kind})[0]
    assert seeded["issuerKind"] == "azdo" and seeded["issuer"].startswith(LEGACY_PREFIX)
    result = move(emulator, tmp_path, seeded, _ansible_diff=True)
    assert_converted(issuer_admin, seeded, result, legacy_kept=True)
    assert result["removed_credentials"] == []
    assert (result["diff"]["before"]["issuer_kind"], result["diff"]["after"]["issuer_kind"]) == ("azure_devops", "entra")
    assert result["diff"]["before"]["id"] == result["diff"]["after"]["id"] == seeded["id"]
    assert result["identity"]["kind"] == ("managed_identity" if kind == "managedIdentity" else "application")


def test_docker_registry_connection_is_converted(emulator, issuer_admin, tmp_path):
    seeded = seed(issuer_admin, {"name": unique("sc-iss-acr"), "type": "dockerregistry"})[0]
    result = move(emulator, tmp_path, seeded)
    record = assert_converted(issuer_admin, seeded, result)
    assert record["type"] == "dockerregistry" and result["service_connection"]["type"] == "dockerregistry"


def test_legacy_credential_is_removed_only_when_asked_after_ready(emulator, issuer_admin, tmp_path):
    issuer_admin.config(azdo_convert_async=True, azdo_convert_seconds=2.0)
    seeded = seed(issuer_admin, {"name": unique("sc-iss-remove"), "identity": "app"})[0]
    issuer_admin.clear_requests()
    result = move(emulator, tmp_path, seeded, remove_legacy_credential=True)
    assert_converted(issuer_admin, seeded, result, legacy_kept=False)
    assert len(result["removed_credentials"]) == 1
    # The delete came after Azure DevOps reported the connection ready.
    log = issuer_admin.requests()
    deletes = [i for i, r in enumerate(log) if r["method"] == "DELETE" and "federatedIdentityCredentials" in r["path"]]
    ready_reads = [i for i, r in enumerate(log) if r["method"] == "GET" and seeded["id"] in r["path"]]
    assert len(deletes) == 1 and ready_reads and ready_reads[-1] < deletes[0], log


def test_rerun_is_idempotent_with_zero_writes(emulator, issuer_admin, tmp_path):
    seeded = seed(issuer_admin, {"name": unique("sc-iss-again")})[0]
    assert move(emulator, tmp_path, seeded)["outcome"] == "converted"
    issuer_admin.clear_requests()
    again = move(emulator, tmp_path, seeded, remove_legacy_credential=True)
    assert again["changed"] is False and again["outcome"] == "already_entra", again
    assert "Entra" in again["reason"]
    assert issuer_admin.writes() == []


def test_check_mode_predicts_and_writes_nothing(emulator, issuer_admin, tmp_path):
    seeded = seed(issuer_admin, {"name": unique("sc-iss-check")})[0]
    issuer_admin.clear_requests()
    result = move(emulator, tmp_path, seeded, _ansible_check_mode=True)
    assert result["changed"] is True and result["outcome"] == "converted", result
    assert result["service_connection"]["issuer"] == "%s%s/v2.0" % (ENTRA_PREFIX, seeded["identity"]["tenantId"])
    assert result["service_connection"]["id"] == seeded["id"]
    assert issuer_admin.writes() == []
    assert endpoint(issuer_admin, seeded)["wifIssuer"] == seeded["issuer"]


# ---------------------------------------------------------------------------------------------- hand-off
@pytest.mark.parametrize("identity", ["app", "managedIdentity"])
def test_locked_identity_is_handed_off_and_left_unchanged(emulator, issuer_admin, tmp_path, identity):
    seeded = seed(issuer_admin, {"name": unique("sc-iss-locked"), "identity": identity, "locked": True})[0]
    before = endpoint(issuer_admin, seeded)
    trusted_before = credentials(issuer_admin, seeded)
    result = move(emulator, tmp_path, seeded)
    assert not result.get("failed"), result
    assert result["outcome"] == "handoff", result
    handoff = result["handoff"]
    assert handoff["issuer"] == "%s%s/v2.0" % (ENTRA_PREFIX, seeded["identity"]["tenantId"])
    assert handoff["subject"].startswith("/eid1/") and handoff["subject"].endswith("/" + seeded["id"])
    assert handoff["audience"] == AUDIENCE
    assert handoff["client_id"].lower() == seeded["identity"]["clientId"].lower()
    assert (handoff["connection"], handoff["connection_id"]) == (seeded["name"], seeded["id"])
    assert any(handoff["subject"] in str(w) and seeded["identity"]["clientId"] in str(w) for w in result.get("warnings", [])), \
        result.get("warnings")
    after = endpoint(issuer_admin, seeded)  # error mode (default): Azure DevOps changed nothing
    assert result["changed"] is False
    assert (after["id"], after["wifIssuer"], after["wifSubject"]) == (before["id"], before["wifIssuer"], before["wifSubject"])
    assert credentials(issuer_admin, seeded) == trusted_before


def test_pending_handoff_stays_a_handoff_until_the_owner_acts_then_converts(emulator, issuer_admin, tmp_path):
    """Pending mode: the connection already shows the Entra issuer but is not ready. A re-run is still a hand-off
    (never "already on the Entra issuer"); once the owner lets this caller write the identity, a re-run finishes."""
    issuer_admin.config(azdo_issuer_manual_result="pending", azdo_issuer_auto_fic="never")
    seeded = seed(issuer_admin, {"name": unique("sc-iss-pending"), "identity": "managedIdentity", "locked": True})[0]
    first = move(emulator, tmp_path, seeded)
    assert first["outcome"] == "handoff", first
    handoff = first["handoff"]
    assert endpoint(issuer_admin, seeded)["ready"] is False
    second = move(emulator, tmp_path, seeded)
    assert not second.get("failed"), second
    assert second["outcome"] == "handoff" and second["handoff"]["subject"] == handoff["subject"], second
    assert second["changed"] is False
    # The identity's owner gives this caller the right to write the identity's federated credentials.
    issuer_admin.seed({"roleAssignments": [{"scope": seeded["identity"]["resourceId"], "role": "Managed Identity Contributor",
                                            "principalId": emulator["principal_id"]}]})
    third = move(emulator, tmp_path, seeded)
    record = endpoint(issuer_admin, seeded)
    assert third["outcome"] == "converted" and third["changed"] is True, third
    assert record["ready"] is True and record["id"] == seeded["id"]
    assert (record["wifIssuer"], record["wifSubject"]) == (handoff["issuer"], handoff["subject"])
    assert (handoff["issuer"], handoff["subject"]) in credentials(issuer_admin, seeded)


# ---------------------------------------------------------------------------------------------- out of scope
@pytest.mark.parametrize("spec, reason_words, outcome", [
    ({"identity": "app", "environment": "AzureUSGovernment"}, ["AzureUSGovernment"], "out_of_scope"),
    ({"identity": "multitenantApp"}, ["multitenant"], "out_of_scope"),
    ({"identity": "app", "scheme": "ServicePrincipal", "secretEndDateTimes": ["+30d"]}, ["ServicePrincipal"],
     "out_of_scope"),
    ({"identity": "managedIdentity", "issuer": "entra"}, ["Entra"], "already_entra"),
], ids=["us-government", "multitenant", "secret", "already-entra"])
def test_out_of_scope_is_reported_and_never_written(emulator, issuer_admin, tmp_path, spec, reason_words, outcome):
    seeded = seed(issuer_admin, dict(spec, name=unique("sc-iss-oos")))[0]
    before = endpoint(issuer_admin, seeded)
    issuer_admin.clear_requests()
    result = move(emulator, tmp_path, seeded)
    assert not result.get("failed"), result
    assert (result["outcome"], result["changed"], result["handoff"]) == (outcome, False, None), result
    for word in reason_words:
        assert word in result["reason"], (word, result["reason"])
    assert issuer_admin.writes() == []
    assert endpoint(issuer_admin, seeded) == before


# ---------------------------------------------------------------------------------------------- every switch
SWITCHES = list(itertools.product(["issuer-type", "operation", "save"],
                                  ["automatic", "automatic-user", "same-tenant", "never"],
                                  ["error", "pending"]))


@pytest.mark.parametrize("form, auto_fic, manual", SWITCHES, ids=["-".join(s) for s in SWITCHES])
def test_converts_under_every_emulator_setting(emulator, issuer_admin, tmp_path, form, auto_fic, manual):
    """A managed identity, an app and a Docker registry connection; the form learned on the first is passed on."""
    issuer_admin.config(azdo_issuer_convert_form=form, azdo_issuer_auto_fic=auto_fic,
                        azdo_issuer_manual_result=manual)
    tag = unique("sc-sw")
    items = seed(issuer_admin, {"name": tag + "-mi"}, {"name": tag + "-app", "identity": "app"},
                 {"name": tag + "-acr", "type": "dockerregistry"})
    learned = None
    for seeded in items:
        result = move(emulator, tmp_path, seeded, **({"conversion_form": learned} if learned else {}))
        assert_converted(issuer_admin, seeded, result)
        assert result["conversion_form"] in ("issuer_type", "operation")
        assert learned in (None, result["conversion_form"])
        learned = result["conversion_form"]
    issuer_admin.clear_requests()
    again = move(emulator, tmp_path, items[0], conversion_form=learned)
    assert (again["changed"], again["outcome"]) == (False, "already_entra") and issuer_admin.writes() == []


@pytest.mark.parametrize("manual", ["error", "pending"])
def test_locked_identity_is_a_handoff_under_every_answer(emulator, issuer_admin, tmp_path, manual):
    issuer_admin.config(azdo_issuer_manual_result=manual, azdo_issuer_auto_fic="same-tenant")
    seeded = seed(issuer_admin, {"name": unique("sc-iss-lk"), "identity": "managedIdentity", "locked": True})[0]
    result = move(emulator, tmp_path, seeded)
    assert result["outcome"] == "handoff" and result["handoff"]["subject"].startswith("/eid1/"), result
    again = move(emulator, tmp_path, seeded)
    assert again["outcome"] == "handoff" and again["handoff"]["subject"] == result["handoff"]["subject"], again


# ---------------------------------------------------------------------------------------------- inventory
def test_inventory_lists_every_connection_with_its_scope(emulator, issuer_admin, tmp_path):
    prefix = unique("inv")
    fleet = issuer_admin.seed({"issuerFleet": [{"projects": 1, "perProject": 12, "prefix": prefix}]})["issuerFleet"]
    projects = fleet["projects"] if "projects" in fleet else fleet[0]["projects"]
    connections = fleet["connections"] if "connections" in fleet else fleet[0]["connections"]
    issuer_admin.clear_requests()
    found = inventory(emulator, tmp_path, projects=projects)
    assert not found.get("failed"), found
    assert found["changed"] is False and issuer_admin.writes() == []
    by_id = dict((c["id"], c) for c in found["service_connections"])
    assert sorted(by_id) == sorted(c["id"] for c in connections)
    for seeded in connections:
        listed = by_id[seeded["id"]]
        legacy_in_scope = seeded["issuerKind"] == "azdo" and not seeded["outOfScope"] \
            and seeded["identity"].get("signInAudience") not in ("AzureADMultipleOrgs",) \
            and seeded["environment"] in (None, "AzureCloud")
        assert listed["eligible"] is legacy_in_scope, (seeded, listed)
        assert listed["issuer_kind"] == {"azdo": "azure_devops", "entra": "entra", None: None}[seeded["issuerKind"]]
        if seeded["scheme"] == "ServicePrincipal":
            assert listed["secret_expiry"] and len(listed["secret_expiry"]) == len(seeded["secretEndDateTimes"])
        else:
            assert listed["secret_expiry"] is None


# ---------------------------------------------------------------------------------------------- lost answer
@pytest.mark.parametrize("form, given", [("operation", "operation"), ("operation", None), ("issuer-type", None)],
                         ids=["operation-given", "operation-learned", "issuer-type"])
def test_a_lost_answer_to_the_conversion_counts_once(emulator, issuer_admin, tmp_path, form, given):
    """Azure DevOps moves the connection but the answer is lost; the resent request must not fail the task."""
    issuer_admin.config(azdo_issuer_convert_form=form, azdo_issuer_auto_fic="same-tenant")
    seeded = seed(issuer_admin, {"name": unique("sc-iss-lost")})[0]
    issuer_admin.add_fault(method="PUT", path="_apis/serviceendpoint/endpoints/%s" % seeded["id"], status=503,
                           after=True, count=1 if given else 2)
    result = move(emulator, tmp_path, seeded, **({"conversion_form": given} if given else {}))
    record = assert_converted(issuer_admin, seeded, result)
    # Converted exactly once: one Entra credential on the identity, the one for the subject the connection has.
    entra = [pair for pair in credentials(issuer_admin, seeded) if pair[0].startswith(ENTRA_PREFIX)]
    assert entra == [(record["wifIssuer"], record["wifSubject"])]
