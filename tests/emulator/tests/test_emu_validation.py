# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request validation against the official specs: request-log fields, the cumulative record, rejection."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from emulator.validation import SPEC_DIR, Library

from .azdo_support import Azdo

MSI_API = "2024-11-30"
RA_API = "2022-04-01"
POOL_API = "2025-01-21"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ISSUER = "https://vstoken.example.com/org-id"


@pytest.fixture
def val(emu):
    """The emulator with an empty violation record."""
    assert emu.admin("DELETE", "/violations").status_code == 204
    return emu


def entry(emu, method: str, path_end: str) -> dict:
    """The last logged request with that method whose path ends with path_end."""
    found = [e for e in emu.log() if e["method"] == method and e["path"].endswith(path_end)]
    assert found, f"{method} ...{path_end} not in the request log"
    return found[-1]


def rules(log_entry: dict) -> list:
    return [(v["rule"], v["at"]) for v in log_entry["violations"]]


def uai(emu, name: str) -> str:
    return f"{emu.rg_path}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"


def assignment(emu, name: str | None = None) -> str:
    return f"{emu.rg_path}/providers/Microsoft.Authorization/roleAssignments/{name or uuid.uuid4()}"


def role_body(emu, **props) -> dict:
    body = {"roleDefinitionId": f"/subscriptions/{emu.sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
            "principalId": emu.info["principal_id"], "principalType": "ServicePrincipal"}
    body.update(props)
    return {"properties": body}


def pool_body(emu, organization_profile: dict) -> dict:
    return {"location": "eastus", "properties": {
        "maximumConcurrency": 1,
        "devCenterProjectResourceId": f"{emu.rg_path}/providers/Microsoft.DevCenter/projects/p1",
        "organizationProfile": organization_profile,
        "agentProfile": {"kind": "Stateless"},
        "fabricProfile": {"kind": "Vmss", "sku": {"name": "Standard_D2ads_v5"},
                          "images": [{"wellKnownImageName": "ubuntu-22.04/latest"}]}}}


def graph(emu, method: str, path: str, **kwargs):
    headers = {"Authorization": f"Bearer {emu.token(GRAPH_SCOPE)}"}
    return emu.request(method, "/v1.0" + path, headers=headers, **kwargs)


def test_every_stored_spec_loads_and_only_the_unstored_common_types_stay_unresolved():
    library = Library()
    by_source = {op.source for op in library.operations}
    assert len(library.operations) > 100
    assert any(source.startswith("ado-graph/7.1/graph.json") for source in by_source)
    assert "keyvault/2024-11-01/examples/getVault.json (example)" in by_source
    assert sorted(library.unresolved) == [f"common-types/resource-management/{v}/types.json" for v in ("v2", "v4", "v5")]
    assert all(op.versions for op in library.operations)


def test_spec_copies_are_the_shared_files_byte_for_byte():
    rows = re.findall(r"^\| `([^`]+)` \| (?:same path|`([^`]+)`) \|.*\| `([0-9a-f]{64})` \|$",
                      (SPEC_DIR / "SOURCES.md").read_text(encoding="utf-8"), re.MULTILINE)
    stored = sorted(str(p.relative_to(SPEC_DIR)) for p in SPEC_DIR.rglob("*.json*"))
    assert sorted(row[0] for row in rows) == stored
    shared = Path(__file__).resolve().parents[4] / "shared" / "api-specs"
    for name, original, digest in rows:
        data = (SPEC_DIR / name).read_bytes()
        data = gzip.decompress(data) if name.endswith(".gz") else data
        assert hashlib.sha256(data).hexdigest() == digest, name
        if shared.is_dir():
            assert (shared / (original or name)).read_bytes() == data, name


