# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps service endpoints: WIF issuers, drafts, readiness, conversion, duplicates, sharing, not-found modes."""

from __future__ import annotations

import datetime
import uuid

import pytest

from .azdo_support import AUDIENCE, SPN, WIF, Azdo, assert_azdo_error

ENDPOINT_KEYS = {"data", "id", "name", "type", "url", "createdBy", "description", "authorization", "isShared", "isReady",
                 "isOutdated", "isDisabled", "owner", "serviceEndpointProjectReferences", "operationStatus",
                 "serviceManagementReference"}
MSI_API = "2023-01-31"


@pytest.fixture
def ado(emu):
    return Azdo(emu)


def pair(endpoint: dict) -> tuple[str, str]:
    params = endpoint["authorization"]["parameters"]
    return params["workloadIdentityFederationIssuer"], params["workloadIdentityFederationSubject"]


def finish_body(endpoint: dict) -> dict:
    body = dict(endpoint, isReady=True)
    body["data"] = {k: v for k, v in endpoint["data"].items() if k != "isDraft"}
    return body


def stored(ado, endpoint_id: str) -> dict:
    return next(e for e in ado.state()["serviceEndpoints"] if e["id"] == endpoint_id)


def directory_app(emu, app_id: str) -> dict | None:
    return next((a for a in emu.admin("GET", "/state").json()["applications"] if a["appId"] == app_id), None)


# ---------------------------------------------------------------------------------------------- create
def test_create_manual_wif_with_entra_issuer(ado):
    app = ado.new_app()
    created = ado.create(ado.body("sc-wif", client_id=app["appId"]))
    assert set(created) == ENDPOINT_KEYS
    params = created["authorization"]["parameters"]
    issuer, subject = pair(created)
    assert issuer == f"https://login.microsoftonline.com/{ado.info['tenant_id']}/v2.0"
    assert subject.startswith("/eid1/c/pub/t/") and subject.endswith(f"/sc/{ado.info['organization_id']}/{created['id']}")
    assert params["workloadIdentityFederationIssuerType"] == "EntraID"
    assert params["serviceprincipalid"] == app["appId"] and params["tenantid"] == ado.info["tenant_id"]
    assert created["isReady"] is True and created["operationStatus"] == {"state": "Ready", "statusMessage": ""}
    assert created["isShared"] is False and created["owner"] == "library"
    assert created["createdBy"]["displayName"] == "Emulator Administrator"
    assert ado.get(created["id"]).json() == created


def test_azdo_issuer_mode_and_requested_issuer_type(ado, emu):
    emu.config(azdo_issuer="azdo")
    app = ado.new_app()
    created = ado.create(ado.body("sc-legacy", client_id=app["appId"]))
    assert pair(created) == (f"https://vstoken.dev.azure.com/{ado.info['organization_id']}",
                             f"sc://{ado.info['organization']}/{ado.project}/sc-legacy")
    assert created["authorization"]["parameters"]["workloadIdentityFederationIssuerType"] == "AzureDevOps"
    renamed = ado.put(dict(created, name="sc-renamed"))
    assert pair(renamed)[1].endswith("/sc-renamed")  # the Azure DevOps subject follows renames
    entra = ado.create(ado.body("sc-entra", client_id=app["appId"],
                                parameters={"workloadIdentityFederationIssuerType": "EntraID"}))
    assert pair(entra)[0].startswith("https://login.microsoftonline.com/")
    emu.config(azdo_issuer="entra")
    china = ado.create(ado.body("sc-china", client_id=app["appId"], data={"environment": "AzureChinaCloud"}))
    assert pair(china)[0].startswith("https://vstoken.dev.azure.com/")
    assert china["url"] == "https://management.azure.com/"


