# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps: service principals in the organization (Graph), entitlements, and what membership grants."""

from __future__ import annotations

import base64
import uuid

import pytest

from .azdo_support import GRAPH_SCOPE, Azdo, assert_azdo_error

PREVIEW = "7.1-preview.1"
GRAPH_KEYS = {"subjectKind", "applicationId", "directoryAlias", "domain", "principalName", "mailAddress", "origin",
              "originId", "displayName", "_links", "url", "descriptor"}
ENTITLEMENT_KEYS = {"servicePrincipal", "id", "accessLevel", "lastAccessedDate", "dateCreated", "projectEntitlements",
                    "extensions", "groupAssignments"}


@pytest.fixture
def ado(emu):
    return Azdo(emu)


def graph_add(ado, origin_id: str, **kwargs):
    return ado.call("POST", "/_apis/graph/serviceprincipals", version=PREVIEW, json={"originId": origin_id}, **kwargs)


def entitle(ado, origin_id: str, license_type: str = "stakeholder", projects=None, **kwargs):
    body = {"accessLevel": {"accountLicenseType": license_type},
            "projectEntitlements": [{"group": {"groupType": group}, "projectRef": {"id": pid}}
                                    for pid, group in (projects or [])],
            "servicePrincipal": {"origin": "aad", "originId": origin_id, "subjectKind": "servicePrincipal"}}
    return ado.call("POST", "/_apis/serviceprincipalentitlements", version=PREVIEW, json=body, **kwargs)


def decoded(descriptor: str) -> str:
    raw = descriptor.split(".", 1)[1]
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()


def storage_key(ado, descriptor: str) -> str:
    """Resolved the way a client must: through graph/storagekeys (a descriptor is not the key encoded)."""
    return ado.ok("GET", "/_apis/graph/storagekeys/" + descriptor, version="7.1")["value"]


def token_for(ado, app: dict) -> str:
    return ado.sp_token(app["appId"], app["secrets"][0]["value"])