def test_valid_requests_name_their_operation_and_have_no_violations(val):
    emu = val
    assert emu.arm("PUT", uai(emu, "id-ok"), MSI_API, json={"location": "eastus", "tags": {"a": "b"}}).status_code == 201
    fic = {"properties": {"issuer": ISSUER, "subject": "sc://o/p/c", "audiences": ["api://AzureADTokenExchange"]}}
    emu.config(fic_concurrency_conflicts=False)
    assert emu.arm("PUT", uai(emu, "id-ok") + "/federatedIdentityCredentials/fic-ok", MSI_API, json=fic).status_code == 201
    listed = emu.arm("GET", f"{emu.rg_path}/providers/Microsoft.ManagedIdentity/userAssignedIdentities", MSI_API)
    assert listed.status_code == 200
    roles = emu.arm("GET", f"/subscriptions/{emu.sub}/providers/Microsoft.Authorization/roleDefinitions", RA_API,
                    params={"$filter": "roleName eq 'Reader'"})
    assert roles.status_code == 200
    expected = {("PUT", "/userAssignedIdentities/id-ok"): "UserAssignedIdentities_CreateOrUpdate",
                ("PUT", "/fic-ok"): "FederatedIdentityCredentials_CreateOrUpdate",
                ("GET", "/userAssignedIdentities"): "UserAssignedIdentities_ListByResourceGroup",
                ("GET", "/roleDefinitions"): "RoleDefinitions_List"}
    for (method, end), op_id in expected.items():
        logged = entry(emu, method, end)
        assert logged["spec"] == op_id
        assert logged["violations"] == [], logged
    token = entry(emu, "POST", "/oauth2/v2.0/token")
    assert token["spec"] == "unchecked" and token["violations"] == []
    assert emu.admin("GET", "/violations").json()["count"] == 0


def test_api_version_outside_the_spec_is_recorded_but_served(val):
    emu = val
    resp = emu.arm("PUT", uai(emu, "id-old"), "2023-01-31", json={"location": "eastus"})
    assert resp.status_code == 201  # the service knows that version; the stored spec does not
    assert rules(entry(emu, "PUT", "/id-old")) == [("api-version", "api-version")]


def test_role_assignment_body_rules(val):
    emu = val
    resp = emu.arm("PUT", assignment(emu), RA_API, json=role_body(emu, scope=emu.rg_path, principalType="Robot"))
    logged = emu.log()[-1]
    assert logged["method"] == "PUT" and logged["spec"] == "RoleAssignments_Create"
    messages = {(v["at"], v["message"].split(" (")[0]) for v in logged["violations"]}
    assert ("$.properties.scope", "read-only property sent by the client") in messages
    assert any(at == "$.properties.principalType" and "is not one of" in msg for at, msg in messages)
    assert resp.status_code in (201, 400)
    emu.arm("PUT", assignment(emu), RA_API, json={"properties": {"roleDefinitionId": READER}})
    assert ("body", "$.properties.principalId") in rules(emu.log()[-1])
    emu.arm("PUT", assignment(emu), RA_API, json={"properties": {"roleDefinitionId": READER, "principalId": 7}})
    assert any("expected string, got integer" in v["message"] for v in emu.log()[-1]["violations"])


def test_query_parameters(val):
    emu = val
    base = f"/subscriptions/{emu.sub}/providers/Microsoft.Authorization/roleDefinitions"
    emu.arm("GET", base, RA_API, params={"$filter": "roleName eq 'Reader'", "$skipToken": "opaque"})
    assert emu.log()[-1]["violations"] == []  # skip tokens come from the server's nextLink
    emu.arm("GET", base, RA_API, params={"colour": "blue"})
    assert rules(emu.log()[-1]) == [("query", "colour")]
    emu.arm("GET", uai(emu, "x") + "/federatedIdentityCredentials", MSI_API, params={"$top": "many"})
    assert rules(emu.log()[-1]) == [("query", "$top")]


def test_path_parameter_pattern_and_type_mismatch(val):
    emu = val
    emu.config(fic_concurrency_conflicts=False)
    emu.arm("PUT", uai(emu, "id-fic"), MSI_API, json={"location": "eastus"})
    resp = emu.arm("PUT", uai(emu, "id-fic") + "/federatedIdentityCredentials/x", MSI_API,
                   json={"properties": {"issuer": ISSUER, "subject": "s", "audiences": ["api://AzureADTokenExchange"]}})
    assert resp.status_code == 400
    assert rules(emu.log()[-1]) == [("path", "federatedIdentityCredentialResourceName")]
    emu.arm("PUT", uai(emu, "id-fic") + "/federatedIdentityCredentials/fic-two", MSI_API,
            json={"properties": {"issuer": ISSUER, "subject": "s", "audiences": "api://AzureADTokenExchange"}})
    assert [v["message"] for v in emu.log()[-1]["violations"]] == ["expected array, got string"]


