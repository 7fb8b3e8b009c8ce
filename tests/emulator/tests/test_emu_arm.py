# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM authentication, api-version rules, subscriptions and resource groups."""

from __future__ import annotations

import base64
import json

RG_API = "2022-09-01"


def code(resp) -> str:
    return resp.json()["error"]["code"]


def test_missing_token(emu):
    resp = emu.request("GET", f"/subscriptions/{emu.sub}", params={"api-version": RG_API})
    assert resp.status_code == 401
    assert code(resp) == "AuthenticationFailed"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_forged_token(emu):
    header, payload, sig = emu.token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["oid"] = "00000000-0000-0000-0000-000000000001"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    for token in (f"{header}.{forged_payload}.{sig}", "not-a-jwt", f"{header}.{payload}.AAAA"):
        resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=token)
        assert resp.status_code == 401 and code(resp) == "InvalidAuthenticationToken", resp.text


def test_expired_token(emu):
    minted = emu.admin("POST", "/token", json={"lifetime": -30}).json()["access_token"]
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=minted)
    assert resp.status_code == 401 and code(resp) == "ExpiredAuthenticationToken"


def test_short_token_lifetime_expires(emu):
    emu.config(token_lifetime=60)
    short = emu.token(scope="https://management.core.windows.net//.default")
    emu.advance(59)
    assert emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=short).status_code == 200
    emu.advance(1)
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=short)
    assert resp.status_code == 401 and code(resp) == "ExpiredAuthenticationToken"


def test_wrong_audience(emu):
    graph = emu.token(scope="https://graph.microsoft.com/.default")
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=graph)
    assert resp.status_code == 401 and code(resp) == "InvalidAuthenticationTokenAudience"


def test_accepted_audiences(emu):
    for scope in ("https://management.core.windows.net//.default", "https://management.azure.com//.default"):
        resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=emu.token(scope=scope))
        assert resp.status_code == 200, (scope, resp.text)
    # The emulator's base URL is Microsoft Graph's audience in its metadata: ARM refuses it.
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=emu.token(scope=emu.base + "/.default"))
    assert resp.status_code == 401 and code(resp) == "InvalidAuthenticationTokenAudience"


def test_token_from_other_tenant(emu):
    created = emu.seed({"tenants": [{"domain": "other.onmicrosoft.com"}]})
    other = created["tenants"][0]["id"]
    app = emu.seed({"applications": [{"tenantId": other, "secret": "s3cret"}]})["applications"][0]
    foreign = emu.token(client_id=app["appId"], secret="s3cret", tenant=other)
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=foreign)
    assert resp.status_code == 401 and code(resp) == "InvalidAuthenticationTokenTenant"
    listed = emu.arm("GET", "/subscriptions", api_version=RG_API, token=foreign)
    assert listed.status_code == 200 and listed.json()["value"] == []


def test_api_version_rules(emu):
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=None)
    assert resp.status_code == 400 and code(resp) == "MissingApiVersionParameter"
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version="2099-01-01")
    assert resp.status_code == 400 and code(resp) == "InvalidApiVersionParameter"
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}/providers/Microsoft.Authorization/roleAssignments",
                   api_version="2099-01-01")
    assert resp.status_code == 400 and code(resp) == "NoRegisteredProviderFound"


def test_request_id_headers(emu):
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API,
                   headers={"x-ms-client-request-id": "client-1", "x-ms-correlation-request-id": "corr-1"})
    assert resp.headers["x-ms-client-request-id"] == "client-1"
    assert resp.headers["x-ms-correlation-request-id"] == "corr-1"
    assert resp.headers["x-ms-request-id"]
    other = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API)
    assert other.headers["x-ms-correlation-request-id"] and "x-ms-client-request-id" not in other.headers
    failed = emu.arm("GET", "/subscriptions/00000000-0000-0000-0000-000000000000", api_version=RG_API)
    assert failed.headers["x-ms-request-id"]


def test_subscriptions(emu):
    listed = emu.arm("GET", "/subscriptions", api_version="2022-12-01").json()
    assert [s["subscriptionId"] for s in listed["value"]] == [emu.sub]
    sub = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version="2022-12-01").json()
    assert sub["state"] == "Enabled" and sub["tenantId"] == emu.info["tenant_id"]
    assert sub["displayName"] == emu.info["subscription_name"]
    missing = emu.arm("GET", "/subscriptions/00000000-0000-0000-0000-000000000000", api_version="2022-12-01")
    assert missing.status_code == 404 and code(missing) == "SubscriptionNotFound"


