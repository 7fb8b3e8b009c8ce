# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps issuer -> Microsoft Entra issuer conversion (azdo_issuer.py): seeds, every switch in every
position, hand-off and retry, out-of-scope refusals, organization-wide listing."""

from __future__ import annotations

import re
import time

import pytest
import requests

from .azdo_support import AUDIENCE, GRAPH_SCOPE, SPN, WIF, Azdo, assert_azdo_error

MSI_API = "2023-01-31"
LEGACY_PREFIX = "https://vstoken.dev.azure.com/"
ENTRA_PREFIX = "https://login.microsoftonline.com/"
CONVERT = "ConvertAuthenticationScheme"


@pytest.fixture
def ado(emu):
    return Azdo(emu)


def seed(emu, *specs) -> list:
    return emu.seed({"issuerConnections": list(specs)})["issuerConnections"]


def pair(endpoint: dict) -> tuple[str, str]:
    params = endpoint["authorization"]["parameters"]
    return params["workloadIdentityFederationIssuer"], params["workloadIdentityFederationSubject"]


def get(ado, seeded: dict) -> dict:
    resp = ado.get(seeded["id"], project=seeded["project"])
    assert resp.status_code == 200, resp.text
    return resp.json()


def entra_body(endpoint: dict) -> dict:
    """The endpoint as read, with the issuer type switched to EntraID (request form 'issuer-type')."""
    body = dict(endpoint)
    body["authorization"] = {"scheme": endpoint["authorization"]["scheme"],
                             "parameters": dict(endpoint["authorization"]["parameters"],
                                                workloadIdentityFederationIssuerType="EntraID")}
    return body


def put(ado, endpoint_id: str, body: dict, operation: str | None = None):
    params = {"operation": operation} if operation else {}
    return ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{endpoint_id}", json=body, params=params)


def handoff_values(message: str) -> tuple[str, str, str]:
    found = re.search(r"Issuer: '([^']+)', Subject identifier: '([^']+)', Audience: '([^']+)'", message)
    assert found, message
    return found.group(1), found.group(2), found.group(3)


def msi_fics(emu, resource_id: str) -> list:
    resp = emu.arm("GET", f"{resource_id}/federatedIdentityCredentials", api_version=MSI_API)
    assert resp.status_code == 200, resp.text
    return [(f["properties"]["issuer"], f["properties"]["subject"]) for f in resp.json()["value"]]


def app_fics(emu, app_id: str) -> list:
    headers = {"Authorization": f"Bearer {emu.token(GRAPH_SCOPE)}"}
    resp = emu.request("GET", f"/v1.0/applications(appId='{app_id}')/federatedIdentityCredentials", headers=headers)
    assert resp.status_code == 200, resp.text
    return [(f["issuer"], f["subject"]) for f in resp.json()["value"]]


def add_msi_fic(emu, resource_id: str, issuer: str, subject: str, name: str = "entra"):
    return emu.arm("PUT", f"{resource_id}/federatedIdentityCredentials/{name}", api_version=MSI_API,
                   json={"properties": {"issuer": issuer, "subject": subject, "audiences": [AUDIENCE]}})


# ---------------------------------------------------------------------------------------------- seeds
def test_seeded_legacy_connection_reports_the_azure_devops_issuer(ado, emu):
    seeded = seed(emu, {"name": "sc-legacy", "project": "team-a"})[0]
    endpoint = get(ado, seeded)
    issuer, subject = pair(endpoint)
    assert issuer == LEGACY_PREFIX + ado.info["organization_id"]
    assert subject == f"sc://{ado.info['organization']}/team-a/sc-legacy"
    assert endpoint["authorization"]["parameters"]["workloadIdentityFederationIssuerType"] == "AzureDevOps"
    assert endpoint["isReady"] is True and endpoint["authorization"]["scheme"] == WIF
    assert (seeded["issuer"], seeded["subject"]) == (issuer, subject) and seeded["issuerKind"] == "azdo"
    assert msi_fics(emu, seeded["identity"]["resourceId"]) == [(issuer, subject)]
    # A connection created now gets the Entra issuer (RN-253), as the emulator already does.
    app = ado.new_app()
    created = ado.create(ado.body("sc-new", client_id=app["appId"]))
    assert pair(created)[0] == f"{ENTRA_PREFIX}{ado.info['tenant_id']}/v2.0"


def test_seed_out_of_scope_entra_and_secret_cases(ado, emu):
    gov, multi, entra, secret = seed(
        emu, {"name": "sc-gov", "identity": "app", "environment": "AzureUSGovernment"},
        {"name": "sc-multi", "identity": "multitenantApp"},
        {"name": "sc-entra", "issuer": "entra"},
        {"name": "sc-secret", "identity": "app", "scheme": SPN,
         "secretEndDateTimes": ["2027-03-01T00:00:00Z", "+30d"]})
    gov_endpoint = get(ado, gov)
    assert pair(gov_endpoint)[0].startswith(LEGACY_PREFIX) and gov_endpoint["url"] == "https://management.usgovcloudapi.net/"
    assert gov["outOfScope"] and "AzureUSGovernment" in gov["outOfScope"]
    assert multi["outOfScope"] and "multitenant" in multi["outOfScope"]
    headers = {"Authorization": f"Bearer {emu.token(GRAPH_SCOPE)}"}
    app = emu.request("GET", f"/v1.0/applications(appId='{multi['identity']['clientId']}')", headers=headers).json()
    assert app["signInAudience"] == "AzureADMultipleOrgs"
    entra_endpoint = get(ado, entra)
    assert pair(entra_endpoint)[0].startswith(ENTRA_PREFIX) and entra["outOfScope"] is None
    assert msi_fics(emu, entra["identity"]["resourceId"]) == [pair(entra_endpoint)]
    secret_endpoint = get(ado, secret)
    assert secret_endpoint["authorization"]["scheme"] == SPN
    assert secret_endpoint["authorization"]["parameters"]["serviceprincipalkey"] is None
    app = emu.request("GET", f"/v1.0/applications(appId='{secret['identity']['clientId']}')", headers=headers).json()
    ends = sorted(p["endDateTime"] for p in app["passwordCredentials"])
    assert "2027-03-01T00:00:00Z" in ends and len(ends) == 2 and ends == sorted(secret["secretEndDateTimes"])


def test_seeded_docker_registry_connection_shape(ado, emu):
    seeded = seed(emu, {"name": "sc-acr", "type": "dockerregistry"})[0]
    endpoint = get(ado, seeded)
    params = endpoint["authorization"]["parameters"]
    assert endpoint["type"] == "dockerregistry" and endpoint["url"].endswith(".azurecr.io")
    assert params["loginServer"] == endpoint["url"][len("https://"):]
    assert params["tenantId"] == ado.info["tenant_id"] and params["serviceprincipalid"] == seeded["identity"]["clientId"]
    assert params["scope"] == endpoint["data"]["registryId"] and endpoint["data"]["registrytype"] == "ACR"
    assert pair(endpoint)[0].startswith(LEGACY_PREFIX)


def test_seed_rejects_impossible_combinations(emu):
    for spec in ({"name": "x", "issuer": "entra", "environment": "AzureUSGovernment"},
                 {"name": "x", "scheme": SPN, "identity": "managedIdentity"},
                 {"name": "x", "identity": "automatic", "type": "dockerregistry"},
                 {"name": "x", "identity": "robot"}, {}):
        resp = emu.admin("POST", "/seed", json={"issuerConnections": [spec]})
        assert resp.status_code == 400, (spec, resp.text)


def test_fleet_seed_mix(ado, emu):
    fleet = emu.seed({"issuerFleet": [{"projects": 2, "perProject": 12, "prefix": "mix"}]})["issuerFleet"][0]
    assert fleet["projects"] == ["mix-project-01", "mix-project-02"] and len(fleet["connections"]) == 24
    kinds = {(c["type"], c["scheme"], c["issuerKind"], c["identity"]["kind"], c["locked"], c["environment"])
             for c in fleet["connections"]}
    assert ("dockerregistry", WIF, "azdo", "managedIdentity", False, None) in kinds
    assert ("azurerm", WIF, "entra", "managedIdentity", False, "AzureCloud") in kinds
    assert ("azurerm", SPN, None, "app", False, "AzureCloud") in kinds
    assert any(c["locked"] and c["identity"]["kind"] == "app" for c in fleet["connections"])
    assert any(c["locked"] and c["identity"]["kind"] == "managedIdentity" for c in fleet["connections"])
    assert sum(1 for c in fleet["connections"] if c["outOfScope"]) == 4
    listed = ado.ok("GET", "/mix-project-02/_apis/serviceendpoint/endpoints")["value"]
    assert len(listed) == 12


# ---------------------------------------------------------------------------------------------- conversion
def test_issuer_type_form_converts_an_automatic_connection_in_place(ado, emu):
    seeded = seed(emu, {"name": "sc-auto", "identity": "automatic"})[0]
    legacy = get(ado, seeded)
    old = pair(legacy)
    resp = put(ado, seeded["id"], entra_body(legacy))
    assert resp.status_code == 200, resp.text
    converted = resp.json()
    assert converted["id"] == seeded["id"] and converted["isReady"] is True
    issuer, subject = pair(converted)
    assert issuer == f"{ENTRA_PREFIX}{ado.info['tenant_id']}/v2.0"
    assert subject.startswith("/eid1/c/pub/t/") and subject.endswith(f"/sc/{ado.info['organization_id']}/{seeded['id']}")
    assert converted["authorization"]["parameters"]["workloadIdentityFederationIssuerType"] == "EntraID"
    fics = app_fics(emu, seeded["identity"]["clientId"])
    assert (issuer, subject) in fics and old in fics  # the old credential stays (azdo_issuer_remove_old_fic false)
    assert get(ado, seeded) == converted
    again = put(ado, seeded["id"], entra_body(converted))  # a repeat is a plain update: nothing changes
    assert again.status_code == 200 and pair(again.json()) == (issuer, subject)
    assert app_fics(emu, seeded["identity"]["clientId"]) == fics


def test_manual_identity_hands_off_then_retry_succeeds(ado, emu):
    seeded = seed(emu, {"name": "sc-mi", "project": "team-b"})[0]
    legacy = get(ado, seeded)
    refused = put(ado, seeded["id"], entra_body(legacy))
    body = assert_azdo_error(refused, 400, "ServiceEndpointException", "was not modified")
    issuer, subject, audience = handoff_values(body["message"])
    assert issuer.startswith(ENTRA_PREFIX) and subject.endswith(seeded["id"]) and audience == AUDIENCE
    assert get(ado, seeded) == legacy
    assert add_msi_fic(emu, seeded["identity"]["resourceId"], issuer, subject).status_code in (200, 201)
    converted = put(ado, seeded["id"], entra_body(legacy))
    assert converted.status_code == 200, converted.text
    assert pair(converted.json()) == (issuer, subject) and converted.json()["isReady"] is True
    assert converted.json()["id"] == seeded["id"]


def test_same_tenant_mode_adds_the_credential_unless_the_identity_is_out_of_reach(ado, emu):
    emu.config(azdo_issuer_auto_fic="same-tenant")
    mi, app, locked_app, locked_mi = seed(
        emu, {"name": "sc-mi"}, {"name": "sc-app", "identity": "app"},
        {"name": "sc-locked-app", "identity": "app", "locked": True},
        {"name": "sc-locked-mi", "locked": True})
    for item in (mi, app):
        converted = put(ado, item["id"], entra_body(get(ado, item)))
        assert converted.status_code == 200, converted.text
        assert converted.json()["isReady"] is True
    assert pair(get(ado, mi)) in msi_fics(emu, mi["identity"]["resourceId"])
    assert pair(get(ado, app)) in app_fics(emu, app["identity"]["clientId"])
    assert locked_app["identity"]["tenantId"] != ado.info["tenant_id"]
    for item in (locked_app, locked_mi):
        refused = put(ado, item["id"], entra_body(get(ado, item)))
        assert_azdo_error(refused, 400, "ServiceEndpointException", item["identity"]["clientId"])
        assert pair(get(ado, item))[0].startswith(LEGACY_PREFIX)
    # The caller cannot change the locked managed identity either (no role on its subscription).
    denied = add_msi_fic(emu, locked_mi["identity"]["resourceId"], "https://example.test", "x")
    assert denied.status_code == 403, denied.text


def test_never_mode_requires_the_credential_first(ado, emu):
    emu.config(azdo_issuer_auto_fic="never")
    seeded = seed(emu, {"name": "sc-auto", "identity": "automatic"})[0]
    legacy = get(ado, seeded)
    refused = put(ado, seeded["id"], entra_body(legacy))
    issuer, subject, _aud = handoff_values(assert_azdo_error(refused, 400, "ServiceEndpointException")["message"])
    assert (issuer, subject) not in app_fics(emu, seeded["identity"]["clientId"])
    ado.add_fic(seeded["identity"]["clientId"], issuer, subject, name="pre-created")
    converted = put(ado, seeded["id"], entra_body(legacy))
    assert converted.status_code == 200 and converted.json()["isReady"] is True


def test_pending_mode_shows_the_new_issuer_before_the_credential_exists(ado, emu):
    emu.config(azdo_issuer_manual_result="pending")
    seeded = seed(emu, {"name": "sc-mi", "project": "team-p"})[0]
    resp = put(ado, seeded["id"], entra_body(get(ado, seeded)))
    assert resp.status_code == 200, resp.text
    pending = resp.json()
    issuer, subject = pair(pending)
    assert issuer.startswith(ENTRA_PREFIX) and pending["isReady"] is False
    assert pending["operationStatus"]["state"] == "Failed"
    assert handoff_values(pending["operationStatus"]["statusMessage"])[:2] == (issuer, subject)
    project = seeded["project"]
    assert ado.ok("GET", f"/{project}/_apis/serviceendpoint/endpoints")["count"] == 0
    assert ado.ok("GET", f"/{project}/_apis/serviceendpoint/endpoints", params={"includeFailed": "true"})["count"] == 1
    still = put(ado, seeded["id"], pending)  # retry before the credential exists: still pending
    assert still.status_code == 200 and still.json()["isReady"] is False
    assert add_msi_fic(emu, seeded["identity"]["resourceId"], issuer, subject).status_code in (200, 201)
    ready = put(ado, seeded["id"], pending)
    assert ready.status_code == 200 and ready.json()["isReady"] is True
    assert ready.json()["operationStatus"] == {"state": "Ready", "statusMessage": ""}


def test_operation_form(ado, emu):
    seeded = seed(emu, {"name": "sc-auto", "identity": "automatic"})[0]
    legacy = get(ado, seeded)
    minimal = {"id": seeded["id"], "type": "azurerm",
               "authorization": {"scheme": WIF, "parameters": {"workloadIdentityFederationIssuerType": "EntraID"}},
               "serviceEndpointProjectReferences": legacy["serviceEndpointProjectReferences"]}
    # Default form: the operation request is today's same-scheme refusal.
    assert_azdo_error(put(ado, seeded["id"], minimal, CONVERT), 400, "ArgumentException", "neither an upgrade")
    emu.config(azdo_issuer_convert_form="operation")
    ignored = put(ado, seeded["id"], entra_body(legacy))  # the issuer-type form is now a plain update
    assert ignored.status_code == 200 and pair(ignored.json())[0].startswith(LEGACY_PREFIX)
    converted = put(ado, seeded["id"], minimal, CONVERT)
    assert converted.status_code == 200, converted.text
    assert pair(converted.json())[0].startswith(ENTRA_PREFIX) and converted.json()["id"] == seeded["id"]
    assert_azdo_error(put(ado, seeded["id"], minimal, CONVERT), 400, "ArgumentException", "already uses")
    # The ServicePrincipal -> WIF conversion is unaffected by the switch.
    spn = ado.by_name("sc-automatic-spn")[0]
    moved = put(ado, spn["id"], dict(spn, authorization={"scheme": WIF}), CONVERT)
    assert moved.status_code == 200 and moved.json()["authorization"]["scheme"] == WIF


def test_save_form_converts_on_any_update_but_not_out_of_scope(ado, emu):
    emu.config(azdo_issuer_convert_form="save")
    auto, gov = seed(emu, {"name": "sc-auto", "identity": "automatic"},
                     {"name": "sc-gov", "identity": "app", "environment": "AzureUSGovernment"})
    saved = put(ado, auto["id"], dict(get(ado, auto), description="edited"))
    assert saved.status_code == 200 and saved.json()["description"] == "edited"
    assert pair(saved.json())[0].startswith(ENTRA_PREFIX)
    edited = put(ado, gov["id"], dict(get(ado, gov), description="edited"))
    assert edited.status_code == 200 and pair(edited.json())[0].startswith(LEGACY_PREFIX)


def test_out_of_scope_connections_are_refused_and_unchanged(ado, emu):
    gov, multi = seed(emu, {"name": "sc-gov", "identity": "app", "environment": "AzureUSGovernment"},
                      {"name": "sc-multi", "identity": "multitenantApp"})
    for item, text in ((gov, "public cloud"), (multi, "multitenant")):
        before = get(ado, item)
        assert_azdo_error(put(ado, item["id"], entra_body(before)), 400, "ServiceEndpointException", text)
        assert get(ado, item) == before


def test_remove_old_credential_switch(ado, emu):
    emu.config(azdo_issuer_remove_old_fic=True)
    seeded = seed(emu, {"name": "sc-auto", "identity": "automatic"})[0]
    old = pair(get(ado, seeded))
    converted = put(ado, seeded["id"], entra_body(get(ado, seeded))).json()
    assert app_fics(emu, seeded["identity"]["clientId"]) == [pair(converted)]
    assert old not in app_fics(emu, seeded["identity"]["clientId"])


@pytest.mark.parametrize("label", ["AzureDevOps", "DevOps", "absent"])
def test_legacy_issuer_type_label(ado, emu, label):
    emu.config(azdo_issuer_legacy_type=label)
    seeded = seed(emu, {"name": "sc-legacy"})[0]
    params = get(ado, seeded)["authorization"]["parameters"]
    if label == "absent":
        assert "workloadIdentityFederationIssuerType" not in params
    else:
        assert params["workloadIdentityFederationIssuerType"] == label
    assert params["workloadIdentityFederationIssuer"].startswith(LEGACY_PREFIX)


def test_verification_reports_in_progress(ado, emu):
    emu.config(azdo_convert_async=True, azdo_convert_seconds=0.2)
    seeded = seed(emu, {"name": "sc-auto", "identity": "automatic"})[0]
    converted = put(ado, seeded["id"], entra_body(get(ado, seeded))).json()
    assert converted["isReady"] is False and converted["operationStatus"]["state"] == "InProgress"
    assert pair(converted)[0].startswith(ENTRA_PREFIX)
    time.sleep(0.25)
    assert get(ado, seeded)["isReady"] is True


def test_converted_connection_exchanges_tokens_with_the_entra_issuer(ado, emu):
    """The identity trusts the new pair: the Entra token endpoint accepts an assertion with it."""
    seeded = seed(emu, {"name": "sc-auto", "identity": "automatic"})[0]
    issuer, subject = pair(put(ado, seeded["id"], entra_body(get(ado, seeded))).json())
    assertion = emu.admin("POST", "/token", json={"audience": AUDIENCE, "claims": {"iss": issuer, "sub": subject}})
    assert assertion.status_code == 200, assertion.text
    resp = emu.request("POST", f"/{ado.info['tenant_id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": seeded["identity"]["clientId"],
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion.json()["access_token"], "scope": "https://management.azure.com/.default"})
    assert resp.status_code == 200, resp.text


# ---------------------------------------------------------------------------------------------- listing
def test_organization_wide_inventory_is_projects_then_per_project_lists(ado, emu):
    fleet = emu.seed({"issuerFleet": [{"projects": 3, "perProject": 4, "prefix": "inv"}]})["issuerFleet"][0]
    shared = fleet["connections"][0]
    target = ado.ok("GET", "/_apis/projects/inv-project-02")
    ado.ok("PATCH", f"/_apis/serviceendpoint/endpoints/{shared['id']}", status=204,
           json=[{"projectReference": {"id": target["id"], "name": target["name"]}, "name": "shared-copy"}])
    # No organization-level list in the specs: the emulator does not invent one.
    assert ado.call("GET", "/_apis/serviceendpoint/endpoints").status_code in (404, 405)
    projects = ado.ok("GET", "/_apis/projects", params={"$top": 100})["value"]
    seen: dict = {}
    for project in projects:
        for endpoint in ado.ok("GET", f"/{project['id']}/_apis/serviceendpoint/endpoints",
                               params={"includeFailed": "true"})["value"]:
            seen.setdefault(endpoint["id"], endpoint)
    assert {c["id"] for c in fleet["connections"]} <= set(seen)
    assert seen[shared["id"]]["isShared"] is True
    wif = ado.ok("GET", "/inv-project-01/_apis/serviceendpoint/endpoints", params={"authSchemes": WIF})["value"]
    assert all(e["authorization"]["scheme"] == WIF for e in wif) and wif


# ---------------------------------------------------------------------------------------------- faults
def test_lost_answer_to_the_conversion_then_retry(ado, emu):
    """fault "after": the conversion is applied, the answer is lost (reset) or replaced (5xx); a retry is harmless."""
    auto, other = seed(emu, {"name": "sc-auto", "identity": "automatic"}, {"name": "sc-auto-2", "identity": "automatic"})
    legacy = get(ado, auto)
    rule = {"method": "PUT", "service": "azdo", "path": f"/serviceendpoint/endpoints/{auto['id']}$", "reset": True,
            "after": True}
    assert emu.admin("POST", "/faults", json=rule).status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        put(ado, auto["id"], entra_body(legacy))
    converted = get(ado, auto)
    assert pair(converted)[0].startswith(ENTRA_PREFIX) and converted["isReady"] is True and converted["id"] == auto["id"]
    fics = app_fics(emu, auto["identity"]["clientId"])
    retry = put(ado, auto["id"], entra_body(legacy))
    assert retry.status_code == 200 and pair(retry.json()) == pair(converted)
    assert app_fics(emu, auto["identity"]["clientId"]) == fics  # no second credential
    rule.update({"path": f"/serviceendpoint/endpoints/{other['id']}$", "reset": False, "status": 503})
    assert emu.admin("POST", "/faults", json=rule).status_code == 200
    assert put(ado, other["id"], entra_body(get(ado, other))).status_code == 503
    assert pair(get(ado, other))[0].startswith(ENTRA_PREFIX)
    # Without "after" a fault never reaches the handler (unchanged behaviour).
    third = seed(emu, {"name": "sc-auto-3", "identity": "automatic"})[0]
    rule.update({"path": f"/serviceendpoint/endpoints/{third['id']}$", "after": False})
    assert emu.admin("POST", "/faults", json=rule).status_code == 200
    assert put(ado, third["id"], entra_body(get(ado, third))).status_code == 503
    assert pair(get(ado, third))[0].startswith(LEGACY_PREFIX)


def test_automatic_user_mode_depends_on_the_caller(ado, emu):
    emu.config(azdo_issuer_auto_fic="automatic-user")
    by_sp, by_user = seed(emu, {"name": "sc-auto-sp", "identity": "automatic"},
                          {"name": "sc-auto-user", "identity": "automatic"})
    refused = ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{by_sp['id']}", json=entra_body(get(ado, by_sp)),
                       auth="token")
    assert_azdo_error(refused, 400, "ServiceEndpointException", by_sp["identity"]["clientId"])
    converted = put(ado, by_user["id"], entra_body(get(ado, by_user)))  # PAT of a user
    assert converted.status_code == 200 and converted.json()["isReady"] is True


def test_no_room_for_another_credential_means_a_hand_off(ado, emu):
    emu.config(azdo_issuer_auto_fic="same-tenant")
    seeded = seed(emu, {"name": "sc-full", "identity": "app"})[0]
    for index in range(19):  # the seed added one; 20 is the limit [CONTRACTS 7]
        ado.add_fic(seeded["identity"]["clientId"], "https://issuer.example", f"subject-{index}", name=f"f{index}")
    refused = put(ado, seeded["id"], entra_body(get(ado, seeded)))
    assert_azdo_error(refused, 400, "ServiceEndpointException", "Subject identifier")
    assert len(app_fics(emu, seeded["identity"]["clientId"])) == 20


# ---------------------------------------------------------------------------------------------- one algorithm, every setting
def _send_conversion(ado, endpoint: dict, memo: dict):
    """The issuer-type request, else the operation request; the form that the service took (answered with the
    Entra issuer or a hand-off) is remembered and used alone from then on (see docs/issuer-migration.md)."""
    minimal = {"id": endpoint["id"], "type": endpoint["type"],
               "authorization": {"scheme": WIF, "parameters": {"workloadIdentityFederationIssuerType": "EntraID"}},
               "serviceEndpointProjectReferences": endpoint["serviceEndpointProjectReferences"]}
    attempts = {"issuer-type": lambda: put(ado, endpoint["id"], entra_body(endpoint)),
                "operation": lambda: put(ado, endpoint["id"], minimal, CONVERT)}
    for form in [memo["form"]] if memo.get("form") else ["issuer-type", "operation"]:
        resp = attempts[form]()
        handoff = resp.status_code == 400 and resp.json()["typeKey"] == "ServiceEndpointException"
        if handoff or (resp.status_code == 200 and not pair(resp.json())[0].startswith(LEGACY_PREFIX)):
            memo["form"] = form
            return resp
    return resp


@pytest.mark.parametrize("form", ["issuer-type", "operation", "save"])
@pytest.mark.parametrize("auto_fic", ["automatic", "automatic-user", "same-tenant", "never"])
@pytest.mark.parametrize("manual", ["error", "pending"])
def test_one_client_algorithm_converts_under_every_setting(ado, emu, form, auto_fic, manual):
    emu.config(azdo_issuer_convert_form=form, azdo_issuer_auto_fic=auto_fic, azdo_issuer_manual_result=manual)
    mi, docker = seed(emu, {"name": "sc-mi"}, {"name": "sc-acr", "type": "dockerregistry"})
    memo: dict = {}
    for item in (mi, docker):
        endpoint = get(ado, item)
        resp = _send_conversion(ado, endpoint, memo)
        if resp.status_code == 400:
            body = assert_azdo_error(resp, 400, "ServiceEndpointException")
            issuer, subject, _aud = handoff_values(body["message"])
        else:
            assert resp.status_code == 200, resp.text
            issuer, subject = pair(resp.json())
            assert issuer.startswith(ENTRA_PREFIX)
        if not (resp.status_code == 200 and resp.json()["isReady"]):
            assert add_msi_fic(emu, item["identity"]["resourceId"], issuer, subject).status_code in (200, 201)
            resp = _send_conversion(ado, get(ado, item) if manual == "pending" else endpoint, memo)
            assert resp.status_code == 200, resp.text
        final = get(ado, item)
        assert final["id"] == item["id"] and final["isReady"] is True
        assert pair(final) == (issuer, subject) and issuer.startswith(ENTRA_PREFIX)


def _exchange(emu, tenant: str, client_id: str, issuer: str, subject: str):
    assertion = emu.admin("POST", "/token", json={"audience": AUDIENCE, "claims": {"iss": issuer, "sub": subject}})
    assert assertion.status_code == 200, assertion.text
    return emu.request("POST", f"/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion.json()["access_token"], "scope": "https://management.azure.com/.default"})


def test_entra_refuses_the_entra_issuer_for_multitenant_apps(ado, emu):
    """AADSTS70052 [D-TS]: a multitenant app keeps working with the Azure DevOps issuer only."""
    multi = seed(emu, {"name": "sc-multi", "identity": "multitenantApp"})[0]
    tenant, client = ado.info["tenant_id"], multi["identity"]["clientId"]
    assert _exchange(emu, tenant, client, multi["issuer"], multi["subject"]).status_code == 200
    entra_issuer = f"{ENTRA_PREFIX}{tenant}/v2.0"
    ado.add_fic(client, entra_issuer, "/eid1/c/pub/t/x/a/y/sc/z/w", name="entra")
    refused = _exchange(emu, tenant, client, entra_issuer, "/eid1/c/pub/t/x/a/y/sc/z/w")
    assert refused.status_code == 400 and refused.json()["error_codes"] == [70052], refused.text
    # Azure DevOps verifies with the same exchange: a new Entra connection on that app cannot be finished.
    draft = ado.create(ado.body("sc-multi-new", client_id=client, draft=True))
    issuer, subject = pair(draft)
    ado.add_fic(client, issuer, subject, name="entra-new")
    finish = dict(draft, isReady=True, data={k: v for k, v in draft["data"].items() if k != "isDraft"})
    # With azdo_finish_without_fic "failed" (the default) the finish leaves the connection Failed, quoting Entra.
    failed = put(ado, draft["id"], finish)
    assert failed.status_code == 200 and not failed.json()["isReady"], failed.text
    assert failed.json()["operationStatus"]["state"] == "Failed"
    assert "AADSTS70052" in failed.json()["operationStatus"]["statusMessage"]