def test_create_needs_a_visible_project_reference(ado):
    body = ado.body("sc-none", client_id=str(uuid.uuid4()))
    body["serviceEndpointProjectReferences"] = []
    assert_azdo_error(ado.call("POST", "/_apis/serviceendpoint/endpoints", json=body), 400, "ArgumentException",
                      "At least one project reference required to create an endpoint.")
    unknown = ado.body("sc-none", client_id=str(uuid.uuid4()), projects=[(str(uuid.uuid4()), "gone")])
    assert_azdo_error(ado.call("POST", "/_apis/serviceendpoint/endpoints", json=unknown), 404,
                      "ProjectDoesNotExistWithNameException")
    assert_azdo_error(ado.call("POST", "/_apis/serviceendpoint/endpoints", data="not json",
                               headers={"Content-Type": "application/json"}), 400, "ArgumentNullException")
    missing_id = ado.body("sc-none")
    assert_azdo_error(ado.call("POST", "/_apis/serviceendpoint/endpoints", json=missing_id), 400, "ArgumentException",
                      "serviceprincipalid")
    via_project = dict(ado.body("sc-project-url", client_id=str(uuid.uuid4())), serviceEndpointProjectReferences=[])
    created = ado.ok("POST", f"/{ado.project}/_apis/serviceendpoint/endpoints", json=via_project)
    assert created["serviceEndpointProjectReferences"][0]["projectReference"]["id"] == ado.project_id


def test_duplicate_names_include_hidden_and_foreign_endpoints(ado, emu):
    ado.create(ado.body("dup", client_id=str(uuid.uuid4())))
    again = ado.call("POST", "/_apis/serviceendpoint/endpoints", json=ado.body("DUP", client_id=str(uuid.uuid4())))
    body = assert_azdo_error(again, 400, "DuplicateServiceConnectionException")
    assert body["message"] == ("Service connection with name DUP already exists. Only a user having Administrator/User "
                               "role permissions on service connection DUP can see it.")
    draft = ado.create(ado.body("hidden", client_id=str(uuid.uuid4()), draft=True))
    failed = ado.put(finish_body(draft))
    assert failed["operationStatus"]["state"] == "Failed" and ado.by_name("hidden") == []
    assert_azdo_error(ado.call("POST", "/_apis/serviceendpoint/endpoints", json=ado.body("hidden", client_id="x")), 400,
                      "DuplicateServiceConnectionException")
    seeded = emu.seed({"projects": [{"name": "private-team"}]})["projects"][0]
    foreign = ado.create(ado.body("foreign", client_id=str(uuid.uuid4()), projects=[(seeded["id"], "private-team")]))
    assert ado.call("PATCH", f"/_apis/serviceendpoint/endpoints/{foreign['id']}", json=[
        {"projectReference": {"id": ado.project_id, "name": ado.project}, "name": "foreign"}]).status_code == 204
    outsider = ado.new_app("contributor")
    emu.seed({"azdoServicePrincipals": [{"originId": outsider["principalId"], "projectEntitlements": [
        {"project": ado.project, "group": "projectContributor"}]}]})
    token = ado.sp_token(outsider["appId"], outsider["secrets"][0]["value"])
    clash = ado.call("POST", "/_apis/serviceendpoint/endpoints", auth=token,
                     json=ado.body("foreign", client_id=str(uuid.uuid4())))
    assert_azdo_error(clash, 400, "DuplicateServiceConnectionException")
    assert_azdo_error(ado.call("GET", "/private-team/_apis/serviceendpoint/endpoints", auth=token), 404,
                      "ProjectDoesNotExistWithNameException")


# ---------------------------------------------------------------------------------------------- drafts and readiness
def test_draft_then_federated_credential_then_finish(ado, emu):
    emu.config(azdo_finish_without_fic="error")  # the selectable strict answer: 400, nothing changes
    app = ado.new_app()
    draft = ado.create(ado.body("sc-draft", client_id=app["appId"], draft=True))
    assert draft["isReady"] is False and draft["data"]["isDraft"] == "True"
    issuer, subject = pair(draft)
    assert issuer and subject.endswith(draft["id"])
    refused = ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{draft['id']}", json=finish_body(draft))
    body = assert_azdo_error(refused, 400, "ServiceEndpointException", "AADSTS70021")
    assert f"Assertion Issuer: '{issuer}'" in body["message"] and f"Assertion Subject: '{subject}'" in body["message"]
    assert ado.get(draft["id"]).json()["data"]["isDraft"] == "True"
    still = ado.put(dict(draft, description="edited while draft"))
    assert still["isReady"] is False and still["data"]["isDraft"] == "True"
    ado.add_fic(app["appId"], issuer, subject)
    ready = ado.put(finish_body(still))
    assert ready["isReady"] is True and "isDraft" not in ready["data"]
    assert ready["operationStatus"] == {"state": "Ready", "statusMessage": ""}
    assert pair(ready) == (issuer, subject)