# ---------------------------------------------------------------------------------------------- graph
def test_graph_service_principal_lifecycle(ado, emu):
    app = ado.new_app("joiner")
    created = graph_add(ado, app["principalId"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == GRAPH_KEYS
    assert (body["originId"], body["applicationId"], body["origin"]) == (app["principalId"], app["appId"], "aad")
    assert body["subjectKind"] == "servicePrincipal" and body["domain"] == ado.info["tenant_id"]
    assert body["descriptor"].startswith("aadsp.") and decoded(body["descriptor"]) != app["principalId"]
    assert body["url"].endswith(f"/_apis/Graph/ServicePrincipals/{body['descriptor']}")
    path = f"/_apis/graph/serviceprincipals/{body['descriptor']}"
    assert ado.ok("GET", path, version=PREVIEW) == body
    again = graph_add(ado, app["principalId"].upper())
    assert again.status_code == 201 and again.json()["descriptor"] == body["descriptor"]
    emu.config(azdo_graph_repost_status=200)
    assert graph_add(ado, app["principalId"]).status_code == 200
    assert ado.call("DELETE", path, version=PREVIEW).status_code == 204
    assert_azdo_error(ado.call("GET", path, version=PREVIEW), 404, "GraphSubjectNotFoundException")
    assert_azdo_error(ado.call("DELETE", path, version=PREVIEW), 404, "GraphSubjectNotFoundException")
    assert_azdo_error(ado.call("GET", "/_apis/graph/serviceprincipals/aad.bm90LWFuLXNw", version=PREVIEW), 404,
                      "GraphSubjectNotFoundException")


def test_graph_rejects_ids_that_are_not_service_principal_object_ids(ado, emu):
    app = ado.new_app("wrong-ids")
    graph = emu.request("GET", f"/v1.0/applications(appId='{app['appId']}')",
                        headers={"Authorization": f"Bearer {emu.token(GRAPH_SCOPE)}"})
    candidates = [app["appId"], str(uuid.uuid4()), ado.state()["settings"]["admin_origin_id"]]
    if graph.status_code == 200:
        candidates.append(graph.json()["id"])  # the application's object id
    for origin in candidates:
        assert_azdo_error(graph_add(ado, origin), 400, "GraphSubjectNotFoundException", origin)
    emu.config(azdo_unknown_origin_status=404)
    assert_azdo_error(graph_add(ado, app["appId"]), 404, "GraphSubjectNotFoundException")
    assert_azdo_error(ado.call("POST", "/_apis/graph/serviceprincipals", version=PREVIEW, json={}), 400,
                      "ArgumentNullException")


def test_graph_list_paging(ado, emu):
    emu.config(azdo_page_size=2)
    for name in ("one", "two"):
        assert graph_add(ado, ado.new_app(name)["principalId"]).status_code == 201
    first = ado.call("GET", "/_apis/graph/serviceprincipals", version=PREVIEW)
    assert first.status_code == 200 and first.json()["count"] == 2
    token = first.headers["X-MS-ContinuationToken"]
    rest = ado.call("GET", "/_apis/graph/serviceprincipals", version=PREVIEW, params={"continuationToken": token})
    names = [sp["displayName"] for sp in first.json()["value"] + rest.json()["value"]]
    assert names == ["emulator-client", "one", "two"] and "X-MS-ContinuationToken" not in rest.headers
    bad = ado.call("GET", "/_apis/graph/serviceprincipals", version=PREVIEW, params={"continuationToken": "garbage!"})
    assert_azdo_error(bad, 400, "ArgumentException")


# ---------------------------------------------------------------------------------------------- membership
def test_membership_decides_what_a_service_principal_sees(ado, emu):
    app = ado.new_app("worker")
    token = token_for(ado, app)
    assert ado.call("GET", "/_apis/projects", auth=token).status_code == 401
    descriptor = graph_add(ado, app["principalId"]).json()["descriptor"]
    assert ado.ok("GET", "/_apis/projects", auth=token) == {"count": 0, "value": []}
    assert_azdo_error(ado.call("GET", f"/{ado.project}/_apis/serviceendpoint/endpoints", auth=token), 404,
                      "ProjectDoesNotExistWithNameException")
    member_id = storage_key(ado, descriptor)
    patch = ado.ok("PATCH", f"/_apis/serviceprincipalentitlements/{member_id}", version=PREVIEW,
                   headers={"Content-Type": "application/json-patch+json"},
                   data=f'[{{"op":"add","path":"/projectEntitlements/{ado.project_id}",'
                        f'"value":{{"group":{{"groupType":"projectReader"}}}}}}]')
    assert patch["isSuccess"] is True
    assert [p["name"] for p in ado.ok("GET", "/_apis/projects", auth=token)["value"]] == [ado.project]
    assert len(ado.ok("GET", f"/{ado.project}/_apis/serviceendpoint/endpoints", auth=token)["value"]) == 2
    assert_azdo_error(ado.call("POST", "/_apis/projects", auth=token, json={"name": "nope"}), 403, "AccessCheckException")
    assert_azdo_error(graph_add(ado, app["principalId"], auth=token), 403, "AccessCheckException")
    ado.ok("DELETE", f"/_apis/graph/serviceprincipals/{descriptor}", version=PREVIEW, status=204)
    assert ado.call("GET", "/_apis/projects", auth=token).status_code == 401


# ---------------------------------------------------------------------------------------------- entitlements
def test_entitlement_lifecycle(ado, emu):
    app = ado.new_app("entitled")
    added = entitle(ado, app["principalId"], projects=[(ado.project_id, "projectContributor")])
    assert added.status_code == 200, added.text
    body = added.json()
    assert body["isSuccess"] is True and body["operationResult"]["isSuccess"] is True
    entitlement = body["servicePrincipalEntitlement"]
    assert set(entitlement) == ENTITLEMENT_KEYS
    member_id = entitlement["id"]
    assert body["operationResult"]["servicePrincipalId"] == member_id != app["principalId"]
    assert body["operationResult"]["result"] == entitlement
    assert entitlement["servicePrincipal"]["originId"] == app["principalId"]
    assert entitlement["servicePrincipal"]["metaType"] == "application"
    level = entitlement["accessLevel"]
    assert (level["accountLicenseType"], level["licenseDisplayName"], level["status"]) == ("stakeholder", "Stakeholder",
                                                                                           "pending")
    assert entitlement["lastAccessedDate"] == "0001-01-01T00:00:00Z"
    assert entitlement["projectEntitlements"][0]["group"] == {"groupType": "projectContributor",
                                                              "displayName": "Contributors"}
    assert entitlement["projectEntitlements"][0]["projectRef"] == {"id": ado.project_id, "name": ado.project}
    path = f"/_apis/serviceprincipalentitlements/{member_id}"
    assert_azdo_error(ado.call("GET", f"/_apis/serviceprincipalentitlements/{app['principalId']}", version=PREVIEW),
                      404, "MemberNotFoundException")
    ado.ok("GET", "/_apis/projects", auth=token_for(ado, app))
    active = ado.ok("GET", path, version=PREVIEW)
    assert active["accessLevel"]["status"] == "active" and active["lastAccessedDate"] != "0001-01-01T00:00:00Z"
    second = emu.seed({"projects": [{"name": "second"}]})["projects"][0]
    patched = ado.ok("PATCH", path, version=PREVIEW, json=[
        {"from": "", "op": "replace", "path": "/accessLevel", "value": {"accountLicenseType": "express",
                                                                        "licensingSource": "account"}},
        {"from": "", "op": "add", "path": f"/projectEntitlements/{second['id']}",
         "value": {"group": {"groupType": "projectAdministrator"}, "projectRef": {"id": second["id"]}}},
        {"from": "", "op": "remove", "path": f"/projectEntitlements/{ado.project_id}", "value": ""}])
    assert patched["isSuccess"] is True and len(patched["operationResults"]) == 3
    result = patched["servicePrincipalEntitlement"]
    assert result["accessLevel"]["accountLicenseType"] == "express" and result["accessLevel"]["licenseDisplayName"] == "Basic"
    assert [(p["projectRef"]["name"], p["group"]["groupType"]) for p in result["projectEntitlements"]] == [
        ("second", "projectAdministrator")]
    bad = ado.ok("PATCH", path, version=PREVIEW, json=[{"op": "move", "path": "/accessLevel"}])
    assert bad["isSuccess"] is False and bad["operationResults"][0]["errors"][0]["key"] == 5000
    again = entitle(ado, app["principalId"], license_type="advanced").json()
    assert again["servicePrincipalEntitlement"]["id"] == member_id
    assert ado.call("DELETE", path, version=PREVIEW).status_code == 204
    assert_azdo_error(ado.call("GET", path, version=PREVIEW), 404, "MemberNotFoundException")
    assert ado.call("GET", "/_apis/projects", auth=token_for(ado, app)).status_code == 401


def test_entitlement_errors_are_reported_in_the_body(ado):
    app = ado.new_app("half")
    for resp in (entitle(ado, ""), entitle(ado, app["appId"]),
                 entitle(ado, app["principalId"], projects=[(str(uuid.uuid4()), "projectReader")])):
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["isSuccess"] is False and body["servicePrincipalEntitlement"] is None
        assert body["operationResult"]["errors"][0]["key"] == 5000
    assert ado.call("GET", "/_apis/projects", auth=token_for(ado, app)).status_code == 401  # nothing was added
    assert_azdo_error(entitle(ado, app["principalId"], license_type="gold"), 400, "ArgumentException")
    assert_azdo_error(entitle(ado, app["principalId"], projects=[(ado.project_id, "owner")]), 400, "ArgumentException")


def test_graph_members_have_no_license_until_entitled(ado):
    app = ado.new_app("graph-only")
    descriptor = graph_add(ado, app["principalId"]).json()["descriptor"]
    entitlement = ado.ok("GET", f"/_apis/serviceprincipalentitlements/{storage_key(ado, descriptor)}", version=PREVIEW)
    assert entitlement["accessLevel"]["accountLicenseType"] == "none"
    assert entitlement["servicePrincipal"]["descriptor"] == descriptor


def test_seeded_members(ado, emu):
    app = ado.new_app("seeded-member")
    seeded = emu.seed({"azdoServicePrincipals": [{"originId": app["principalId"], "accessLevel": "stakeholder",
                                                  "projectEntitlements": [{"project": ado.project,
                                                                           "group": "projectReader"}]}]})
    member = seeded["azdoServicePrincipals"][0]
    assert member["originId"] == app["principalId"] and member["descriptor"].startswith("aadsp.")
    assert ado.ok("GET", "/_apis/projects", auth=token_for(ado, app))["count"] == 1
    for bad in ({"originId": app["principalId"]}, {"originId": app["appId"]},
                {"originId": ado.new_app("x")["principalId"], "accessLevel": "gold"}):
        assert emu.admin("POST", "/seed", json={"azdoServicePrincipals": [bad]}).status_code == 400


def test_descriptor_resolves_through_storage_keys_not_by_decoding(ado):
    """A descriptor decodes to a subject id that differs from the storage key, as in the spec's examples."""
    created = graph_add(ado, ado.new_app("keyed")["principalId"]).json()
    key = storage_key(ado, created["descriptor"])
    subject = decoded(created["descriptor"])
    assert key != subject and key[:14] == subject[:14] and key[15:] == subject[15:]
    answer = ado.call("GET", "/_apis/graph/storagekeys/" + created["descriptor"], version=PREVIEW)
    assert answer.status_code == 200 and answer.json()["value"] == key
    assert ado.call("GET", "/_apis/graph/storagekeys/aadsp.bm9wZQ", version="7.1").status_code == 404