def test_resource_group_lifecycle(emu):
    path = f"/subscriptions/{emu.sub}/resourceGroups/My-RG"
    created = emu.arm("PUT", path, api_version=RG_API, json={"location": "westeurope", "tags": {"a": "b"}})
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["provisioningState"] == "Succeeded"
    again = emu.arm("PUT", path, api_version=RG_API, json={"location": "westeurope"})
    assert again.status_code == 200
    other_case = emu.arm("GET", f"/SUBSCRIPTIONS/{emu.sub}/resourcegroups/my-rg", api_version=RG_API)
    assert other_case.status_code == 200
    assert other_case.json()["name"] == "My-RG"
    assert other_case.json()["id"] == f"/subscriptions/{emu.sub}/resourceGroups/My-RG"
    moved = emu.arm("PUT", path, api_version=RG_API, json={"location": "eastus"})
    assert moved.status_code == 400 and code(moved) == "InvalidResourceGroupLocation"
    no_location = emu.arm("PUT", f"/subscriptions/{emu.sub}/resourceGroups/other", api_version=RG_API, json={})
    assert no_location.status_code == 400 and code(no_location) == "LocationRequired"
    assert emu.arm("HEAD", path, api_version=RG_API).status_code == 204
    deleted = emu.arm("DELETE", path, api_version=RG_API)
    assert deleted.status_code == 202
    assert deleted.headers["Location"].startswith(emu.base + f"/subscriptions/{emu.sub}/operationresults/")
    assert "api-version=" in deleted.headers["Location"] and deleted.headers["Retry-After"]
    assert emu.arm("GET", deleted.headers["Location"], api_version=None).status_code == 200
    assert emu.arm("HEAD", path, api_version=RG_API).status_code == 404
    gone = emu.arm("GET", path, api_version=RG_API)
    assert gone.status_code == 404 and code(gone) == "ResourceGroupNotFound"
    assert code(emu.arm("DELETE", path, api_version=RG_API)) == "ResourceGroupNotFound"


def test_delete_lro_in_progress(emu):
    emu.config(lro_duration=30.0)
    path = f"/subscriptions/{emu.sub}/resourceGroups/slow"
    emu.arm("PUT", path, api_version=RG_API, json={"location": "eastus"})
    location = emu.arm("DELETE", path, api_version=RG_API).headers["Location"]
    poll = emu.arm("GET", location, api_version=None)
    assert poll.status_code == 202 and poll.headers["Location"]


def test_resource_group_list_pages(emu):
    for name in ("rg-a", "rg-b"):
        emu.arm("PUT", f"/subscriptions/{emu.sub}/resourceGroups/{name}", api_version=RG_API, json={"location": "eastus"})
    first = emu.arm("GET", f"/subscriptions/{emu.sub}/resourcegroups", api_version=RG_API).json()
    assert len(first["value"]) == 2 and first["nextLink"].startswith(emu.base)
    second = emu.arm("GET", first["nextLink"], api_version=None).json()
    assert "nextLink" not in second
    names = [rg["name"] for rg in first["value"] + second["value"]]
    assert sorted(names) == ["rg-a", "rg-b", emu.info["resource_group"]]


def test_rbac_enforced_for_reader(emu):
    app = emu.seed({"applications": [{"secret": "reader-secret"}]})["applications"][0]
    emu.seed({"roleAssignments": [{"scope": f"/subscriptions/{emu.sub}", "role": "Reader",
                                   "principalId": app["principalId"]}]})
    reader = emu.token(client_id=app["appId"], secret="reader-secret")
    assert emu.arm("GET", emu.rg_path, api_version=RG_API, token=reader).status_code == 200
    denied = emu.arm("PUT", f"/subscriptions/{emu.sub}/resourceGroups/x", api_version=RG_API, token=reader,
                     json={"location": "eastus"})
    assert denied.status_code == 403 and code(denied) == "AuthorizationFailed"
    assert emu.arm("HEAD", f"/subscriptions/{emu.sub}/resourceGroups/x", api_version=RG_API).status_code == 404
    nobody = emu.seed({"applications": [{"secret": "n"}]})["applications"][0]
    token = emu.token(client_id=nobody["appId"], secret="n")
    assert emu.arm("GET", "/subscriptions", api_version=RG_API, token=token).json()["value"] == []
    assert emu.arm("GET", emu.rg_path, api_version=RG_API, token=token).status_code == 403


def test_unknown_arm_path(emu):
    resp = emu.arm("GET", f"{emu.rg_path}/providers/Microsoft.Unknown/things/x", api_version="2020-01-01")
    assert resp.status_code == 404 and code(resp) == "InvalidResourceType"
    anonymous = emu.request("GET", f"{emu.rg_path}/providers/Microsoft.Unknown/things/x")
    assert anonymous.status_code == 401
