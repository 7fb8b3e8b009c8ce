# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Graph v1.0: applications, federated credentials, passwords, service principals."""

from __future__ import annotations

import base64
import datetime
import json
import time
import uuid

import pytest

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MGMT_SCOPE = "https://management.azure.com/.default"
ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "api://AzureADTokenExchange"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
# Top-level keys of an application / service principal in the 2023 azure-cli recordings.
APP_KEYS = {"id", "deletedDateTime", "appId", "applicationTemplateId", "disabledByMicrosoftStatus", "createdDateTime",
            "displayName", "description", "groupMembershipClaims", "identifierUris", "isDeviceOnlyAuthSupported",
            "isFallbackPublicClient", "notes", "publisherDomain", "serviceManagementReference", "signInAudience", "tags",
            "tokenEncryptionKeyId", "samlMetadataUrl", "defaultRedirectUri", "certification", "optionalClaims",
            "servicePrincipalLockConfiguration", "requestSignatureVerification", "addIns", "api", "appRoles", "info",
            "keyCredentials", "parentalControlSettings", "passwordCredentials", "publicClient", "requiredResourceAccess",
            "verifiedPublisher", "web", "spa"}
SP_KEYS = {"id", "deletedDateTime", "accountEnabled", "alternativeNames", "appDisplayName", "appDescription", "appId",
           "applicationTemplateId", "appOwnerOrganizationId", "appRoleAssignmentRequired", "createdDateTime", "description",
           "disabledByMicrosoftStatus", "displayName", "homepage", "loginUrl", "logoutUrl", "notes",
           "notificationEmailAddresses", "preferredSingleSignOnMode", "preferredTokenSigningKeyThumbprint", "replyUrls",
           "servicePrincipalNames", "servicePrincipalType", "signInAudience", "tags", "tokenEncryptionKeyId",
           "samlSingleSignOnSettings", "addIns", "appRoles", "info", "keyCredentials", "oauth2PermissionScopes",
           "passwordCredentials", "resourceSpecificApplicationPermissions", "verifiedPublisher"}


def graph(emu, method: str, path: str, token: str | None = None, **kwargs):
    headers = dict(kwargs.pop("headers", {}) or {})
    headers.setdefault("Authorization", f"Bearer {token or emu.token(GRAPH_SCOPE)}")
    return emu.request(method, path if path.startswith("https://") else "/v1.0" + path, headers=headers, **kwargs)


def new_app(emu, name: str = "app-one", **extra) -> dict:
    resp = graph(emu, "POST", "/applications", json={"displayName": name, **extra})
    assert resp.status_code == 201, resp.text
    return resp.json()


def new_sp(emu, app_id: str) -> dict:
    resp = graph(emu, "POST", "/servicePrincipals", json={"appId": app_id})
    assert resp.status_code == 201, resp.text
    return resp.json()


def assert_graph_error(resp, status: int, code: str):
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == code, error
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert resp.headers["request-id"] == error["innerError"]["request-id"]


