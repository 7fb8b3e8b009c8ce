# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps: authentication, api-version, location service, projects, pipelines, pipeline permissions."""

from __future__ import annotations

import uuid

import pytest

from .azdo_support import ADO_SCOPE, Azdo, assert_azdo_error

# Location ids and resource area ids as the azure-devops 7.1 Python SDK addresses them (location_id=... and
# resource_area_identifier of its clients).
SDK_LOCATIONS = {
    "603fe2ac-9723-48b9-88ad-09305aa6c6e1": ("core", "projects"),
    "93878975-88c5-4e6a-8abb-7ddd77a8a7d8": ("core", "processes"),
    "9a1b74b4-2ca8-4a9f-8470-c2f2e6fdc949": ("operations", "operations"),
    "14e48fdc-2c8b-41ce-a0c3-e26f6cc55bd0": ("serviceendpoint", "endpoints"),
    "e85f1c62-adfc-4b74-b618-11a150fb195e": ("serviceendpoint", "endpoints"),
    "28e1305e-2afe-47bf-abaf-cbb0e6a91988": ("pipelines", "pipelines"),
    "b5b9a4a4-e6cd-4096-853c-ab7d8b0c4eb2": ("pipelinePermissions", "pipelinePermissions"),
    "e1dbb0ae-49cb-4532-95a1-86cd89cfcab4": ("Graph", "ServicePrincipals"),
    "f03dbf50-80f8-41b7-8ca2-65b6a178caba": ("MemberEntitlementManagement", "ServicePrincipalEntitlements"),
    "1d491a66-190b-43ae-86b8-9c2688c55186": ("MemberEntitlementManagement", "ServicePrincipalEntitlements"),
    "e81700f7-3be2-46de-8624-2eb35882fcaa": ("Location", "ResourceAreas"),
    "00d9565f-ed9c-4a06-9a50-00e7896ccab4": ("Location", "ConnectionData"),
}
SDK_AREAS = {"79134c72-4a58-4b42-976c-04e7115f32bf", "1814ab31-2f4f-4a9f-8761-f4d77dc5a5d7",
             "a81a0441-de52-4000-aa15-ff0e07bfbbaa", "bb1e7ec9-e901-4b68-999a-de7012b920f8",
             "68ddce18-2501-45f1-a17b-7931a9922690"}
PROJECT_LIST_KEYS = {"id", "name", "description", "url", "state", "revision", "visibility", "lastUpdateTime"}


@pytest.fixture
def ado(emu):
    return Azdo(emu)


