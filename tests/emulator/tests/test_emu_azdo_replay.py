# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay recorded Azure DevOps traffic, and compare response keys with the recorded samples and the
official examples (``../shared/recordings``, ``../shared/api-specs`` beside the repository; skipped when absent).

The azure-devops CLI recording of project create/list/show/delete is replayed request by request: the
organization URL is rewritten to the emulator's, ids the emulator generates (operations, projects) are
mapped as they appear, and the api-version travels in the Accept header as recorded. Status codes and
the key sets of the bodies must match. Operation polls are compared on keys only: the emulator finishes
the operations at once (``azdo_operation_seconds`` 0), the live service took a few polls.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from .azdo_support import Azdo

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
RECORDINGS = SHARED / "recordings"
SPECS = SHARED / "api-specs"
CLI = RECORDINGS / "azure-devops-cli-extension"
RECORDED_ORG = re.compile(r"^https://(?P<host>[a-z]+\.)?dev\.azure\.com/(?P<org>[^/?]+)")
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# The user-entitlement cassette only calls APIs the emulator does not serve (UserEntitlements, Identities).
NOT_SERVED = re.compile(r"/_apis/(UserEntitlements|Identities)\b", re.IGNORECASE)
# List item keys that are present only when set (TeamProjectReference.description).
OPTIONAL_ITEM_KEYS = {"description"}


@pytest.fixture
def ado(emu):
    return Azdo(emu)


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


def keys_of(value) -> object:
    """Key structure used for comparison: top-level keys, and for lists the keys of their items."""
    if isinstance(value, dict):
        shape = {"keys": set(value)}
        if isinstance(value.get("value"), list):
            shape["items"] = [set(item) for item in value["value"] if isinstance(item, dict)]
        return shape
    return type(value).__name__


def assert_same_shape(recorded, ours, where: str) -> None:
    rec, mine = keys_of(recorded), keys_of(ours)
    if not isinstance(rec, dict):
        assert rec == mine, where
        return
    assert rec["keys"] == mine["keys"], f"{where}: {rec['keys'] ^ mine['keys']}"
    if "items" in rec:
        recorded_union = set().union(*rec["items"]) if rec["items"] else set()
        recorded_core = set.intersection(*rec["items"]) if rec["items"] else set()
        for item in mine["items"]:
            assert recorded_core <= item <= recorded_union | OPTIONAL_ITEM_KEYS, f"{where}: {item ^ recorded_union}"


@pytest.mark.parametrize("cassette", ["test_devops_projects_CreateListShowDelete.yaml",
                                      "test_devops_user_command_addUpdateListShowRemove.yaml"])
def test_replay_azure_devops_cli(ado, emu, cassette):
    with open(need(CLI / cassette), encoding="utf-8") as handle:
        interactions = yaml.safe_load(handle)["interactions"]
    served = [i for i in interactions if not NOT_SERVED.search(urlsplit(i["request"]["uri"]).path)]
    if not served:
        pytest.skip("user entitlements and identity search are not emulated (only service principal entitlements)")
    emu.config(azdo_operation_seconds=0.0)
    ids: dict = {}
    for number, item in enumerate(served):
        request, response = item["request"], item["response"]
        uri = RECORDED_ORG.sub(ado.info["organization_url"], request["uri"])
        recorded_org = RECORDED_ORG.match(request["uri"]).group("org")
        uri = uri.replace(f"/{recorded_org}/", f"/{ado.info['organization']}/")
        for old, new in ids.items():
            uri = uri.replace(old, new)
        headers = {"Accept": request["headers"]["Accept"][0], "Content-Type": "application/json; charset=utf-8",
                   "X-TFS-Session": request["headers"]["X-TFS-Session"][0]}
        headers.update(ado.pat_header())
        body = request.get("body")
        resp = emu.request(request["method"], uri, headers=headers, data=body.encode() if body else None)
        where = f"{cassette}#{number} {request['method']} {urlsplit(request['uri']).path}"
        assert resp.status_code == response["status"]["code"], f"{where}: {resp.text}"
        assert resp.headers["X-TFS-Session"] == headers["X-TFS-Session"]
        recorded_body = response["body"]["string"]
        if not recorded_body:
            continue
        recorded = json.loads(recorded_body)
        ours = resp.json()
        assert_same_shape(recorded, ours, where)
        if isinstance(recorded, dict) and GUID.fullmatch(str(recorded.get("id", ""))):
            ids.setdefault(recorded["id"], ours["id"])
        version = re.search(r"api-version=([\w.-]+)", headers["Accept"]).group(1)
        assert resp.headers["Content-Type"] == f"application/json; charset=utf-8; api-version={version}"