def test_finish_without_credential_in_failed_mode(ado, emu):
    """Default: the finish leaves draft and the connection stays Failed (hidden from lists unless includeFailed)."""
    assert emu.admin("GET", "/config").json()["azdo_finish_without_fic"] == "failed"
    app = ado.new_app()
    draft = ado.create(ado.body("sc-fails", client_id=app["appId"], draft=True))
    failed = ado.put(finish_body(draft))
    assert failed["isReady"] is False and failed["operationStatus"]["state"] == "Failed"
    assert "AADSTS70021" in failed["operationStatus"]["statusMessage"]
    assert ado.by_name("sc-fails") == []
    assert [e["id"] for e in ado.by_name("sc-fails", include_failed=True)] == [draft["id"]]
    assert ado.get(draft["id"]).json()["operationStatus"]["state"] == "Failed"
    ado.add_fic(app["appId"], *pair(draft))
    assert ado.put(finish_body(failed))["isReady"] is True


def test_ready_delay_reports_in_progress(ado, emu):
    emu.freeze()
    emu.config(azdo_ready_delay=30)
    created = ado.create(ado.body("sc-slow", client_id=str(uuid.uuid4())))
    assert created["isReady"] is False and created["operationStatus"]["state"] == "InProgress"
    emu.advance(29)
    assert ado.get(created["id"]).json()["operationStatus"]["state"] == "InProgress"
    emu.advance(1)
    assert ado.get(created["id"]).json()["operationStatus"]["state"] == "Ready"


def test_verify_on_create_with_a_pre_created_credential(ado, emu):
    emu.config(azdo_verify_on_create=True, azdo_issuer="azdo")
    bare = ado.new_app("bare")
    failed = ado.create(ado.body("sc-w", client_id=bare["appId"]))  # default azdo_finish_without_fic: "failed"
    assert failed["isReady"] is False and failed["operationStatus"]["state"] == "Failed"
    emu.config(azdo_finish_without_fic="error")
    assert_azdo_error(ado.call("POST", "/_apis/serviceendpoint/endpoints", json=ado.body("sc-v", client_id=bare["appId"])),
                      400, "ServiceEndpointException", "AADSTS70021")
    issuer = f"https://vstoken.dev.azure.com/{ado.info['organization_id']}"
    subject = f"sc://{ado.info['organization']}/{ado.project}/sc-v"
    trusted = ado.new_app("trusted", fics=[{"name": "azdo", "issuer": issuer, "subject": subject, "audiences": [AUDIENCE]}])
    assert ado.create(ado.body("sc-v", client_id=trusted["appId"]))["isReady"] is True


def test_finish_with_a_user_assigned_managed_identity(ado, emu):
    base = f"/subscriptions/{emu.sub}/resourceGroups/{emu.info['resource_group']}/providers/" \
           "Microsoft.ManagedIdentity/userAssignedIdentities/id-azdo"
    put = emu.arm("PUT", base, api_version=MSI_API, json={"location": "eastus"})
    if put.status_code == 404:
        pytest.skip("managed identity service not available")
    assert put.status_code in (200, 201), put.text
    client_id = put.json()["properties"]["clientId"]
    draft = ado.create(ado.body("sc-mi", client_id=client_id, draft=True))
    issuer, subject = pair(draft)
    fic = emu.arm("PUT", base + "/federatedIdentityCredentials/azdo", api_version=MSI_API,
                  json={"properties": {"issuer": issuer, "subject": subject, "audiences": [AUDIENCE]}})
    assert fic.status_code in (200, 201), fic.text
    assert ado.put(finish_body(draft))["isReady"] is True


