# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft.ManagedIdentity: user-assigned identities and federated identity credentials."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid

import pytest

API = "2024-11-30"
OLD_API = "2023-01-31"
ISSUER = "https://vstoken.example.com/org-id"
AUDIENCE = "api://AzureADTokenExchange"
CONCURRENCY_CODE = "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def uai_path(emu, name: str = "", rg: str | None = None) -> str:
    rg_path = emu.rg_path if rg is None else f"/subscriptions/{emu.sub}/resourceGroups/{rg}"
    path = f"{rg_path}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
    return f"{path}/{name}" if name else path


def fic_path(emu, identity: str, name: str = "") -> str:
    path = uai_path(emu, identity) + "/federatedIdentityCredentials"
    return f"{path}/{name}" if name else path


def put_identity(emu, name: str, body: dict | None = None, api: str = API, **kwargs):
    return emu.arm("PUT", uai_path(emu, name, **kwargs), api_version=api, json=body or {"location": "eastus"})


def put_fic(emu, identity: str, name: str, subject: str, issuer: str = ISSUER, audiences: list | None = None):
    props = {"issuer": issuer, "subject": subject, "audiences": audiences or [AUDIENCE]}
    return emu.arm("PUT", fic_path(emu, identity, name), api_version=API, json={"properties": props})