def secret_token(emu, client_id: str, secret: str, scope: str = MGMT_SCOPE):
    return emu.request("POST", f"/{emu.info['tenant_id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope})


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def all_pages(emu, path: str, **kwargs) -> list:
    items, url = [], path
    while url:
        page = graph(emu, "GET", url, **kwargs)
        assert page.status_code == 200, page.text
        items += page.json()["value"]
        url = page.json().get("@odata.nextLink")
        kwargs.pop("params", None)
    return items


def test_authentication(emu):
    assert_graph_error(emu.request("GET", "/v1.0/applications"), 401, "InvalidAuthenticationToken")
    arm = graph(emu, "GET", "/applications", token=emu.token(MGMT_SCOPE))
    assert_graph_error(arm, 401, "InvalidAuthenticationToken")
    assert "audience" in arm.json()["error"]["message"]
    for scope in (f"{emu.base}/.default", "00000003-0000-0000-c000-000000000000/.default", GRAPH_SCOPE):
        assert graph(emu, "GET", "/applications", token=emu.token(scope)).status_code == 200, scope
    minted = emu.admin("POST", "/token", json={"audience": "https://graph.microsoft.com", "lifetime": -10}).json()
    assert_graph_error(graph(emu, "GET", "/applications", token=minted["access_token"]), 401, "InvalidAuthenticationToken")
    unknown = graph(emu, "GET", "/users/me", headers={"client-request-id": "abc"})
    assert_graph_error(unknown, 400, "BadRequest")
    assert unknown.headers["client-request-id"] == "abc"


def test_application_crud(emu):
    app = new_app(emu, "app-crud")
    assert set(app) == APP_KEYS | {"@odata.context"}
    assert app["@odata.context"].endswith("/v1.0/$metadata#applications/$entity")
    assert app["signInAudience"] == "AzureADandPersonalMicrosoftAccount" and app["passwordCredentials"] == []
    assert app["publisherDomain"] == emu.info["tenant_domain"] and app["id"] != app["appId"]
    assert graph(emu, "GET", "/servicePrincipals", params={"$filter": f"appId eq '{app['appId']}'"}).json()["value"] == []
    by_id = graph(emu, "GET", f"/applications/{app['id']}")
    assert by_id.status_code == 200 and by_id.headers["Content-Type"].startswith("application/json;odata.metadata=minimal")
    by_app_id = graph(emu, "GET", f"/applications(appId='{app['appId']}')").json()
    assert by_app_id["id"] == app["id"]
    changes = {"displayName": "app-renamed", "notes": "n", "signInAudience": "AzureADMyOrg"}
    patched = graph(emu, "PATCH", f"/applications/{app['id']}", json=changes)
    assert patched.status_code == 204 and patched.content == b""
    after = graph(emu, "GET", f"/applications/{app['id']}").json()
    assert (after["displayName"], after["notes"], after["signInAudience"]) == ("app-renamed", "n", "AzureADMyOrg")
    selected = graph(emu, "GET", f"/applications/{app['id']}", params={"$select": "appId,displayName"}).json()
    assert set(selected) == {"@odata.context", "appId", "displayName"}
    for flt, count in (("displayName eq 'APP-renamed'", 1), (f"appId eq '{app['appId']}'", 1),
                       ("startswith(displayName,'app-')", 1), ("displayName eq 'nope'", 0)):
        assert len(graph(emu, "GET", "/applications", params={"$filter": flt}).json()["value"]) == count, flt
    assert graph(emu, "DELETE", f"/applications/{app['id']}").status_code == 204
    missing = graph(emu, "GET", f"/applications/{app['id']}")
    assert_graph_error(missing, 404, "Request_ResourceNotFound")
    assert missing.json()["error"]["message"] == (f"Resource '{app['id']}' does not exist or one of its queried "
                                                  "reference-property objects are not present.")
    deleted = graph(emu, "GET", f"/directory/deletedItems/{app['id']}").json()
    assert deleted["deletedDateTime"] and deleted["@odata.type"] == "#microsoft.graph.application"
    assert graph(emu, "DELETE", f"/directory/deletedItems/{app['id']}").status_code == 204
    assert_graph_error(graph(emu, "DELETE", f"/directory/deletedItems/{app['id']}"), 404, "Request_ResourceNotFound")


def test_unique_name_upsert(emu):
    path = "/applications(uniqueName='app-65278')"
    assert_graph_error(graph(emu, "PATCH", path, json={"displayName": "x"}), 404, "Request_ResourceNotFound")
    prefer = {"Prefer": "create-if-missing"}
    created = graph(emu, "PATCH", path, json={"displayName": "Display name"}, headers=prefer)
    assert created.status_code == 201, created.text
    assert created.json()["uniqueName"] == "app-65278" and created.json()["displayName"] == "Display name"
    updated = graph(emu, "PATCH", path, json={"displayName": "Other name"}, headers=prefer)
    assert updated.status_code == 204
    got = graph(emu, "GET", path).json()
    assert got["id"] == created.json()["id"] and got["displayName"] == "Other name"
    assert_graph_error(graph(emu, "PATCH", "/applications(uniqueName='new-one')", json={}, headers=prefer),
                       400, "Request_BadRequest")
    dup = graph(emu, "POST", "/applications", json={"displayName": "d", "uniqueName": "APP-65278"})
    assert_graph_error(dup, 409, "Request_MultipleObjectsWithSameKeyValue")
    immutable = graph(emu, "PATCH", path, json={"uniqueName": "renamed"})
    assert_graph_error(immutable, 400, "Request_BadRequest")


@pytest.mark.parametrize("body", [
    {"displayName": "x", "unknownProperty": 1},
    {"description": "no display name"},
    {"displayName": "x", "signInAudience": "Everyone"},
    {"displayName": "x", "passwordCredentials": [{"displayName": "p"}]},
    {"displayName": "x", "identifierUris": "api://not-a-list"},
])
def test_application_validation(emu, body):
    assert_graph_error(graph(emu, "POST", "/applications", json=body), 400, "Request_BadRequest")


def test_bad_requests(emu):
    raw = graph(emu, "POST", "/applications", data="{nope", headers={"Content-Type": "application/json"})
    assert_graph_error(raw, 400, "BadRequest")
    assert_graph_error(graph(emu, "GET", "/applications", params={"$filter": "notes eq 'x'"}),
                       400, "Request_UnsupportedQuery")
    assert_graph_error(graph(emu, "GET", "/applications", params={"$top": "1000"}), 400, "Request_BadRequest")
    new_app(emu, "uri-owner", identifierUris=["api://shared"])
    clash = graph(emu, "POST", "/applications", json={"displayName": "x", "identifierUris": ["api://shared"]})
    assert_graph_error(clash, 400, "Request_BadRequest")


def test_lists_are_paged(emu):
    emu.config(graph_page_size=2)
    for index in range(4):
        new_app(emu, f"paged-{index}")
    first = graph(emu, "GET", "/applications").json()
    assert len(first["value"]) == 2 and first["@odata.nextLink"].startswith(f"{emu.base}/v1.0/applications?")
    assert "$skiptoken=" in first["@odata.nextLink"]
    names = [a["displayName"] for a in all_pages(emu, "/applications")]
    assert names[0] == "emulator-client" and names[-4:] == [f"paged-{i}" for i in range(4)]
    assert len(names) == len(set(names))  # no page repeats or skips an item
    filtered = all_pages(emu, "/applications", params={"$filter": "startswith(displayName,'paged')", "$top": "3"})
    assert len(filtered) == 4
    top = graph(emu, "GET", "/applications", params={"$top": "3", "$select": "displayName"}).json()
    assert len(top["value"]) == 3 and set(top["value"][0]) == {"displayName"}
    assert "%24select=displayName" in top["@odata.nextLink"] or "$select=displayName" in top["@odata.nextLink"]


def test_service_principals(emu):
    emu.config(replication_delay=0.3)
    app = new_app(emu, "app-sp", identifierUris=["api://app-sp"])
    created = graph(emu, "POST", "/servicePrincipals", json={"appId": app["appId"], "accountEnabled": True})
    assert created.status_code == 201, created.text
    sp = created.json()
    assert set(sp) == SP_KEYS | {"@odata.context"}
    assert sp["servicePrincipalType"] == "Application" and sp["appOwnerOrganizationId"] == emu.info["tenant_id"]
    assert sp["servicePrincipalNames"] == [app["appId"], "api://app-sp"] and sp["appDisplayName"] == "app-sp"
    assert "directoryObjects/" in created.headers["Location"]
    assert graph(emu, "GET", f"/servicePrincipals/{sp['id']}").json()["id"] == sp["id"]
    assert graph(emu, "GET", f"/servicePrincipals(appId='{app['appId']}')").json()["id"] == sp["id"]
    assert_graph_error(graph(emu, "GET", f"/servicePrincipals/{app['appId']}"), 404, "Request_ResourceNotFound")
    for flt in (f"appId eq '{app['appId']}'", "servicePrincipalNames/any(c:c eq 'api://app-sp')",
                "displayName eq 'app-sp'"):
        assert [s["id"] for s in graph(emu, "GET", "/servicePrincipals", params={"$filter": flt}).json()["value"]] == \
            [sp["id"]], flt
    again = graph(emu, "POST", "/servicePrincipals", json={"appId": app["appId"]})
    assert_graph_error(again, 409, "Request_MultipleObjectsWithSameKeyValue")
    unknown_app = str(uuid.uuid4())
    nope = graph(emu, "POST", "/servicePrincipals", json={"appId": unknown_app})
    assert_graph_error(nope, 400, "Request_BadRequest")
    assert "does not reference a valid application object" in nope.json()["error"]["message"]
    # The new service principal is a directory object ARM only sees after the replication delay.
    ra_path = f"{emu.rg_path}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
    ra_body = {"properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                              "principalId": sp["id"]}}
    assert emu.arm("PUT", ra_path, json=ra_body).json()["error"]["code"] == "PrincipalNotFound"
    emu.advance(1.1)  # the session emulator's replication delay
    assert emu.arm("PUT", ra_path, json=ra_body).status_code == 201
    assert graph(emu, "PATCH", f"/servicePrincipals/{sp['id']}", json={"appRoleAssignmentRequired": True}).status_code == 204
    assert graph(emu, "GET", f"/servicePrincipals/{sp['id']}").json()["appRoleAssignmentRequired"] is True
    assert graph(emu, "DELETE", f"/servicePrincipals/{sp['id']}").status_code == 204
    assert_graph_error(graph(emu, "GET", f"/servicePrincipals/{sp['id']}"), 404, "Request_ResourceNotFound")
    assert graph(emu, "GET", f"/applications/{app['id']}").status_code == 200


def test_deleting_the_app_deletes_its_service_principal(emu):
    app = new_app(emu, "app-cascade")
    sp = new_sp(emu, app["appId"])
    assert graph(emu, "DELETE", f"/applications(appId='{app['appId']}')").status_code == 204
    assert_graph_error(graph(emu, "GET", f"/servicePrincipals/{sp['id']}"), 404, "Request_ResourceNotFound")


def test_graph_replication_lag(emu):
    """Read-after-write lag: new applications, service principals and federated credentials answer 404 (and are
    missing from lists) for graph_replication_lag seconds of emulator time; POST /servicePrincipals cannot see
    a new application either."""
    emu.freeze()
    emu.config(graph_replication_lag=2)
    app = new_app(emu, "app-lag")
    early = graph(emu, "POST", "/servicePrincipals", json={"appId": app["appId"]})
    assert_graph_error(early, 400, "Request_BadRequest")
    assert early.json()["error"]["message"] == (f"The appId '{app['appId']}' of the service principal does not "
                                                "reference a valid application object.")
    assert_graph_error(graph(emu, "GET", f"/applications/{app['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph(emu, "GET", f"/applications(appId='{app['appId']}')"), 404, "Request_ResourceNotFound")
    assert app["id"] not in [a["id"] for a in graph(emu, "GET", "/applications").json()["value"]]
    emu.advance(1.9)
    assert graph(emu, "GET", f"/applications/{app['id']}").status_code == 404
    emu.advance(0.1)
    assert graph(emu, "GET", f"/applications/{app['id']}").status_code == 200
    sp = graph(emu, "POST", "/servicePrincipals", json={"appId": app["appId"]})
    assert sp.status_code == 201
    sp_id = sp.json()["id"]
    assert_graph_error(graph(emu, "GET", f"/servicePrincipals/{sp_id}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph(emu, "GET", f"/servicePrincipals(appId='{app['appId']}')"), 404, "Request_ResourceNotFound")
    base = f"/applications/{app['id']}/federatedIdentityCredentials"
    fic = graph(emu, "POST", base, json={"name": "lagging", "issuer": ISSUER, "subject": "s", "audiences": [AUDIENCE]})
    assert fic.status_code == 201
    assert_graph_error(graph(emu, "GET", f"{base}/{fic.json()['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph(emu, "GET", f"{base}/lagging"), 404, "Request_ResourceNotFound")
    assert graph(emu, "GET", base).json()["value"] == []
    emu.advance(2)
    assert graph(emu, "GET", f"/servicePrincipals/{sp_id}").status_code == 200
    assert graph(emu, "GET", f"{base}/lagging").json()["id"] == fic.json()["id"]
    assert [f["name"] for f in graph(emu, "GET", base).json()["value"]] == ["lagging"]


def test_graph_replication_lag_is_off_by_default(emu):
    app = new_app(emu, "app-now")
    assert graph(emu, "GET", f"/applications/{app['id']}").status_code == 200
    fic = graph(emu, "POST", f"/applications/{app['id']}/federatedIdentityCredentials",
                json={"name": "now", "issuer": ISSUER, "subject": "s", "audiences": [AUDIENCE]}).json()
    assert graph(emu, "GET", f"/applications/{app['id']}/federatedIdentityCredentials/{fic['id']}").status_code == 200


def test_application_federated_credentials(emu):
    app = new_app(emu, "app-fic")
    base = f"/applications/{app['id']}/federatedIdentityCredentials"
    body = {"name": "Testing", "issuer": ISSUER, "subject": "repo:o/r:environment:Production", "description": "d",
            "audiences": [AUDIENCE]}
    created = graph(emu, "POST", base, json=body)
    assert created.status_code == 201, created.text
    fic = created.json()
    assert list(fic) == ["@odata.context", "id", "name", "issuer", "subject", "description", "audiences"]
    assert fic["@odata.context"].endswith(f"#applications('{app['id']}')/federatedIdentityCredentials/$entity")
    assert graph(emu, "GET", base).json()["value"] == [{k: v for k, v in fic.items() if k != "@odata.context"}]
    assert graph(emu, "GET", f"{base}/{fic['id']}").json()["id"] == fic["id"]
    assert graph(emu, "GET", f"{base}/Testing").json()["id"] == fic["id"]
    via_app_id = f"/applications(appId='{app['appId']}')/federatedIdentityCredentials"
    assert len(graph(emu, "GET", via_app_id).json()["value"]) == 1
    patched = graph(emu, "PATCH", f"{base}/{fic['id']}", json={"subject": "repo:o/r:environment:Staging"})
    assert patched.status_code == 204 and patched.content == b""
    assert graph(emu, "GET", f"{base}/{fic['id']}").json()["subject"] == "repo:o/r:environment:Staging"
    dup_name = graph(emu, "POST", base, json={**body, "subject": "other"})
    assert_graph_error(dup_name, 409, "Request_MultipleObjectsWithSameKeyValue")
    dup_pair = graph(emu, "POST", base, json={**body, "name": "other", "subject": "repo:o/r:environment:Staging"})
    assert_graph_error(dup_pair, 400, "InvalidFederatedIdentityCredentialValue")
    for bad in ({**body, "name": "two-aud", "subject": "s2", "audiences": [AUDIENCE, "x"]},
                {**body, "name": "bad name!", "subject": "s3"}, {**body, "name": "n" * 121, "subject": "s4"},
                {**body, "name": "noissuer", "issuer": None, "subject": "s5"}):
        assert_graph_error(graph(emu, "POST", base, json=bad), 400, "Request_BadRequest")
    assert_graph_error(graph(emu, "PATCH", f"{base}/{fic['id']}", json={"name": "renamed"}), 400, "Request_BadRequest")
    for index in range(19):
        assert graph(emu, "POST", base, json={**body, "name": f"f{index}", "subject": f"s-{index}"}).status_code == 201
    assert_graph_error(graph(emu, "POST", base, json={**body, "name": "f21", "subject": "s-21"}), 400, "Request_BadRequest")
    assert graph(emu, "DELETE", f"{base}/Testing").status_code == 204
    assert_graph_error(graph(emu, "GET", f"{base}/{fic['id']}"), 404, "Request_ResourceNotFound")
    upsert = graph(emu, "PATCH", f"{base}(name='upserted')", json={"issuer": ISSUER, "subject": "u", "audiences": [AUDIENCE]},
                   headers={"Prefer": "create-if-missing"})
    assert upsert.status_code == 201 and upsert.json()["name"] == "upserted"


def test_application_fic_feeds_the_token_endpoint(emu):
    app = new_app(emu, "app-wif")
    graph(emu, "POST", f"/applications/{app['id']}/federatedIdentityCredentials",
          json={"name": "ado", "issuer": ISSUER, "subject": "sc://org/p/c", "audiences": [AUDIENCE]})
    new_sp(emu, app["appId"])

    def enc(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    jwt = f"{enc({'alg': 'RS256'})}.{enc({'iss': ISSUER, 'sub': 'sc://org/p/c', 'aud': AUDIENCE, 'exp': time.time() + 60})}.x"
    resp = emu.request("POST", f"/{emu.info['tenant_id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": app["appId"], "scope": MGMT_SCOPE,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": jwt})
    assert resp.status_code == 200, resp.text


def test_add_password_and_sign_in(emu, monkeypatch):
    from azure.identity import ClientSecretCredential  # pylint: disable=import-outside-toplevel
    app = new_app(emu, "app-secret")
    added = graph(emu, "POST", f"/applications/{app['id']}/addPassword", json={"passwordCredential": {"displayName": "ci"}})
    assert added.status_code == 200, added.text
    cred = added.json()
    assert list(cred) == ["@odata.context", "customKeyIdentifier", "displayName", "endDateTime", "hint", "keyId",
                          "secretText", "startDateTime"]
    secret = cred["secretText"]
    assert len(secret) == 40 and cred["hint"] == secret[:3] and cred["displayName"] == "ci"
    start = datetime.datetime.fromisoformat(cred["startDateTime"].replace("Z", "+00:00"))
    end = datetime.datetime.fromisoformat(cred["endDateTime"].replace("Z", "+00:00"))
    assert 729 <= (end - start).days <= 731
    no_sp = secret_token(emu, app["appId"], secret)
    assert no_sp.status_code == 400 and no_sp.json()["error_codes"] == [7000229]
    new_sp(emu, app["appId"])
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    credential = ClientSecretCredential(emu.info["tenant_id"], app["appId"], secret, authority=emu.base,
                                        disable_instance_discovery=True, connection_verify=emu.ca)
    token = credential.get_token(GRAPH_SCOPE).token
    assert claims_of(token)["appid"] == app["appId"]
    assert graph(emu, "GET", f"/applications/{app['id']}", token=token).status_code == 200
    listed = graph(emu, "GET", f"/applications/{app['id']}").json()["passwordCredentials"]
    assert listed == [{"customKeyIdentifier": None, "displayName": "ci", "endDateTime": cred["endDateTime"],
                       "hint": cred["hint"], "keyId": cred["keyId"], "secretText": None,
                       "startDateTime": cred["startDateTime"]}]
    removed = graph(emu, "POST", f"/applications/{app['id']}/removePassword", json={"keyId": cred["keyId"]})
    assert removed.status_code == 204
    assert secret_token(emu, app["appId"], secret).json()["error_codes"] == [7000215]
    assert_graph_error(graph(emu, "POST", f"/applications/{app['id']}/removePassword", json={"keyId": cred["keyId"]}),
                       400, "Request_BadRequest")


def test_password_dates_and_expiry(emu):
    app = new_app(emu, "app-dates")
    new_sp(emu, app["appId"])
    spec = {"displayName": None, "startDateTime": "2022-05-07T06:52:43Z", "endDateTime": "2023-05-07T06:52:43Z"}
    cred = graph(emu, "POST", f"/applications/{app['id']}/addPassword", json={"passwordCredential": spec}).json()
    assert (cred["startDateTime"], cred["endDateTime"]) == (spec["startDateTime"], spec["endDateTime"])
    expired = secret_token(emu, app["appId"], cred["secretText"])
    assert expired.status_code == 401 and expired.json()["error_codes"] == [7000222]
    backwards = {"passwordCredential": {"startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2029-01-01T00:00:00Z"}}
    assert_graph_error(graph(emu, "POST", f"/applications/{app['id']}/addPassword", json=backwards), 400,
                       "Request_BadRequest")


def test_service_principal_passwords(emu):
    app = new_app(emu, "app-sp-secret")
    sp = new_sp(emu, app["appId"])
    cred = graph(emu, "POST", f"/servicePrincipals/{sp['id']}/addPassword", json={"passwordCredential": {}}).json()
    assert secret_token(emu, app["appId"], cred["secretText"]).status_code == 200
    assert [c["keyId"] for c in graph(emu, "GET", f"/servicePrincipals/{sp['id']}").json()["passwordCredentials"]] == \
        [cred["keyId"]]
    assert graph(emu, "GET", f"/applications/{app['id']}").json()["passwordCredentials"] == []
    assert graph(emu, "POST", f"/servicePrincipals/{sp['id']}/removePassword",
                 json={"keyId": cred["keyId"]}).status_code == 204
    assert secret_token(emu, app["appId"], cred["secretText"]).status_code == 401


def test_get_by_ids_and_directory_objects(emu):
    ids = emu.seed({"principals": [{"type": "User", "displayName": "Tester"}, {"type": "Group", "displayName": "Team"}]})
    user, group = (p["id"] for p in ids["principals"])
    emu.admin("DELETE", "/requests")
    resp = graph(emu, "POST", "/directoryObjects/getByIds",
                 json={"ids": [user, group, emu.info["principal_id"], str(uuid.uuid4())],
                       "types": ["user", "group", "servicePrincipal"]})
    assert resp.status_code == 200, resp.text
    types = [o["@odata.type"] for o in resp.json()["value"]]
    assert types == ["#microsoft.graph.user", "#microsoft.graph.group", "#microsoft.graph.servicePrincipal"]
    assert resp.json()["value"][2]["appId"] == emu.info["client_id"]
    assert emu.log()[-1]["write"] is False
    only_users = graph(emu, "POST", "/directoryObjects/getByIds", json={"ids": [user, group], "types": ["user"]})
    assert [o["id"] for o in only_users.json()["value"]] == [user]
    assert graph(emu, "GET", f"/directoryObjects/{group}").json()["displayName"] == "Team"
    assert_graph_error(graph(emu, "POST", "/directoryObjects/getByIds", json={}), 400, "Request_BadRequest")


def test_seeded_app_and_managed_identity_in_graph(emu):
    seeded = graph(emu, "GET", f"/applications(appId='{emu.info['client_id']}')").json()
    assert seeded["signInAudience"] == "AzureADMyOrg" and len(seeded["passwordCredentials"]) == 1
    assert seeded["passwordCredentials"][0]["hint"] == emu.info["client_secret"][:3]
    identity = emu.arm("PUT", f"{emu.rg_path}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-graph",
                       api_version="2024-11-30", json={"location": "eastus"}).json()
    props = identity["properties"]
    sp = graph(emu, "GET", f"/servicePrincipals/{props['principalId']}").json()
    assert sp["servicePrincipalType"] == "ManagedIdentity" and sp["appId"] == props["clientId"]
    assert sp["alternativeNames"] == ["isExplicit=True", identity["id"]] and sp["displayName"] == "id-graph"
    assert sp["appOwnerOrganizationId"] is None and sp["servicePrincipalNames"][0] == props["clientId"]
    found = graph(emu, "GET", "/servicePrincipals", params={"$filter": f"appId eq '{props['clientId']}'"}).json()
    assert [s["id"] for s in found["value"]] == [props["principalId"]]
    assert_graph_error(graph(emu, "DELETE", f"/servicePrincipals/{props['principalId']}"), 400, "Request_BadRequest")