# ---------------------------------------------------------------------------------------------- automatic mode
def test_automatic_creation_builds_the_identity(ado, emu):
    wif = ado.create(ado.body("sc-auto-wif", creation="Automatic"))
    spid = wif["authorization"]["parameters"]["serviceprincipalid"]
    app = directory_app(emu, spid)
    assert app is not None
    assert [(f["issuer"], f["subject"]) for f in app["federatedIdentityCredentials"]] == [pair(wif)]
    assert wif["isReady"] is True and wif["data"]["spnObjectId"] == app["principalId"]
    assignments = [ra for ra in emu.admin("GET", "/state").json()["roleAssignments"]
                   if ra["principalId"] == app["principalId"]]
    assert [ra["scope"] for ra in assignments] == [f"/subscriptions/{emu.sub}"]
    assert wif["data"]["azureSpnRoleAssignmentId"] == assignments[0]["name"]
    spn = ado.create(ado.body("sc-auto-spn", scheme=SPN, creation="Automatic",
                              parameters={"scope": f"/subscriptions/{emu.sub}/resourceGroups/{emu.info['resource_group']}",
                                          "role": "Reader"}))
    assert spn["authorization"]["parameters"]["serviceprincipalkey"] is None
    assert directory_app(emu, spn["authorization"]["parameters"]["serviceprincipalid"])["secrets"]
    bad_scope = ado.body("sc-auto-bad", creation="Automatic", parameters={"scope": f"/subscriptions/{uuid.uuid4()}"})
    assert_azdo_error(ado.call("POST", "/_apis/serviceendpoint/endpoints", json=bad_scope), 400, "ServiceEndpointException")


def test_automatic_creation_by_a_service_principal(ado, emu):
    refused = ado.call("POST", "/_apis/serviceendpoint/endpoints", auth="token",
                       json=ado.body("sc-auto", creation="Automatic"))
    assert_azdo_error(refused, 400, "ServiceEndpointException", "creationMode Manual")
    emu.config(azdo_automatic_requires_user=False)
    created = ado.create(ado.body("sc-auto", creation="Automatic"), auth="token")
    assert created["createdBy"]["displayName"] == "emulator-client"


# ---------------------------------------------------------------------------------------------- updates
def test_secrets_are_never_returned_and_kept_on_update(ado, emu):
    created = ado.create(ado.body("sc-secret", scheme=SPN, client_id=str(uuid.uuid4())))
    assert created["authorization"]["parameters"]["serviceprincipalkey"] is None
    ado.put(created)
    assert stored(ado, created["id"])["secrets"]["serviceprincipalkey"][1] == "s3cret"
    changed = dict(created, authorization={"scheme": SPN, "parameters": dict(
        created["authorization"]["parameters"], serviceprincipalkey="n3w")})
    ado.put(changed)
    assert stored(ado, created["id"])["secrets"]["serviceprincipalkey"][1] == "n3w"
    emu.config(azdo_put_keeps_secret=False)
    ado.put(created)
    assert stored(ado, created["id"])["secrets"] == {}
    missing_key = ado.body("sc-nokey", scheme=SPN, client_id=str(uuid.uuid4()), parameters={"serviceprincipalkey": None})
    assert_azdo_error(ado.call("POST", "/_apis/serviceendpoint/endpoints", json=missing_key), 400, "ArgumentException")


def test_update_rules(ado):
    one = ado.create(ado.body("sc-one", client_id=str(uuid.uuid4())))
    ado.create(ado.body("sc-two", client_id=str(uuid.uuid4())))
    path = f"/_apis/serviceendpoint/endpoints/{one['id']}"
    assert_azdo_error(ado.call("PUT", path, json=dict(one, name="SC-TWO")), 400, "DuplicateServiceConnectionException")
    moved = dict(one, data=dict(one["data"], subscriptionId=str(uuid.uuid4())))
    assert_azdo_error(ado.call("PUT", path, json=moved), 400, "ArgumentException", "subscriptionId")
    rescheme = dict(one, authorization={"scheme": SPN, "parameters": {}})
    assert_azdo_error(ado.call("PUT", path, json=rescheme), 400, "ArgumentException", "ConvertAuthenticationScheme")
    assert_azdo_error(ado.call("PUT", path, json=dict(one, type="generic")), 400, "ArgumentException")
    assert_azdo_error(ado.call("PUT", path, json=one, params={"operation": "Refresh"}), 400, "ArgumentException")
    assert ado.get(one["id"]).json() == one  # rejected updates change nothing
    updated = ado.put(dict(one, description="d", serviceManagementReference="ref-1", name="sc-one-renamed"))
    assert updated["description"] == "d" and updated["serviceManagementReference"] == "ref-1"
    assert updated["name"] == "sc-one-renamed"
    assert updated["serviceEndpointProjectReferences"][0]["name"] == "sc-one-renamed"
    assert_azdo_error(ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{uuid.uuid4()}", json=one), 404,
                      "ServiceEndpointNotFoundException")
    many = ado.ok("PUT", "/_apis/serviceendpoint/endpoints", json=[dict(updated, description="batch")])
    assert many["count"] == 1 and many["value"][0]["description"] == "batch"