def test_project_shapes_match_the_vsteam_samples(ado):
    single = json.loads(need(RECORDINGS / "vsteam" / "Get-VSTeamProject-NamePeopleTracker.json").read_text())
    listed = json.loads(need(RECORDINGS / "vsteam" / "Get-VSTeamProject.json").read_text())
    seeded = ado.ok("GET", f"/_apis/projects/{ado.project}")
    assert set(seeded) - {"description"} == set(single)
    assert_same_shape(listed, ado.ok("GET", "/_apis/projects"), "projects list")


def example(relative: str) -> dict:
    with open(need(SPECS / relative), encoding="utf-8-sig") as handle:
        data = json.load(handle)
    responses = data["responses"]
    return next(iter(responses.values()))["body"]


def test_shapes_match_the_official_examples(ado):
    endpoint = ado.by_name("sc-manual-spn")[0]
    azurerm = example("ado-serviceendpoint/7.1/httpExamples/endpoints/CreateAzureRMEndpoint.json")
    assert set(azurerm) <= set(endpoint)
    assert set(azurerm["authorization"]["parameters"]) == set(endpoint["authorization"]["parameters"])
    assert set(azurerm["createdBy"]) == set(endpoint["createdBy"])
    permissions = example("ado-pipelinepermissions/7.1/httpExamples/pipelinePermissions/"
                          "PATCH__UpdatePipelinePermissionsForResource.json")
    ours = ado.ok("PATCH", f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/{endpoint['id']}",
                  version="7.1-preview.1", json={"pipelines": [{"id": 1, "authorized": True}]})
    assert set(permissions) == set(ours) and set(permissions["resource"]) == set(ours["resource"])
    assert set(permissions["pipelines"][0]) == set(ours["pipelines"][0])
    assert set(permissions["pipelines"][0]["authorizedBy"]) == set(ours["pipelines"][0]["authorizedBy"])
    app = ado.new_app("shape")
    graph = example("ado-graph/7.1/httpExamples/ServicePrincipals/CreateServicePrincipal.json")
    created = ado.ok("POST", "/_apis/graph/serviceprincipals", status=201, version="7.1-preview.1",
                     json={"originId": app["principalId"]})
    assert set(graph) == set(created) and set(graph["_links"]) == set(created["_links"])
    entitlement = example("ado-memberentitlementmanagement/7.1/httpExamples/ServicePrincipalEntitlements/"
                          "GET__memberEntitlementManagement_ServicePrincipalEntitlementById.json")
    key = created["descriptor"]
    mine = ado.ok("GET", f"/_apis/serviceprincipalentitlements/{ado.state()['members'][-1]['id']}",
                  version="7.1-preview.1")
    assert mine["servicePrincipal"]["descriptor"] == key
    assert set(entitlement) == set(mine)
    assert set(entitlement["accessLevel"]) == set(mine["accessLevel"])
    assert set(entitlement["servicePrincipal"]) == set(mine["servicePrincipal"])
    assert set(entitlement["projectEntitlements"][0]) <= {"projectRef", "group", "projectPermissionInherited",
                                                          "teamRefs", "assignmentSource"}
    post = example("ado-memberentitlementmanagement/7.1/httpExamples/ServicePrincipalEntitlements/"
                   "POST__memberEntitlementManagement_ServicePrincipalEntitlement.json")
    other = ado.new_app("shape-two")
    added = ado.ok("POST", "/_apis/serviceprincipalentitlements", version="7.1-preview.1", json={
        "accessLevel": {"accountLicenseType": "stakeholder"},
        "servicePrincipal": {"origin": "aad", "originId": other["principalId"], "subjectKind": "servicePrincipal"}})
    assert set(post) == set(added) and set(post["operationResult"]) == set(added["operationResult"])