def mint(emu, **body) -> str:
    resp = emu.admin("POST", "/token", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def endpoint_id(ado, name="sc-manual-spn") -> str:
    return ado.by_name(name)[0]["id"]


# ---------------------------------------------------------------------------------------------- auth
def test_info_keys_and_reset_keeps_ids(ado, emu):
    info = emu.info
    assert uuid.UUID(info["organization_id"]) and uuid.UUID(info["project_id"])
    assert len(info["azdo_pat"]) >= 40
    assert info["organization_url"] == f"{info['base_url']}/{info['organization']}"
    assert ado.ok("GET", f"/_apis/projects/{info['project_name']}")["id"] == info["project_id"]
    ado.ok("POST", "/_apis/projects", status=202, json={"name": "temp"})
    assert emu.admin("POST", "/reset").status_code == 200
    assert ado.call("GET", "/_apis/projects/temp").status_code == 404
    assert ado.ok("GET", f"/_apis/projects/{info['project_id']}")["name"] == info["project_name"]


def test_pat_with_any_user_name_and_bad_credentials(ado):
    assert ado.call("GET", "/_apis/projects").status_code == 200
    resp = ado.call("GET", "/_apis/projects", auth=None, headers=ado.pat_header("wrong-pat"))
    body = assert_azdo_error(resp, 401, "UnauthorizedRequestException", "VS30063")
    assert body["eventId"] == 3000
    challenge = resp.headers["WWW-Authenticate"]
    assert "Bearer authorization_uri=" in challenge and "Basic realm=" in challenge
    assert resp.headers["X-VSS-ResourceTenant"] == ado.info["tenant_id"]
    assert ado.call("GET", "/_apis/projects", auth=None).status_code == 401
    assert ado.call("GET", "/_apis/projects", auth=None, headers={"Authorization": "Basic !!!"}).status_code == 401


def test_bearer_token_audiences_expiry_and_tenant(ado, emu):
    assert ado.call("GET", "/_apis/projects", auth="token").status_code == 200
    arm = emu.token()
    assert_azdo_error(ado.call("GET", "/_apis/projects", auth=arm), 401, "UnauthorizedRequestException", "VS30063")
    api_uri = mint(emu, audience="api://499b84ac-1321-427f-aa17-267ca6975798")
    assert ado.call("GET", "/_apis/projects", auth=api_uri).status_code == 200
    expired = mint(emu, audience=ADO_SCOPE.split("/", 1)[0], lifetime=-60)
    assert ado.call("GET", "/_apis/projects", auth=expired).status_code == 401
    foreign = mint(emu, audience=ADO_SCOPE.split("/", 1)[0], claims={"tid": str(uuid.uuid4())})
    assert_azdo_error(ado.call("GET", "/_apis/projects", auth=foreign), 401, "UnauthorizedRequestException", "TF400813")


def test_service_principal_outside_the_organization(ado, emu):
    app = ado.new_app("outsider")
    token = ado.sp_token(app["appId"], app["secrets"][0]["value"])
    resp = ado.call("GET", "/_apis/projects", auth=token)
    assert_azdo_error(resp, 401, "UnauthorizedRequestException", f"TF400813: The user '{app['principalId']}'")
    emu.config(azdo_require_membership=False)
    assert ado.call("GET", "/_apis/projects", auth=token).status_code == 200


def test_unauthenticated_sign_in_page_variant(ado, emu):
    emu.config(azdo_unauthenticated="203-html")
    resp = ado.call("GET", "/_apis/projects", auth=None)
    assert resp.status_code == 203
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "Azure DevOps Services | Sign In" in resp.text
    suppressed = ado.call("GET", "/_apis/projects", auth=None, headers={"X-TFS-FedAuthRedirect": "Suppress"})
    assert_azdo_error(suppressed, 401, "UnauthorizedRequestException")


def test_response_headers(ado):
    resp = ado.call("GET", "/_apis/projects", headers={"X-TFS-Session": "session-1"})
    assert resp.headers["ActivityId"] == resp.headers["X-VSS-E2EID"]
    assert resp.headers["X-TFS-Session"] == "session-1"
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8; api-version=7.1"
    assert resp.headers["X-VSS-UserData"].endswith(":admin@" + ado.info["tenant_domain"])


# ---------------------------------------------------------------------------------------------- api-version
def test_api_version_rules(ado, emu):
    resp = ado.call("POST", "/_apis/serviceendpoint/endpoints", version=None, json={})
    assert_azdo_error(resp, 400, "VssVersionNotSpecifiedException", 'No api-version was supplied for the "POST" request')
    assert_azdo_error(ado.call("GET", "/_apis/projects", version=None), 400, "VssVersionNotSpecifiedException")
    perms = f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/{endpoint_id(ado)}"
    body = assert_azdo_error(ado.call("GET", perms, version="7.1"), 400, "VssInvalidPreviewVersionException",
                             'The requested version "7.1" of the resource is under preview.')
    assert body["message"].endswith('For example: "7.1-preview"')
    assert ado.call("GET", perms, version="7.1-preview.1").status_code == 200
    assert ado.call("GET", perms, version="7.2-preview.1").status_code == 200
    assert ado.call("GET", perms, version="7.1-preview").status_code == 200
    assert_azdo_error(ado.call("GET", "/_apis/projects", version="7.2"), 400, "VssInvalidPreviewVersionException")
    assert ado.call("GET", "/_apis/projects", version="7.2-preview.4").status_code == 200
    assert_azdo_error(ado.call("GET", "/_apis/projects", version="8.0"), 400, "VssVersionOutOfRangeException",
                      "The latest REST API version this server supports is 7.2.")
    assert_azdo_error(ado.call("GET", "/_apis/projects", version="latest"), 400, "VssInvalidApiVersionException")
    assert_azdo_error(ado.call("GET", "/_apis/graph/serviceprincipals", version="7.1"), 400,
                      "VssInvalidPreviewVersionException")
    assert_azdo_error(ado.call("POST", "/_apis/serviceprincipalentitlements", version="7.1", json={}), 400,
                      "VssInvalidPreviewVersionException")
    accept = ado.call("GET", "/_apis/projects", version=None, headers={"Accept": "application/json;api-version=5.0"})
    assert accept.status_code == 200
    assert accept.headers["Content-Type"].endswith("api-version=5.0")
    assert ado.call("GET", "/_apis/projects", version=None, auth=None).status_code == 401  # authentication first
    emu.config(azdo_require_api_version_on_get=False)
    assert ado.call("GET", "/_apis/projects", version=None).status_code == 200


# ---------------------------------------------------------------------------------------------- location service
def test_location_service_uses_the_real_ids(ado):
    resp = ado.call("OPTIONS", "/_apis", version=None, auth=None)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["count"] == len(body["value"])
    by_id = {item["id"]: item for item in body["value"]}
    for location_id, (area, resource) in SDK_LOCATIONS.items():
        item = by_id[location_id]
        assert (item["area"], item["resourceName"]) == (area, resource)
        assert set(item) == {"id", "area", "resourceName", "routeTemplate", "resourceVersion", "minVersion",
                             "maxVersion", "releasedVersion"}
        assert item["maxVersion"] == 7.2
    assert by_id["e85f1c62-adfc-4b74-b618-11a150fb195e"]["routeTemplate"].startswith("{project}/_apis/")
    assert by_id["e1dbb0ae-49cb-4532-95a1-86cd89cfcab4"]["releasedVersion"] == "0.0"
    assert by_id["603fe2ac-9723-48b9-88ad-09305aa6c6e1"]["resourceVersion"] == 4
    filtered = ado.call("OPTIONS", "/_apis/serviceendpoint", version=None, auth=None).json()["value"]
    assert {item["id"] for item in filtered} == {"14e48fdc-2c8b-41ce-a0c3-e26f6cc55bd0",
                                                 "e85f1c62-adfc-4b74-b618-11a150fb195e"}


def test_resource_areas_point_at_the_organization(ado):
    org_url = ado.info["organization_url"] + "/"
    areas = ado.call("GET", "/_apis/ResourceAreas", version="7.1-preview.1", auth=None).json()["value"]
    assert {a["id"] for a in areas} == SDK_AREAS
    assert {a["locationUrl"] for a in areas} == {org_url}
    core = ado.call("GET", "//_apis/ResourceAreas/79134c72-4a58-4b42-976c-04e7115f32bf", version="5.0-preview.1",
                    auth=None, params={"accountName": ado.info["organization"]})
    assert core.status_code == 200, core.text
    assert core.json() == {"id": "79134c72-4a58-4b42-976c-04e7115f32bf", "name": "core", "locationUrl": org_url}
    missing = ado.call("GET", f"/_apis/ResourceAreas/{uuid.uuid4()}", version="7.1-preview.1", auth=None)
    assert_azdo_error(missing, 404, "ResourceAreaNotFoundException")


def test_connection_data_names_the_caller(ado, emu):
    admin = ado.ok("GET", "/_apis/connectionData", version=None)
    assert admin["authenticatedUser"]["providerDisplayName"] == "Emulator Administrator"
    assert admin["instanceId"] == ado.info["organization_id"]
    client = ado.ok("GET", "/_apis/connectionData", version=None, auth="token")
    assert client["authenticatedUser"]["descriptor"].startswith("aadsp.")
    assert client["authenticatedUser"]["providerDisplayName"] == "emulator-client"


def test_unknown_organization_and_path(ado):
    other = ado.call("GET", "//other-org/_apis/projects")
    assert_azdo_error(other, 404, "HostNotFoundException")
    assert ado.call("GET", "/_apis/nothing-here", auth=None).status_code == 401
    assert_azdo_error(ado.call("GET", "/_apis/nothing-here"), 404, "VssResourceNotFoundException")


def test_enumerated_config_values_are_validated(emu):
    assert emu.admin("POST", "/config", json={"azdo_issuer": "bogus"}).status_code == 400
    assert emu.admin("POST", "/config", json={"azdo_missing_endpoint": 404}).status_code == 400
    assert emu.admin("POST", "/config", json={"azdo_delete_missing_endpoint": 500}).status_code == 400
    assert emu.admin("POST", "/config", json={"azdo_page_size": 0}).status_code == 400
    assert emu.config(azdo_issuer="azdo", azdo_delete_missing_endpoint=204)["azdo_issuer"] == "azdo"


# ---------------------------------------------------------------------------------------------- projects
def test_projects_list_get_and_paging(ado, emu):
    emu.seed({"projects": [{"name": "second"}, {"name": "third", "description": "3rd"}]})
    first = ado.call("GET", "/_apis/projects", params={"$top": 2})
    assert first.status_code == 200
    page1 = first.json()
    assert page1["count"] == 2 and [p["name"] for p in page1["value"]] == [ado.project, "second"]
    assert set(page1["value"][0]) == PROJECT_LIST_KEYS
    assert "description" not in page1["value"][1]
    token = first.headers["X-MS-ContinuationToken"]
    second = ado.call("GET", "/_apis/projects", params={"$top": 2, "continuationToken": token})
    assert [p["name"] for p in second.json()["value"]] == ["third"]
    assert "X-MS-ContinuationToken" not in second.headers
    by_name = ado.ok("GET", f"/_apis/projects/{ado.project.upper()}")
    by_id = ado.ok("GET", f"/_apis/projects/{ado.project_id}", params={"includeCapabilities": "true"})
    assert by_name["id"] == by_id["id"] == ado.project_id
    assert "capabilities" not in by_name and by_id["capabilities"]["versioncontrol"]["sourceControlType"] == "Git"
    assert {"_links", "defaultTeam", "visibility", "revision", "lastUpdateTime"} <= set(by_name)
    missing = ado.call("GET", "/_apis/projects/nope")
    assert_azdo_error(missing, 404, "ProjectDoesNotExistWithNameException",
                      "VS800075: The project with id 'nope' does not exist, or you do not have permission to access it.")


def test_project_create_and_delete_are_operations(ado, emu):
    emu.freeze()
    emu.config(azdo_operation_seconds=30)
    queued = ado.ok("POST", "/_apis/projects", status=202, json={"name": "made", "visibility": "private"})
    assert queued["status"] == "notSet" and queued["url"].endswith(f"/_apis/operations/{queued['id']}")
    assert ado.ok("GET", f"/_apis/operations/{queued['id']}")["status"] == "inProgress"
    assert ado.ok("GET", "/_apis/projects/made")["state"] == "createPending"
    emu.advance(30)
    assert ado.ok("GET", f"/_apis/operations/{queued['id']}")["status"] == "succeeded"
    project = ado.ok("GET", "/_apis/projects/made")
    assert project["state"] == "wellFormed"
    dup = ado.call("POST", "/_apis/projects", json={"name": "MADE"})
    assert_azdo_error(dup, 409, "ProjectAlreadyExistsException", "TF200019")
    assert_azdo_error(ado.call("DELETE", "/_apis/projects/made"), 404, "ProjectDoesNotExistWithNameException")
    deleting = ado.ok("DELETE", f"/_apis/projects/{project['id']}", status=202)
    assert ado.ok("GET", f"/_apis/projects/{project['id']}")["state"] == "deleting"
    emu.advance(30)
    assert ado.ok("GET", f"/_apis/operations/{deleting['id']}")["status"] == "succeeded"
    assert ado.call("GET", f"/_apis/projects/{project['id']}").status_code == 404
    assert_azdo_error(ado.call("GET", f"/_apis/operations/{uuid.uuid4()}"), 404, "OperationNotFoundException")


def test_processes(ado):
    processes = ado.ok("GET", "/_apis/process/processes")["value"]
    assert [p["name"] for p in processes if p["isDefault"]] == ["Basic"]
    assert ado.ok("GET", f"/_apis/process/processes/{processes[0]['id']}")["name"] == processes[0]["name"]


# ---------------------------------------------------------------------------------------------- pipelines
def test_pipelines_list_get_and_paging(ado, emu):
    listed = ado.ok("GET", f"/{ado.project}/_apis/pipelines")
    assert [p["name"] for p in listed["value"]] == ["pipeline-1", "pipeline-2", "pipeline-3"]
    assert set(listed["value"][0]) == {"_links", "url", "id", "revision", "name", "folder"}
    first = ado.call("GET", f"/{ado.project}/_apis/pipelines", params={"$top": 2})
    assert len(first.json()["value"]) == 2
    rest = ado.call("GET", f"/{ado.project}/_apis/pipelines",
                    params={"$top": 2, "continuationToken": first.headers["X-MS-ContinuationToken"]})
    assert [p["name"] for p in rest.json()["value"]] == ["pipeline-3"] and "X-MS-ContinuationToken" not in rest.headers
    one = ado.ok("GET", f"/{ado.project_id}/_apis/pipelines/{listed['value'][0]['id']}")
    assert one["configuration"]["type"] == "yaml"
    assert_azdo_error(ado.call("GET", f"/{ado.project}/_apis/pipelines/999"), 404, "PipelineNotFoundException")
    seeded = emu.seed({"projects": [{"name": "other"}], "pipelines": [{"project": "other", "name": "elsewhere"}]})
    other_id = seeded["pipelines"][0]["id"]
    assert ado.call("GET", f"/{ado.project}/_apis/pipelines/{other_id}").status_code == 404
    assert ado.ok("GET", f"/other/_apis/pipelines/{other_id}")["name"] == "elsewhere"
    assert_azdo_error(ado.call("GET", "/nowhere/_apis/pipelines"), 404, "ProjectDoesNotExistWithNameException")


# ---------------------------------------------------------------------------------------------- pipeline permissions
def test_pipeline_permissions_for_an_endpoint(ado):
    eid = endpoint_id(ado)
    path = f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/{eid}"
    v = "7.1-preview.1"
    assert ado.ok("GET", path, version=v) == {"resource": {"type": "endpoint", "id": eid}, "pipelines": []}
    granted = ado.ok("PATCH", path, version=v, json={"pipelines": [{"id": 1, "authorized": True}]})
    assert [p["id"] for p in granted["pipelines"]] == [1]
    who = granted["pipelines"][0]["authorizedBy"]
    assert who["displayName"] == "Emulator Administrator" and set(who) == {"displayName", "id", "uniqueName", "descriptor"}
    assert granted["pipelines"][0]["authorizedOn"].endswith("Z")
    assert "allPipelines" not in granted
    everyone = ado.ok("PATCH", path, version=v, json={"allPipelines": {"authorized": True}})
    assert everyone["allPipelines"]["authorized"] is True and everyone["pipelines"][0]["id"] == 1
    revoked = ado.ok("PATCH", path, version=v, json={"pipelines": [{"id": 1, "authorized": False}],
                                                     "allPipelines": {"authorized": False}})
    assert revoked["pipelines"] == [] and revoked["allPipelines"]["authorized"] is False
    assert ado.ok("GET", path, version=v) == revoked


def test_pipeline_permissions_unknown_pipeline_modes(ado, emu):
    path = f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/{endpoint_id(ado)}"
    body = {"pipelines": [{"id": 999, "authorized": True}]}
    assert_azdo_error(ado.call("PATCH", path, version="7.1-preview.1", json=body), 400, "ArgumentException")
    emu.config(azdo_unknown_pipeline="404")
    assert_azdo_error(ado.call("PATCH", path, version="7.1-preview.1", json=body), 404, "PipelineNotFoundException")
    emu.config(azdo_unknown_pipeline="accept")
    assert ado.ok("PATCH", path, version="7.1-preview.1", json=body)["pipelines"][0]["id"] == 999
    bad = ado.call("PATCH", path, version="7.1-preview.1", json={"pipelines": [{"id": "x", "authorized": True}]})
    assert_azdo_error(bad, 400, "ArgumentException")
    unknown = f"/{ado.project}/_apis/pipelines/pipelinepermissions/endpoint/{uuid.uuid4()}"
    assert_azdo_error(ado.call("GET", unknown, version="7.1-preview.1"), 404, "ResourceNotFoundException")


def test_pipeline_permissions_batch(ado):
    eid = endpoint_id(ado)
    body = [{"resource": {"type": "endpoint", "id": eid}, "pipelines": [{"id": 2, "authorized": True}]},
            {"resource": {"type": "queue", "id": "7", "name": "Default"}, "allPipelines": {"authorized": True}}]
    result = ado.ok("PATCH", f"/{ado.project}/_apis/pipelines/pipelinepermissions", version="7.1-preview.1", json=body)
    assert result["count"] == 2
    assert result["value"][0]["resource"] == {"type": "endpoint", "id": eid}
    assert result["value"][1]["allPipelines"]["authorized"] is True
    single = ado.ok("GET", f"/{ado.project}/_apis/pipelines/pipelinepermissions/queue/7", version="7.1-preview.1")
    assert single["allPipelines"]["authorized"] is True