# ---------------------------------------------------------------------------------------------- conversion
def test_convert_automatic_connection_and_revert(ado, emu):
    seeded = ado.by_name("sc-automatic-spn")[0]
    minimal = {"id": seeded["id"], "type": "azurerm", "authorization": {"scheme": WIF},
               "serviceEndpointProjectReferences": seeded["serviceEndpointProjectReferences"]}
    before = datetime.datetime.now(datetime.timezone.utc)
    converted = ado.put(minimal, operation="ConvertAuthenticationScheme")
    assert converted["authorization"]["scheme"] == WIF and converted["isReady"] is True
    deadline = datetime.datetime.fromisoformat(converted["data"]["revertSchemeDeadline"].replace("Z", "+00:00"))
    assert datetime.timedelta(days=6.99) < deadline - before < datetime.timedelta(days=7.01)
    assert "serviceprincipalkey" not in converted["authorization"]["parameters"]
    app = directory_app(emu, converted["authorization"]["parameters"]["serviceprincipalid"])
    assert pair(converted) in [(f["issuer"], f["subject"]) for f in app["federatedIdentityCredentials"]]
    same = ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{seeded['id']}", json=minimal,
                    params={"operation": "ConvertAuthenticationScheme"})
    assert_azdo_error(same, 400, "ArgumentException",
                      "Converting endpoint type azurerm scheme from WorkloadIdentityFederation to "
                      "WorkloadIdentityFederation is neither an upgrade or a downgrade and is not supported.")
    reverted = ado.put(dict(minimal, authorization={"scheme": SPN}), operation="ConvertAuthenticationScheme")
    assert reverted["authorization"]["scheme"] == SPN and "revertSchemeDeadline" not in reverted["data"]
    assert reverted["authorization"]["parameters"]["serviceprincipalkey"] is None
    assert_azdo_error(ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{seeded['id']}", params={
        "operation": "ConvertAuthenticationScheme"}, json=dict(minimal, authorization={"scheme": SPN})), 400,
        "ArgumentException")


def test_revert_after_the_deadline_fails(ado, emu):
    emu.freeze()
    emu.config(azdo_revert_seconds=60)
    seeded = ado.by_name("sc-automatic-spn")[0]
    converted = ado.put(dict(seeded, authorization={"scheme": WIF}), operation="ConvertAuthenticationScheme")
    emu.advance(60.01)
    late = ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{seeded['id']}",
                    params={"operation": "ConvertAuthenticationScheme"},
                    json=dict(converted, authorization={"scheme": SPN}))
    assert_azdo_error(late, 400, "ArgumentException", "revert period")
    assert ado.get(seeded["id"]).json()["authorization"]["scheme"] == WIF


def test_manual_conversion_needs_a_matching_credential(ado):
    seeded = ado.by_name("sc-manual-spn")[0]
    body = dict(seeded, authorization={"scheme": WIF})
    refused = ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{seeded['id']}",
                       params={"operation": "ConvertAuthenticationScheme"}, json=body)
    assert_azdo_error(refused, 400, "ArgumentException",
                      "The authorization scheme could not be upgraded to WorkloadIdentityFederation because the service "
                      "principal could not be configured automatically, and no valid configuration exists.")
    prospective = stored(ado, seeded["id"])
    ado.add_fic(seeded["authorization"]["parameters"]["serviceprincipalid"], prospective["wifIssuer"],
                prospective["wifSubject"])
    converted = ado.put(body, operation="ConvertAuthenticationScheme")
    assert pair(converted) == (prospective["wifIssuer"], prospective["wifSubject"])
    assert_azdo_error(ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{seeded['id']}", params={
        "operation": "ConvertAuthenticationScheme"}, json=dict(converted, authorization={"scheme": SPN})), 400,
        "ArgumentException", "creationMode Automatic")