def test_method_the_spec_does_not_have(val):
    emu = val
    emu.arm("PATCH", uai(emu, "id-x") + "/federatedIdentityCredentials/fic-x", MSI_API, json={})
    logged = emu.log()[-1]
    assert logged["spec"] == "method-not-in-spec" and rules(logged) == [("method", "PATCH")]


def test_discriminated_bodies_and_nullable_identity_entries(val):
    emu = val
    pool = f"{emu.rg_path}/providers/Microsoft.DevOpsInfrastructure/pools/pool-v"
    emu.arm("PUT", pool, POOL_API, json=pool_body(emu, {"kind": "Bogus"}))
    assert rules(emu.log()[-1]) == [("body", "$.properties.organizationProfile.kind")]
    emu.arm("PUT", pool, POOL_API, json=pool_body(emu, {"kind": "AzureDevOps"}))
    assert ("body", "$.properties.organizationProfile.organizations") in rules(emu.log()[-1])
    emu.arm("PUT", pool, POOL_API, json=pool_body(emu, {"kind": "AzureDevOps", "organizations": [
        {"url": "https://dev.azure.com/o", "parallelism": "1"}]}))
    assert rules(emu.log()[-1]) == [("body", "$.properties.organizationProfile.organizations[0].parallelism")]
    patch = {"identity": {"type": "UserAssigned", "userAssignedIdentities": {uai(emu, "gone"): None}}}
    emu.arm("PATCH", pool, POOL_API, json=patch)
    logged = emu.log()[-1]
    assert logged["spec"] == "Pools_Update" and logged["violations"] == []
    emu.arm("PATCH", pool, POOL_API, json={"tags": None})
    assert [v["message"] for v in emu.log()[-1]["violations"]] == ["null is not allowed here (not x-nullable)"]