def error_code(resp) -> str:
    return resp.json()["error"]["code"]


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def assertion(issuer: str, subject: str, aud: str = AUDIENCE) -> str:
    def enc(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    claims = {"iss": issuer, "sub": subject, "aud": aud, "exp": time.time() + 600}
    return f"{enc({'alg': 'RS256', 'typ': 'JWT'})}.{enc(claims)}.c2ln"


def federated_token(emu, client_id: str, subject: str, issuer: str = ISSUER):
    return emu.request("POST", f"/{emu.info['tenant_id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "scope": "https://management.azure.com/.default",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion(issuer, subject)})


@pytest.fixture
def fast(emu):
    """The emulator without the FIC write window (most tests do not exercise concurrency)."""
    emu.config(fic_concurrency_conflicts=False)
    return emu


def test_identity_lifecycle(fast):
    emu = fast
    created = emu.arm("PUT", uai_path(emu, "Id-One"), api_version=API, json={"location": "East US", "tags": {"a": "1"}})
    assert created.status_code == 201, created.text
    body = created.json()
    assert list(body) == ["id", "name", "type", "location", "tags", "properties"]
    assert body["id"] == f"/subscriptions/{emu.sub}/resourcegroups/{emu.info['resource_group']}/providers/" \
                         "Microsoft.ManagedIdentity/userAssignedIdentities/Id-One"
    assert created.headers["Location"] == body["id"]
    assert body["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities"
    assert body["location"] == "eastus" and body["tags"] == {"a": "1"}
    props = body["properties"]
    assert props["tenantId"] == emu.info["tenant_id"] and props["isolationScope"] == "None"
    uuid.UUID(props["clientId"])
    uuid.UUID(props["principalId"])

    again = put_identity(emu, "id-one", {"location": "eastus", "tags": {"b": "2"}})
    assert again.status_code == 200, again.text
    assert again.json()["tags"] == {"b": "2"} and again.json()["properties"] == props
    assert again.json()["name"] == "Id-One"

    patched = emu.arm("PATCH", uai_path(emu, "Id-One"), api_version=API,
                      json={"tags": {"c": "3"}, "properties": {"isolationScope": "Regional"}})
    assert patched.status_code == 200 and patched.json()["tags"] == {"c": "3"}
    assert patched.json()["properties"]["isolationScope"] == "Regional"
    got = emu.arm("GET", uai_path(emu, "ID-ONE"), api_version=API)
    assert got.status_code == 200 and got.json() == patched.json()

    deleted = emu.arm("DELETE", uai_path(emu, "Id-One"), api_version=API)
    assert deleted.status_code == 200 and deleted.content == b""
    assert emu.arm("DELETE", uai_path(emu, "Id-One"), api_version=API).status_code == 204
    missing = emu.arm("GET", uai_path(emu, "Id-One"), api_version=API)
    assert missing.status_code == 404 and error_code(missing) == "ResourceNotFound"
    assert emu.arm("PATCH", uai_path(emu, "Id-One"), api_version=API, json={"tags": {}}).status_code == 404


def test_api_versions(fast):
    emu = fast
    old = put_identity(emu, "id-old", api=OLD_API)
    assert old.status_code == 201 and "isolationScope" not in old.json()["properties"]
    assert old.json()["tags"] == {}
    bad = emu.arm("GET", uai_path(emu, "id-old"), api_version="2020-01-01")
    assert bad.status_code == 400 and error_code(bad) == "NoRegisteredProviderFound"
    none = emu.arm("GET", uai_path(emu, "id-old"), api_version=None)
    assert none.status_code == 400 and error_code(none) == "MissingApiVersionParameter"
    fic = emu.arm("GET", fic_path(emu, "id-old"), api_version="2018-11-30")
    assert fic.status_code == 400 and error_code(fic) == "NoRegisteredProviderFound"


@pytest.mark.parametrize("body,status,code", [
    ({"tags": {}}, 400, "LocationRequired"),
    ({"location": "eastus", "properties": {"isolationScope": "Global"}}, 400, "BadRequest"),
    ({"location": "eastus", "tags": ["x"]}, 400, "InvalidRequestContent"),
])
def test_identity_bad_bodies(fast, body, status, code):
    resp = put_identity(fast, "id-bad", body)
    assert resp.status_code == status and error_code(resp) == code, resp.text


def test_identity_errors(fast):
    emu = fast
    raw = emu.arm("PUT", uai_path(emu, "id-x"), api_version=API, data="{not json",
                  headers={"Content-Type": "application/json"})
    assert raw.status_code == 400 and error_code(raw) == "InvalidRequestContent"
    assert error_code(put_identity(emu, "-bad-name")) == "InvalidResourceName"
    no_rg = put_identity(emu, "id-x", rg="rg-missing")
    assert no_rg.status_code == 404 and error_code(no_rg) == "ResourceGroupNotFound"
    assert put_identity(emu, "id-x").status_code == 201
    moved = put_identity(emu, "id-x", {"location": "westus"})
    assert moved.status_code == 400 and error_code(moved) == "InvalidResourceLocation"
    app = emu.seed({"applications": [{"secret": "s3cret-value"}]})["applications"][0]
    token = emu.token(client_id=app["appId"], secret="s3cret-value")
    denied = emu.arm("PUT", uai_path(emu, "id-y"), api_version=API, token=token, json={"location": "eastus"})
    assert denied.status_code == 403 and error_code(denied) == "AuthorizationFailed"


def test_lists_are_paged(fast):
    emu = fast
    emu.seed({"resourceGroups": [{"name": "rg-other"}]})
    for name in ("id-c", "id-a", "id-b"):
        assert put_identity(emu, name).status_code == 201
    assert put_identity(emu, "id-z", rg="rg-other").status_code == 201
    first = emu.arm("GET", uai_path(emu), api_version=API).json()
    assert [i["name"] for i in first["value"]] == ["id-a", "id-b"]
    second = emu.arm("GET", first["nextLink"], api_version=None).json()
    assert [i["name"] for i in second["value"]] == ["id-c"] and "nextLink" not in second
    names, url = [], f"/subscriptions/{emu.sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
    params = {"api-version": API}
    while url:
        page = emu.arm("GET", url, api_version=None, params=params).json()
        names += [i["name"] for i in page["value"]]
        url, params = page.get("nextLink"), None
    assert sorted(names) == ["id-a", "id-b", "id-c", "id-z"]


def test_identity_is_a_principal_and_a_scope(fast):
    emu = fast
    emu.freeze()
    identity = put_identity(emu, "id-rbac").json()
    principal_id = identity["properties"]["principalId"]
    ra_path = f"{emu.rg_path}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}"
    body = {"properties": {"roleDefinitionId": f"/subscriptions/{emu.sub}/providers/Microsoft.Authorization/roleDefinitions/"
                                               "acdd72a7-3385-48ef-bd42-f606fba81ae7", "principalId": principal_id}}
    early = emu.arm("PUT", ra_path, json=body)
    assert early.status_code == 400 and error_code(early) == "PrincipalNotFound"
    emu.advance(1.1)  # the session emulator's replication delay
    late = emu.arm("PUT", ra_path, json=body)
    assert late.status_code == 201 and late.json()["properties"]["principalType"] == "ServicePrincipal"
    at_identity = emu.arm("PUT", f"{identity['id']}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}",
                          json=body)
    assert at_identity.status_code == 201, at_identity.text
    state = emu.admin("GET", "/state").json()
    principal = next(p for p in state["principals"] if p["id"] == principal_id)
    assert principal["type"] == "ServicePrincipal" and principal["appId"] == identity["properties"]["clientId"]
    assert emu.arm("DELETE", uai_path(emu, "id-rbac"), api_version=API).status_code == 200
    state = emu.admin("GET", "/state").json()
    assert all(p["id"] != principal_id for p in state["principals"])
    assert all("userassignedidentities" not in a["scopeKey"] for a in state["roleAssignments"])
    assert any(a["principalId"] == principal_id for a in state["roleAssignments"])  # orphaned, as in Azure


def test_resource_group_delete_takes_identities(fast):
    emu = fast
    emu.seed({"resourceGroups": [{"name": "rg-gone"}]})
    principal = put_identity(emu, "id-gone", rg="rg-gone").json()["properties"]["principalId"]
    assert emu.arm("DELETE", f"/subscriptions/{emu.sub}/resourceGroups/rg-gone", api_version="2022-09-01").status_code == 202
    emu.seed({"resourceGroups": [{"name": "rg-gone"}]})
    assert emu.arm("GET", uai_path(emu, "id-gone", rg="rg-gone"), api_version=API).status_code == 404
    assert all(p["id"] != principal for p in emu.admin("GET", "/state").json()["principals"])


def test_fic_lifecycle(fast):
    emu = fast
    put_identity(emu, "id-fic")
    created = put_fic(emu, "id-fic", "fic1", "sc://org/project/one")
    assert created.status_code == 201, created.text
    body = created.json()
    assert list(body) == ["id", "name", "type", "properties"]
    assert body["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
    assert body["id"].endswith("/userAssignedIdentities/id-fic/federatedIdentityCredentials/fic1")
    assert body["properties"] == {"issuer": ISSUER, "subject": "sc://org/project/one", "audiences": [AUDIENCE]}
    assert created.headers["Location"] == body["id"]
    updated = put_fic(emu, "id-fic", "FIC1", "sc://org/project/two")
    assert updated.status_code == 200 and updated.json()["name"] == "fic1"
    assert emu.arm("GET", fic_path(emu, "id-fic", "fic1"), api_version=API).json() == updated.json()
    listed = emu.arm("GET", fic_path(emu, "id-fic"), api_version=API).json()
    assert listed == {"value": [updated.json()]}
    gone = emu.arm("DELETE", fic_path(emu, "id-fic", "fic1"), api_version=API)
    assert gone.status_code == 200 and gone.content == b""
    assert emu.arm("DELETE", fic_path(emu, "id-fic", "fic1"), api_version=API).status_code == 204
    assert emu.arm("GET", fic_path(emu, "id-fic", "fic1"), api_version=API).status_code == 404
    assert emu.arm("GET", fic_path(emu, "id-fic"), api_version=API).json() == {"value": []}


@pytest.mark.parametrize("name,props,code", [
    ("ab", {"issuer": ISSUER, "subject": "s", "audiences": [AUDIENCE]}, "BadRequest"),
    ("-abc", {"issuer": ISSUER, "subject": "s", "audiences": [AUDIENCE]}, "BadRequest"),
    ("x" * 121, {"issuer": ISSUER, "subject": "s", "audiences": [AUDIENCE]}, "BadRequest"),
    ("fic", {}, "BadRequest"),
    ("fic", {"issuer": ISSUER, "audiences": [AUDIENCE]}, "BadRequest"),
    ("fic", {"issuer": ISSUER, "subject": "s", "audiences": [AUDIENCE, "api://other"]}, "BadRequest"),
    ("fic", {"issuer": ISSUER, "subject": "s", "audiences": []}, "BadRequest"),
    ("fic", {"issuer": "http://insecure.example.com", "subject": "s", "audiences": [AUDIENCE]}, "BadRequest"),
    ("fic", {"issuer": ISSUER, "subject": "s" * 601, "audiences": [AUDIENCE]}, "BadRequest"),
])
def test_fic_validation(fast, name, props, code):
    put_identity(fast, "id-val")
    resp = fast.arm("PUT", fic_path(fast, "id-val", name), api_version=API, json={"properties": props})
    assert resp.status_code == 400 and error_code(resp) == code, resp.text


def test_fic_rules(fast):
    emu = fast
    missing = put_fic(emu, "id-none", "fic1", "s")
    assert missing.status_code == 404 and error_code(missing) == "ParentResourceNotFound"
    put_identity(emu, "id-rules")
    assert put_fic(emu, "id-rules", "first", "same").status_code == 201
    dup = put_fic(emu, "id-rules", "second", "same")
    assert dup.status_code == 400 and "Issuer and subject combination already exists" in dup.json()["error"]["message"]
    assert put_fic(emu, "id-rules", "first", "same").status_code == 200  # the same credential may be rewritten
    for index in range(19):
        assert put_fic(emu, "id-rules", f"extra{index:02d}", f"sub-{index}").status_code == 201
    over = put_fic(emu, "id-rules", "twentyfirst", "sub-21")
    assert over.status_code == 400 and error_code(over) == "BadRequest"
    assert put_fic(emu, "id-rules", "extra00", "sub-00-changed").status_code == 200  # updates stay allowed at 20


def test_fic_list_paging(fast):
    emu = fast
    put_identity(emu, "id-page")
    for index in range(3):
        put_fic(emu, "id-page", f"fic{index}", f"sub-{index}")
    first = emu.arm("GET", fic_path(emu, "id-page"), api_version=API, params={"$top": "2"}).json()
    assert [f["name"] for f in first["value"]] == ["fic0", "fic1"]
    assert "$skiptoken=" in first["nextLink"] and "$top=2" in first["nextLink"]
    second = emu.arm("GET", first["nextLink"], api_version=None).json()
    assert [f["name"] for f in second["value"]] == ["fic2"] and "nextLink" not in second
    bad = emu.arm("GET", fic_path(emu, "id-page"), api_version=API, params={"$top": "0"})
    assert bad.status_code == 400


def _parallel_puts(emu, count: int, retry: bool) -> tuple[list, dict]:
    """PUT ``count`` different FICs on one identity from as many threads at once; returns statuses and 409 bodies.

    With the emulator clock frozen, the first write holds its window until the test advances the clock, so
    the overlap does not depend on how fast the threads run."""
    statuses, conflicts = [], {}
    token = emu.token()

    def worker(index):
        while True:
            resp = emu.arm("PUT", fic_path(emu, "id-conc", f"fic{index:02d}"), api_version=API, token=token,
                           json={"properties": {"issuer": ISSUER, "subject": f"sub-{index}", "audiences": [AUDIENCE]}})
            statuses.append(resp.status_code)
            if resp.status_code == 409:
                conflicts[index] = resp.json()
                if retry:
                    time.sleep(0.02)
                    continue
            return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    window = emu.admin("GET", "/config").json()["fic_write_window"]
    for _round in range(2000):  # bounded; each round lets one held write finish
        if not any(thread.is_alive() for thread in threads):
            break
        if emu.clock()["waiting"] and (conflicts or len(statuses) + 1 >= count):
            emu.advance(window)
        time.sleep(0.01)
    for thread in threads:
        thread.join(timeout=30)
    return statuses, conflicts


def _wait_for_held_write(emu) -> None:
    for _poll in range(1000):
        if emu.clock()["waiting"]:
            return
        time.sleep(0.01)
    raise AssertionError("no FIC write is waiting on the emulator clock")


def test_fic_concurrent_writes_conflict(emu):
    emu.freeze()
    emu.config(fic_write_window=5)
    put_identity(emu, "id-conc")
    held: dict = {}
    first = threading.Thread(target=lambda: held.update(resp=put_fic(emu, "id-conc", "fic-a", "sub-a")))
    first.start()
    _wait_for_held_write(emu)
    second = put_fic(emu, "id-conc", "fic-b", "sub-b")
    assert second.status_code == 409 and error_code(second) == CONCURRENCY_CODE and "id-conc" in second.json()["error"]["message"]
    assert emu.arm("DELETE", fic_path(emu, "id-conc", "fic-a"), api_version=API).status_code == 409
    emu.advance(5)
    first.join(timeout=30)
    assert held["resp"].status_code == 201
    # Sequential writes never conflict: each response arrives after its write window.
    emu.clock(freeze=False)
    emu.config(fic_write_window=0.05)
    assert put_fic(emu, "id-conc", "seq-a", "seq-a").status_code == 201
    assert put_fic(emu, "id-conc", "seq-b", "seq-b").status_code == 201
    assert emu.arm("DELETE", fic_path(emu, "id-conc", "seq-a"), api_version=API).status_code == 200


def test_fic_concurrent_writes_with_retries_all_land(emu):
    emu.freeze()
    emu.config(fic_write_window=1)
    put_identity(emu, "id-conc")
    statuses, _conflicts = _parallel_puts(emu, 10, retry=True)
    assert 409 in statuses and statuses.count(201) == 10, statuses
    listed = emu.arm("GET", fic_path(emu, "id-conc"), api_version=API, params={"$top": "20"}).json()["value"]
    assert sorted(f["name"] for f in listed) == [f"fic{i:02d}" for i in range(10)]


def test_fic_concurrency_rule_off(fast):
    put_identity(fast, "id-conc")
    statuses, _conflicts = _parallel_puts(fast, 10, retry=False)
    assert statuses == [201] * 10


def test_token_for_managed_identity_fic(fast):
    emu = fast
    identity = put_identity(emu, "id-token").json()["properties"]
    client_id = identity["clientId"]
    none = federated_token(emu, client_id, "sc://org/p/conn")
    assert none.status_code == 400 and none.json()["error_codes"] == [70025]
    put_fic(emu, "id-token", "ado", "sc://org/p/conn")
    ok = federated_token(emu, client_id, "sc://org/p/conn")
    assert ok.status_code == 200, ok.text
    claims = claims_of(ok.json()["access_token"])
    assert claims["appid"] == client_id and claims["oid"] == identity["principalId"] and claims["appidacr"] == "2"
    assert federated_token(emu, client_id, "sc://org/p/CONN").json()["error_codes"] == [700213]
    assert federated_token(emu, client_id, "sc://org/p/conn", issuer="https://other.example.com").status_code == 401
    secret = emu.request("POST", f"/{emu.info['tenant_id']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": "guess",
        "scope": "https://management.azure.com/.default"})
    assert secret.status_code == 401 and secret.json()["error_codes"] == [7000215]
    emu.arm("DELETE", uai_path(emu, "id-token"), api_version=API)
    gone = federated_token(emu, client_id, "sc://org/p/conn")
    assert gone.status_code == 400 and gone.json()["error_codes"] == [700016]


def test_seed_managed_identities(fast):
    emu = fast
    client_id, principal_id = str(uuid.uuid4()), str(uuid.uuid4())
    created = emu.seed({"managedIdentities": [{
        "name": "id-seeded", "location": "westus", "tags": {"k": "v"}, "clientId": client_id,
        "principalId": principal_id,
        "federatedIdentityCredentials": [{"name": "ado", "issuer": ISSUER, "subject": "sc://org/p/seeded"}]}]})
    record = created["managedIdentities"][0]
    assert record["clientId"] == client_id and record["principalId"] == principal_id
    got = emu.arm("GET", uai_path(emu, "id-seeded"), api_version=API).json()
    assert got["location"] == "westus" and got["tags"] == {"k": "v"}
    fics = emu.arm("GET", fic_path(emu, "id-seeded"), api_version=API).json()["value"]
    assert fics[0]["properties"]["audiences"] == [AUDIENCE]
    assert federated_token(emu, client_id, "sc://org/p/seeded").status_code == 200
    # Seeded identities are old (replicated) unless "age" says otherwise.
    ra = emu.arm("PUT", f"{emu.rg_path}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}", json={
        "properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
                       "principalId": principal_id}})
    assert ra.status_code == 201, ra.text
    bad = emu.admin("POST", "/seed", json={"managedIdentities": [{"name": "x"}]})
    assert bad.status_code == 400
    assert "managedIdentities" in emu.admin("GET", "/state").json()["managed_identity"]


def test_operations_and_associated_resources(fast):
    emu = fast
    ops = emu.arm("GET", "/providers/Microsoft.ManagedIdentity/operations", api_version=OLD_API)
    assert ops.status_code == 200
    names = {o["name"] for o in ops.json()["value"]}
    assert "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write" in names
    put_identity(emu, "id-assoc")
    emu.admin("DELETE", "/requests")
    assoc = emu.arm("POST", uai_path(emu, "id-assoc") + "/listAssociatedResources", api_version="2022-01-31-preview")
    assert assoc.status_code == 200 and assoc.json() == {"totalCount": 0, "value": []}
    assert emu.log()[-1]["write"] is False
    wrong = emu.arm("POST", uai_path(emu, "id-assoc") + "/listAssociatedResources", api_version=API)
    assert wrong.status_code == 400