def test_shared_and_azure_stack_connections_cannot_convert(ado, emu):
    other = emu.seed({"projects": [{"name": "second"}]})["projects"][0]
    seeded = ado.by_name("sc-automatic-spn")[0]
    ado.ok("PATCH", f"/_apis/serviceendpoint/endpoints/{seeded['id']}", status=204,
           json=[{"projectReference": {"id": other["id"], "name": "second"}, "name": "shared-copy"}])
    refused = ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{seeded['id']}",
                       params={"operation": "ConvertAuthenticationScheme"}, json=dict(seeded, authorization={"scheme": WIF}))
    assert_azdo_error(refused, 400, "ArgumentException", "shared")
    stack = ado.create(ado.body("sc-stack", scheme=SPN, client_id=str(uuid.uuid4()),
                                data={"environment": "AzureStack"}, url="https://stack.example.com/"))
    refused = ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{stack['id']}",
                       params={"operation": "ConvertAuthenticationScheme"}, json=dict(stack, authorization={"scheme": WIF}))
    assert_azdo_error(refused, 400, "ServiceEndpointException", "Azure Stack")


def test_asynchronous_conversion(ado, emu):
    emu.freeze()
    emu.config(azdo_convert_async=True, azdo_convert_seconds=20)
    seeded = ado.by_name("sc-automatic-spn")[0]
    converted = ado.put(dict(seeded, authorization={"scheme": WIF}), operation="ConvertAuthenticationScheme")
    assert converted["isReady"] is False and converted["operationStatus"]["state"] == "InProgress"
    emu.advance(19)
    assert ado.get(seeded["id"]).json()["isReady"] is False
    emu.advance(1)
    assert ado.get(seeded["id"]).json()["isReady"] is True


# ---------------------------------------------------------------------------------------------- not found
@pytest.mark.parametrize("mode", ["404", "200-null", "200-null-id", "200-null-authorization"])
def test_missing_endpoint_modes(ado, emu, mode):
    emu.config(azdo_missing_endpoint=mode)
    other = emu.seed({"projects": [{"name": "elsewhere"}]})["projects"][0]
    elsewhere = ado.create(ado.body("sc-elsewhere", client_id=str(uuid.uuid4()), projects=[(other["id"], "elsewhere")]))
    for missing in (str(uuid.uuid4()), elsewhere["id"]):
        resp = ado.get(missing)
        if mode == "404":
            assert_azdo_error(resp, 404, "ServiceEndpointNotFoundException")
            continue
        assert resp.status_code == 200
        if mode == "200-null":
            assert resp.content == b"null"
        elif mode == "200-null-id":
            assert resp.json()["id"] is None and resp.json()["authorization"]["scheme"] is None
        else:
            assert resp.json()["id"] == missing and resp.json()["authorization"] is None