def test_azure_devops_versions_content_types_and_examples(val):
    emu = val
    ado = Azdo(emu)
    assert ado.call("GET", f"/_apis/projects/{ado.project}").status_code == 200
    assert entry(emu, "GET", f"/projects/{ado.project}")["spec"] == "Projects_Get"
    assert emu.log()[-1]["violations"] == []
    endpoint = str(uuid.uuid4())
    ado.call("GET", f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/{endpoint}", version="7.1")
    assert rules(emu.log()[-1]) == [("api-version", "api-version")]
    ado.call("GET", f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/{endpoint}", version=None,
             headers={"Accept": "application/json;api-version=7.1-preview.1"})
    assert emu.log()[-1]["violations"] == []
    ado.call("GET", f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/not-a-guid", version="7.1-preview.1")
    assert emu.log()[-1]["violations"] == []  # resourceId is a plain string in the spec
    ado.call("PATCH", f"/_apis/serviceprincipalentitlements/{uuid.uuid4()}", version="7.1-preview.1",
             json=[{"op": "replace", "path": "/accessLevel", "value": {"accountLicenseType": "express"}}])
    assert rules(emu.log()[-1]) == [("content-type", "Content-Type")]
    ado.call("PATCH", f"/_apis/serviceprincipalentitlements/{uuid.uuid4()}", version="7.1-preview.1",
             data=json.dumps([{"op": "swap", "path": "/accessLevel"}]),
             headers={"Content-Type": "application/json-patch+json"})
    assert rules(emu.log()[-1]) == [("body", "$[0].op")]
    ado.call("GET", f"/{ado.project}/_apis/serviceendpoint/endpoints", params={"endpointNames": "a,b", "includeFailed": "yes"})
    logged = emu.log()[-1]
    assert logged["spec"].startswith("Endpoints_Get Service Endpoints") and rules(logged) == [("query", "includeFailed")]


def test_graph_contract_table(val):
    emu = val
    graph(emu, "POST", "/applications", json={"signInAudience": "AzureADMyOrg"})
    logged = emu.log()[-1]
    assert logged["spec"] == "application: create" and logged["spec_source"] == "CONTRACTS.md section 7"
    assert rules(logged) == [("body", "$.displayName")]
    graph(emu, "POST", "/applications", json={"displayName": "a", "passwordCredentials": []})
    assert rules(emu.log()[-1]) == [("body", "$.passwordCredentials")]
    app = graph(emu, "POST", "/applications", json={"displayName": "val-app"}).json()
    assert emu.log()[-1]["violations"] == []
    graph(emu, "POST", f"/applications(appId='{app['appId']}')/federatedIdentityCredentials",
          json={"name": "f1", "issuer": ISSUER, "subject": "s"})
    assert rules(emu.log()[-1]) == [("body", "$.audiences")]
    graph(emu, "POST", f"/applications/{app['id']}/removePassword", json={})
    assert rules(emu.log()[-1]) == [("body", "$.keyId")]
    graph(emu, "PATCH", f"/applications/{app['id']}", json={"displayName": "renamed"})
    logged = emu.log()[-1]
    assert logged["spec"] == "unchecked" and "section 7" in logged["unchecked_reason"]


def test_record_survives_log_clears_and_resets_until_deleted(val):
    emu = val
    emu.arm("GET", uai(emu, "x"), MSI_API, params={"bogus": "1"})
    assert emu.admin("DELETE", "/requests").status_code == 204
    assert emu.admin("POST", "/reset").status_code == 200
    record = emu.admin("GET", "/violations").json()
    assert record["count"] == 1
    [item] = record["violations"]
    assert item["path"].endswith("/userAssignedIdentities/x") and item["spec"] == "UserAssignedIdentities_Get"
    assert item["user_agent"].startswith("python-requests/")
    ops = {(op["method"], op["spec"]): op for op in record["operations"]}
    assert ops[("GET", "UserAssignedIdentities_Get")]["violating_requests"] == 1
    assert any(op["spec"] == "unchecked" and op["service"] == "entra" for op in record["operations"])
    assert emu.admin("DELETE", "/violations").status_code == 204
    cleared = emu.admin("GET", "/violations").json()
    assert (cleared["count"], cleared["violations"], cleared["operations"]) == (0, [], [])


def test_reject_mode_answers_in_each_services_shape(val):
    emu = val
    emu.config(reject_spec_violations=True)
    resp = emu.arm("PUT", uai(emu, "id-rej"), "2023-01-31", json={"location": "eastus"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "InvalidApiVersionParameter"
    assert emu.arm("GET", uai(emu, "id-rej"), MSI_API).status_code == 404  # the handler did not run
    resp = emu.arm("PUT", assignment(emu), RA_API, json=role_body(emu, createdBy="me"))
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "InvalidRequestContent"
    assert "$.properties.createdBy" in resp.json()["error"]["message"]
    resp = graph(emu, "POST", "/applications", json={})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "Request_BadRequest"
    ado = Azdo(emu)
    resp = ado.call("GET", f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/{uuid.uuid4()}")
    assert resp.json()["typeKey"] == "VssInvalidPreviewVersionException"  # the service's own check comes first
    resp = ado.call("GET", f"/{ado.project}/_apis/serviceendpoint/endpoints", params={"endpointNames": "a", "includeFailed": "yes"})
    assert resp.status_code == 400 and resp.json()["typeKey"] == "ArgumentException"
    assert ado.call("GET", "/_apis/projects", auth=None).status_code == 401  # authentication still comes first
    assert emu.arm("PUT", uai(emu, "id-rej"), MSI_API, json={"location": "eastus"}).status_code == 201


def test_check_command_exits_non_zero_while_violations_are_recorded(val, tmp_path):
    emu = val
    info = tmp_path / "info.json"
    info.write_text(json.dumps(emu.info))
    cmd = [sys.executable, "-m", "emulator.validation", "--info-file", str(info)]
    tests_dir = str(SPEC_DIR.parents[1])  # <repo>/tests, which holds the emulator package
    options = dict(capture_output=True, text=True, timeout=60, cwd=tests_dir,
                   env=dict(os.environ, PYTHONPATH=tests_dir))
    clean = subprocess.run(cmd, check=False, **options)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    emu.arm("GET", uai(emu, "x"), MSI_API, params={"bogus": "1"})
    dirty = subprocess.run(cmd + ["--client", "python-requests"], check=False, **options)
    assert dirty.returncode == 1
    assert "VIOLATION GET" in dirty.stdout and "bogus" in dirty.stdout
    other = subprocess.run(cmd + ["--client", "azdo.identity/"], check=False, **options)
    assert other.returncode == 0, other.stdout
