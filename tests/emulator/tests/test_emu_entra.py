# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entra discovery and token endpoint."""

from __future__ import annotations

import base64
import json
import time

import pytest

MGMT = "https://management.azure.com/.default"


def claims_of(token: str) -> dict:
    """Decode a JWT payload without verification."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def unsigned_jwt(claims: dict, header: dict | None = None) -> str:
    """A JWT-shaped assertion (the emulator does not verify assertion signatures)."""
    def enc(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{enc(header or {'alg': 'RS256', 'typ': 'JWT'})}.{enc(claims)}.c2lnbmF0dXJl"


def post_token(emu, data: dict, tenant: str | None = None, **kwargs):
    return emu.request("POST", f"/{tenant or emu.info['tenant_id']}/oauth2/v2.0/token", data=data, **kwargs)


def creds(emu, **overrides) -> dict:
    data = {"grant_type": "client_credentials", "client_id": emu.info["client_id"],
            "client_secret": emu.info["client_secret"], "scope": MGMT}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def assert_entra_error(resp, status: int, error: str, code: int):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    desc = body["error_description"]
    assert desc.startswith(f"AADSTS{code}:")
    for marker in ("Trace ID: ", "Correlation ID: ", "Timestamp: "):
        assert marker in desc
    assert body["trace_id"] in desc and body["correlation_id"] in desc
    assert set(body) >= {"timestamp", "trace_id", "correlation_id", "error_uri"}


def test_secret_token_claims(emu):
    resp = post_token(emu, creds(emu))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == 3600
    claims = claims_of(body["access_token"])
    tid = emu.info["tenant_id"]
    assert claims["aud"] == "https://management.azure.com"
    assert claims["iss"] == f"https://sts.windows.net/{tid}/"
    assert claims["tid"] == tid
    assert claims["oid"] == claims["sub"] == emu.info["principal_id"]
    assert claims["appid"] == emu.info["client_id"]
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] <= time.time() + 1
    assert resp.headers["Cache-Control"].startswith("no-store")


def test_core_windows_audience_keeps_trailing_slash(emu):
    resp = post_token(emu, creds(emu, scope="https://management.core.windows.net//.default"))
    assert claims_of(resp.json()["access_token"])["aud"] == "https://management.core.windows.net/"


def test_basic_client_auth(emu):
    raw = f"{emu.info['client_id']}:{emu.info['client_secret']}".encode()
    resp = post_token(emu, {"grant_type": "client_credentials", "scope": MGMT},
                      headers={"Authorization": "Basic " + base64.b64encode(raw).decode()})
    assert resp.status_code == 200, resp.text


def test_bad_secret(emu):
    assert_entra_error(post_token(emu, creds(emu, client_secret="wrong")), 401, "invalid_client", 7000215)


def test_expired_secret(emu):
    app = emu.seed({"applications": [{"secrets": [{"value": "old-secret", "endDateTime": time.time() - 60}]}]})
    app = app["applications"][0]
    resp = post_token(emu, creds(emu, client_id=app["appId"], client_secret="old-secret"))
    assert_entra_error(resp, 401, "invalid_client", 7000222)


def test_missing_credential(emu):
    assert_entra_error(post_token(emu, creds(emu, client_secret=None)), 401, "invalid_client", 7000218)


def test_unknown_client(emu):
    resp = post_token(emu, creds(emu, client_id="00000000-0000-0000-0000-00000000abcd"))
    assert_entra_error(resp, 400, "unauthorized_client", 700016)


@pytest.mark.parametrize("scope,error,code", [
    ("https://management.azure.com/user_impersonation", "invalid_scope", 1002012),
    ("https://management.azure.com/.default https://graph.microsoft.com/.default", "invalid_scope", 70011),
    (None, "invalid_request", 900144),
    ("https://unknown.example.com/.default", "invalid_resource", 500011),
])
def test_bad_scope(emu, scope, error, code):
    assert_entra_error(post_token(emu, creds(emu, scope=scope)), 400, error, code)


def test_wrong_tenant(emu):
    resp = post_token(emu, creds(emu), tenant="11111111-2222-3333-4444-555555555555")
    assert_entra_error(resp, 400, "invalid_request", 90002)


def test_unsupported_grant(emu):
    assert_entra_error(post_token(emu, creds(emu, grant_type="password")), 400, "unsupported_grant_type", 70003)


def test_client_request_id_is_correlation_id(emu):
    resp = post_token(emu, creds(emu, client_secret="bad"), headers={"client-request-id": "corr-123"})
    assert resp.json()["correlation_id"] == "corr-123"


def test_v1_token_endpoint(emu):
    resp = emu.request("POST", f"/{emu.info['tenant_id']}/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": emu.info["client_id"],
        "client_secret": emu.info["client_secret"], "resource": "https://management.core.windows.net/"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["resource"] == "https://management.core.windows.net/" and isinstance(body["expires_on"], str)
    assert claims_of(body["access_token"])["aud"] == "https://management.core.windows.net/"


def test_token_endpoint_rejects_get(emu):
    resp = emu.request("GET", f"/{emu.info['tenant_id']}/oauth2/v2.0/token")
    assert_entra_error(resp, 400, "invalid_request", 900561)


def test_openid_configuration(emu):
    tid = emu.info["tenant_id"]
    doc = emu.request("GET", f"/{tid}/v2.0/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{emu.base}/{tid}/v2.0"
    assert doc["token_endpoint"] == f"{emu.base}/{tid}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{emu.base}/{tid}/oauth2/v2.0/authorize"
    assert doc["jwks_uri"] == f"{emu.base}/{tid}/discovery/v2.0/keys"
    common = emu.request("GET", "/common/v2.0/.well-known/openid-configuration").json()
    assert common["issuer"] == f"{emu.base}/{{tenantid}}/v2.0"
    by_domain = emu.request("GET", f"/{emu.info['tenant_domain']}/v2.0/.well-known/openid-configuration")
    assert by_domain.status_code == 200
    missing = emu.request("GET", "/99999999-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration")
    assert_entra_error(missing, 400, "invalid_tenant", 90002)
    assert emu.request("GET", f"/{tid}/discovery/v2.0/keys").json() == {"keys": []}


def test_instance_discovery(emu):
    tid = emu.info["tenant_id"]
    resp = emu.request("GET", "/common/discovery/instance", params={
        "api-version": "1.1", "authorization_endpoint": f"{emu.base}/{tid}/oauth2/v2.0/authorize"})
    body = resp.json()
    assert body["tenant_discovery_endpoint"] == f"{emu.base}/{tid}/v2.0/.well-known/openid-configuration"
    assert set(body["metadata"][0]) == {"preferred_network", "preferred_cache", "aliases"}
    foreign = emu.request("GET", "/common/discovery/instance", params={
        "api-version": "1.1", "authorization_endpoint": "https://login.example.com/x/oauth2/v2.0/authorize"})
    assert_entra_error(foreign, 400, "invalid_instance", 50049)


def test_federated_assertion(emu):
    issuer, subject = "https://token.example.com", "sc://org/project/conn"
    app = emu.seed({"applications": [{"federatedIdentityCredentials": [
        {"name": "fic", "issuer": issuer, "subject": subject, "audiences": ["api://AzureADTokenExchange"]}]}]})
    app_id = app["applications"][0]["appId"]
    assert app["applications"][0]["secrets"] == []

    def call(**claims):
        base = {"iss": issuer, "sub": subject, "aud": "api://AzureADTokenExchange", "exp": time.time() + 600}
        base.update(claims)
        return post_token(emu, {"grant_type": "client_credentials", "client_id": app_id, "scope": MGMT,
                                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                                "client_assertion": unsigned_jwt(base)})

    ok = call()
    assert ok.status_code == 200, ok.text
    assert claims_of(ok.json()["access_token"])["appid"] == app_id
    assert_entra_error(call(sub="sc://org/project/other"), 401, "invalid_client", 700213)
    assert_entra_error(call(iss="https://other.example.com"), 401, "invalid_client", 700211)
    assert_entra_error(call(aud="api://other"), 401, "invalid_client", 700212)
    assert_entra_error(call(exp=time.time() - 10), 400, "invalid_client", 700024)


def test_certificate_assertion(emu):
    thumb = "8CA6895C58FD5C9AEED13121F784629BE0261977"
    apps = emu.seed({"applications": [{"certificates": [{"thumbprint": thumb}]}, {"generateSecret": False}]})
    with_cert, without = apps["applications"][0]["appId"], apps["applications"][1]["appId"]
    token_url = f"{emu.base}/{emu.info['tenant_id']}/oauth2/v2.0/token"
    x5t = base64.urlsafe_b64encode(bytes.fromhex(thumb)).rstrip(b"=").decode()

    def call(app_id, aud=token_url):
        assertion = unsigned_jwt({"iss": app_id, "sub": app_id, "aud": aud, "exp": time.time() + 600},
                                 {"alg": "RS256", "typ": "JWT", "x5t": x5t})
        return post_token(emu, {"grant_type": "client_credentials", "client_id": app_id, "scope": MGMT,
                                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                                "client_assertion": assertion})

    ok = call(with_cert)
    assert ok.status_code == 200, ok.text
    assert claims_of(ok.json()["access_token"])["appidacr"] == "2"
    assert_entra_error(call(without), 401, "invalid_client", 700027)
    assert_entra_error(call(with_cert, aud="https://login.example.com/x/oauth2/v2.0/token"), 401, "invalid_client", 700027)


def test_azure_identity_client_secret_credential(emu, monkeypatch):
    from azure.identity import ClientSecretCredential  # pylint: disable=import-outside-toplevel
    # Any attempt to reach a public host goes to a dead proxy and fails the test.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    emu.admin("DELETE", "/requests")
    cred = ClientSecretCredential(emu.info["tenant_id"], emu.info["client_id"], emu.info["client_secret"],
                                  authority=emu.base, disable_instance_discovery=True, connection_verify=emu.ca)
    access = cred.get_token(MGMT)
    claims = claims_of(access.token)
    assert claims["aud"] == "https://management.azure.com" and claims["tid"] == emu.info["tenant_id"]
    sub = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version="2022-12-01", token=access.token)
    assert sub.status_code == 200, sub.text
    paths = [(e["method"], e["path"]) for e in emu.log()]
    tid = emu.info["tenant_id"]
    assert ("GET", f"/{tid}/v2.0/.well-known/openid-configuration") in paths
    assert ("POST", f"/{tid}/oauth2/v2.0/token") in paths
    assert all(e["service"] in ("entra", "arm") for e in emu.log())


def test_msal_without_instance_discovery(emu, monkeypatch):
    import msal  # pylint: disable=import-outside-toplevel
    import requests  # pylint: disable=import-outside-toplevel
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    session = requests.Session()
    session.verify = emu.ca
    app = msal.ConfidentialClientApplication(emu.info["client_id"], client_credential=emu.info["client_secret"],
                                             authority=f"{emu.base}/{emu.info['tenant_id']}", instance_discovery=False,
                                             http_client=session)
    result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
    assert "access_token" in result, result
    assert claims_of(result["access_token"])["aud"] == "https://graph.microsoft.com"