# ---------------------------------------------------------------------------------------------- sharing and delete
def test_share_unshare_and_delete(ado, emu):
    other = emu.seed({"projects": [{"name": "second"}]})["projects"][0]
    created = ado.create(ado.body("sc-share", client_id=str(uuid.uuid4())))
    path = f"/_apis/serviceendpoint/endpoints/{created['id']}"
    ref = {"projectReference": {"id": other["id"], "name": "second"}, "name": "sc-in-second"}
    assert ado.call("PATCH", path, json=[ref]).status_code == 204
    main = ado.get(created["id"]).json()
    assert main["isShared"] is True and main["name"] == "sc-share"
    assert len(main["serviceEndpointProjectReferences"]) == 2
    assert ado.get(created["id"], project="second").json()["name"] == "sc-in-second"
    assert ado.by_name("sc-in-second", project="second")[0]["id"] == created["id"]
    assert_azdo_error(ado.call("PATCH", path, json=[ref]), 400, "ArgumentException", "already shared")
    emu.config(azdo_share_existing="ignore")
    assert ado.call("PATCH", path, json=[ref]).status_code == 204
    assert_azdo_error(ado.call("DELETE", path), 400, "ArgumentNullException", "projectIds")
    assert ado.call("DELETE", path, params={"projectIds": other["id"]}).status_code == 204
    after = ado.get(created["id"]).json()
    assert after["isShared"] is False and len(after["serviceEndpointProjectReferences"]) == 1
    assert ado.call("PATCH", path, json=[ref]).status_code == 204
    assert ado.call("DELETE", path, params={"projectIds": ado.project_id}).status_code == 204
    emu.config(azdo_missing_endpoint="404")
    assert ado.get(created["id"]).status_code == 404
    assert ado.get(created["id"], project="second").status_code == 404
    assert_azdo_error(ado.call("DELETE", path, params={"projectIds": ado.project_id}), 404,
                      "ServiceEndpointNotFoundException")
    emu.config(azdo_delete_missing_endpoint=204)
    assert ado.call("DELETE", path, params={"projectIds": ado.project_id}).status_code == 204


def test_share_into_a_project_with_the_same_name_fails(ado, emu):
    other = emu.seed({"projects": [{"name": "second"}]})["projects"][0]
    ado.create(ado.body("taken", client_id=str(uuid.uuid4()), projects=[(other["id"], "second")]))
    mine = ado.create(ado.body("mine", client_id=str(uuid.uuid4())))
    clash = ado.call("PATCH", f"/_apis/serviceendpoint/endpoints/{mine['id']}",
                     json=[{"projectReference": {"id": other["id"]}, "name": "taken"}])
    assert_azdo_error(clash, 400, "DuplicateServiceConnectionException")


def test_deep_delete_removes_the_automatic_identity(ado, emu):
    keep = ado.create(ado.body("sc-keep", creation="Automatic"))
    drop = ado.create(ado.body("sc-drop", creation="Automatic"))
    ado.ok("DELETE", f"/_apis/serviceendpoint/endpoints/{keep['id']}", status=204, params={"projectIds": ado.project_id})
    ado.ok("DELETE", f"/_apis/serviceendpoint/endpoints/{drop['id']}", status=204,
           params={"projectIds": ado.project_id, "deep": "true"})
    assert directory_app(emu, keep["authorization"]["parameters"]["serviceprincipalid"]) is not None
    assert directory_app(emu, drop["authorization"]["parameters"]["serviceprincipalid"]) is None
    principals = {ra["principalId"] for ra in emu.admin("GET", "/state").json()["roleAssignments"]}
    assert drop["data"]["spnObjectId"] not in principals and keep["data"]["spnObjectId"] in principals


# ---------------------------------------------------------------------------------------------- lists
def test_list_filters(ado):
    ado.create(ado.body("sc-a", client_id=str(uuid.uuid4())))
    generic = {"name": "gen", "type": "Generic", "url": "https://example.com", "owner": "agentcloud",
               "authorization": {"scheme": "UsernamePassword", "parameters": {"username": "u", "password": "p"}},
               "serviceEndpointProjectReferences": [{"projectReference": {"id": ado.project_id}, "name": "gen"}]}
    gen = ado.create(generic)
    assert gen["authorization"]["parameters"] == {"username": "u", "password": None}
    path = f"/{ado.project}/_apis/serviceendpoint/endpoints"

    def names(**params):
        return sorted(e["name"] for e in ado.ok("GET", path, params=params)["value"])

    assert names() == ["gen", "sc-a", "sc-automatic-spn", "sc-manual-spn"]
    assert names(type="AZURERM") == ["sc-a", "sc-automatic-spn", "sc-manual-spn"]
    assert names(authSchemes="ServicePrincipal,UsernamePassword") == ["gen", "sc-automatic-spn", "sc-manual-spn"]
    assert names(owner="agentcloud") == ["gen"]
    assert names(endpointIds=gen["id"]) == ["gen"]
    assert names(endpointNames="sc-a,GEN") == ["gen", "sc-a"]
    assert names(endpointNames="nothing") == []
