# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service principals in an Azure DevOps organization: the Graph and entitlement calls of AzdoClient, the
in-body failures, and azdo_service_principal's planning and flow against a scripted organization."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from fakes import FakeRaw

from ansible_collections.azdo.identity.plugins.module_utils._azdo import (
    AzdoClient, descriptor_key, failed_entitlement, normalize_entitlement,
)
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError, RetryPolicy
from ansible_collections.azdo.identity.plugins.module_utils._context import Context
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule, explain
from ansible_collections.azdo.identity.plugins.module_utils import _azdo_member as member
from ansible_collections.azdo.identity.plugins.modules import azdo_service_principal as sp

ORG = "https://azdo.example/org"
PROJECT_A = "6b1c3c8e-1111-4c3b-9d7e-0000000000a1"
PROJECT_B = "6b1c3c8e-2222-4c3b-9d7e-0000000000b2"
PROJECTS = {PROJECT_A: "Platform", PROJECT_B: "Docs"}


def descriptor_for(key):
    return "aadsp." + base64.urlsafe_b64encode(key.encode("ascii")).decode("ascii").rstrip("=")


def guid():
    return str(uuid.uuid4())


@pytest.fixture(autouse=True, params=["azdo_service_principal"])
def selected_by(request):
    """Puts the module's name in every test id, so ``pytest -k azdo_service_principal`` selects this file."""
    return request.param


# ---------------------------------------------------------------------------------------------- a scripted organization
class Organization(object):
    """Just enough of Graph, storage keys, entitlements and projects, with switches for the behaviours in doubt."""

    def __init__(self, storage_keys=True, descriptor_is_key=True, apply_projects_on_add=True, page_size=1):
        self.members = {}  # storage key -> member
        self.directory = {}  # object id -> (app id, display name)
        self.storage_keys = storage_keys
        self.descriptor_is_key = descriptor_is_key
        self.apply_projects_on_add = apply_projects_on_add
        self.page_size = page_size
        self.unknown_until = 0  # refuse an origin this many times before accepting it (service lag)
        self.refuse_patch = False

    def principal(self, display_name="sp", app_id=None):
        object_id = guid()
        self.directory[object_id] = (app_id or guid(), display_name)
        return object_id

    def add(self, origin_id, license_type="express", projects=None):
        key = guid()
        app_id, name = self.directory[origin_id]
        descriptor = descriptor_for(key if self.descriptor_is_key else guid())
        self.members[key] = dict(id=key, origin=origin_id, app=app_id, name=name, descriptor=descriptor,
                                 license=license_type, projects=dict(projects or {}))
        return self.members[key]

    def subject(self, member):
        return {"subjectKind": "servicePrincipal", "originId": member["origin"], "applicationId": member["app"],
                "displayName": member["name"], "descriptor": member["descriptor"], "origin": "aad"}

    def entitlement(self, member):
        return {"id": member["id"], "servicePrincipal": self.subject(member),
                "accessLevel": {"accountLicenseType": member["license"], "status": "pending"},
                "projectEntitlements": [{"projectRef": {"id": pid, "name": PROJECTS.get(pid)},
                                         "group": {"groupType": group}, "projectPermissionInherited": "notInherited"}
                                        for pid, group in member["projects"].items()]}

    def by_descriptor(self, descriptor):
        return next((m for m in self.members.values() if m["descriptor"] == descriptor), None)

    def handle(self, method, url, kwargs):
        path, dummy, query = url.partition("?")
        rel = path[len(ORG):]
        body = json.loads(kwargs["data"]) if kwargs.get("data") else None
        if rel == "/_apis/graph/serviceprincipals" and method == "GET":
            members = sorted(self.members.values(), key=lambda m: m["id"])
            start = int(query.split("continuationToken=")[1].split("&")[0]) if "continuationToken=" in query else 0
            chunk = members[start:start + self.page_size]
            headers = {"X-MS-ContinuationToken": str(start + self.page_size)} if start + self.page_size < len(members) \
                else {}
            return FakeRaw(200, {"count": len(chunk), "value": [self.subject(m) for m in chunk]}, headers)
        if rel.startswith("/_apis/graph/storagekeys/"):
            member = self.by_descriptor(rel.rsplit("/", 1)[1])
            if not self.storage_keys or member is None:
                return FakeRaw(404, {"message": "not here", "typeKey": "VssResourceNotFoundException"})
            return FakeRaw(200, {"value": member["id"]})
        if rel.startswith("/_apis/projects/"):
            ref = rel.rsplit("/", 1)[1].lower()
            for pid, name in PROJECTS.items():
                if ref in (pid, name.lower()):
                    return FakeRaw(200, {"id": pid, "name": name})
            return FakeRaw(404, {"message": "VS800075", "typeKey": "ProjectDoesNotExistWithNameException"})
        if rel == "/_apis/serviceprincipalentitlements" and method == "POST":
            origin = body["servicePrincipal"]["originId"]
            if origin not in self.directory or self.unknown_until > 0:
                self.unknown_until -= 1
                text = "Failed to create service principal with object ID '%s'." % origin
                return FakeRaw(200, {"isSuccess": False, "operationResult": {
                    "isSuccess": False, "errors": [{"key": 5000, "value": text}]}})
            projects = dict((p["projectRef"]["id"], p["group"]["groupType"]) for p in body["projectEntitlements"])
            member = self.add(origin, body["accessLevel"]["accountLicenseType"],
                              projects if self.apply_projects_on_add else {})
            result = self.entitlement(member)
            outcome = {"isSuccess": True, "errors": [], "servicePrincipalId": member["id"], "result": result}
            return FakeRaw(200, {"isSuccess": True, "operationResult": outcome, "servicePrincipalEntitlement": result})
        if rel.startswith("/_apis/serviceprincipalentitlements/"):
            member = self.members.get(rel.rsplit("/", 1)[1])
            if member is None:
                return FakeRaw(404, {"message": "no member", "typeKey": "MemberNotFoundException"})
            if method == "GET":
                return FakeRaw(200, self.entitlement(member))
            if method == "DELETE":
                del self.members[member["id"]]
                return FakeRaw(204)
            if method == "PATCH":
                results = []
                for operation in body:
                    ok = True
                    if operation["path"] == "/accessLevel":
                        member["license"] = operation["value"]["accountLicenseType"]
                    elif operation["op"] == "remove":
                        ok = member["projects"].pop(operation["path"].rsplit("/", 1)[1], None) is not None
                    else:
                        member["projects"][operation["path"].rsplit("/", 1)[1]] = operation["value"]["group"]["groupType"]
                    results.append({"isSuccess": ok and not self.refuse_patch,
                                    "errors": [] if ok and not self.refuse_patch else [{"key": 1, "value": "refused"}]})
                ok = all(r["isSuccess"] for r in results)
                return FakeRaw(200, {"isSuccess": ok, "operationResults": results,
                                     "servicePrincipalEntitlement": self.entitlement(member)})
        return FakeRaw(404, {"message": "unexpected %s %s" % (method, rel), "typeKey": "Unexpected"})


class ModuleFailure(Exception):
    """How AzureModule.run() ends a task: the message and the extra result keys (status, error_code)."""

    def __init__(self, msg, **extra):
        super(ModuleFailure, self).__init__(msg)
        self.msg, self.extra = msg, extra


class Exited(Exception):
    def __init__(self, changed, after, before):
        super(Exited, self).__init__("exit")
        self.changed, self.after, self.before = changed, after, before


class FakeGraph(object):
    """Microsoft Graph lookups of the directory check, over an Organization's directory and some apps."""

    def __init__(self, org, apps=None, broken=False):
        self.org, self.apps, self.broken = org, apps or {}, broken

    def _check(self):
        if self.broken:
            raise ApiError("Insufficient privileges", status=403, code="Authorization_RequestDenied")

    def directory_object(self, object_id):
        self._check()
        if object_id in self.org.directory:
            return {"@odata.type": "#microsoft.graph.servicePrincipal", "id": object_id,
                    "appId": self.org.directory[object_id][0], "displayName": self.org.directory[object_id][1]}
        if object_id in self.apps:
            return dict(self.apps[object_id], **{"@odata.type": "#microsoft.graph.application"})
        return None

    def application_by_app_id(self, app_id):
        return next((a for a in self.apps.values() if a["appId"] == app_id), None)

    def service_principal_by_app_id(self, app_id):
        for object_id, (owner, name) in self.org.directory.items():
            if owner == app_id:
                return {"id": object_id, "appId": app_id, "displayName": name}
        return None


class FakeModule(object):
    doing = AzureModule.doing

    def __init__(self, make_client, clock, org, params, check_mode=False, graph=None):
        self.params = dict(principal_id=None, access_level=None, project_entitlements=None,
                           purge_project_entitlements=False, principal_timeout=300, state="present")
        self.params.update(params)
        self.check_mode = check_mode
        self.clock = clock
        rest, self.session = make_client(org.handle, base_url=ORG)
        self.azdo = AzdoClient(rest)
        self._graph = graph
        self.organization_url = ORG
        self.progress_messages = []

    @property
    def graph(self):
        if self._graph is None:
            raise InputError("no Microsoft Graph here")
        return self._graph

    def policy(self):
        return RetryPolicy(sleep=self.clock.sleep, clock=self.clock.clock, rand=lambda low, high: high)

    def progress(self, msg):
        self.progress_messages.append(msg)

    def context(self):
        # The module's own clients stand in for the Clients facade: .azdo and .graph.
        return Context(self, check_mode=self.check_mode, progress=self.progress, sleep=self.clock.sleep,
                       clock=self.clock.clock)

    def exit(self, changed, key=None, after=None, before=None, **extra):
        raise Exited(changed, after, before)

    @property
    def writes(self):
        return [s for s in self.session.sent if s["method"] != "GET"]


@pytest.fixture
def run(make_client, clock):
    def runner(org, check_mode=False, graph=None, **params):
        module = FakeModule(make_client, clock, org, params, check_mode=check_mode, graph=graph)
        with pytest.raises(Exited) as info:
            try:
                sp.run(module)
            except InputError as exc:  # mapped as AzureModule.run maps them
                raise ModuleFailure(str(exc))
            except ApiError as exc:
                raise ModuleFailure(explain(exc, module.params), status=exc.status, error_code=exc.code)
        return info.value, module

    return runner


# ---------------------------------------------------------------------------------------------- AzdoClient
def test_graph_list_follows_continuation_tokens_through_an_empty_page(make_client):
    pages = [FakeRaw(200, {"count": 0, "value": []}, {"X-MS-ContinuationToken": "t1"}),
             FakeRaw(200, {"count": 1, "value": [{"originId": "x"}]}, {"X-MS-ContinuationToken": "t2"}),
             FakeRaw(200, {"count": 1, "value": [{"originId": "y"}]})]
    rest, session = make_client(pages, base_url=ORG)
    found = [s["originId"] for s in AzdoClient(rest).graph_service_principals()]
    assert found == ["x", "y"]
    assert "continuationToken=t2" in session.sent[2]["url"]
    assert all("api-version=7.1-preview.1" in s["url"] and "/_apis/graph/serviceprincipals" in s["url"]
               for s in session.sent)


def test_storage_key_reads_the_value_or_none(make_client):
    rest, session = make_client([FakeRaw(200, {"value": "ABC"}), FakeRaw(404, {"message": "x", "typeKey": "K"})],
                                base_url=ORG)
    client = AzdoClient(rest)
    assert client.storage_key("aadsp.Zm9v") == "ABC"
    assert client.storage_key("aadsp.YmFy") is None
    assert session.sent[0]["url"].startswith(ORG + "/_apis/graph/storagekeys/aadsp.Zm9v?api-version=7.1")


def test_entitlement_calls_use_the_vsaex_client_and_json_patch(make_client):
    rest, dummy = make_client([], base_url=ORG)
    vsaex, session = make_client([FakeRaw(200, {"isSuccess": True, "operationResults": [{"isSuccess": True}]})],
                                 base_url="https://vsaex.example/org")
    client = AzdoClient(rest, vsaex=vsaex)
    client.update_service_principal_entitlement("k1", [{"op": "replace", "path": "/accessLevel", "value": {}}])
    sent = session.sent[0]
    assert sent["method"] == "PATCH"
    assert sent["url"] == "https://vsaex.example/org/_apis/serviceprincipalentitlements/k1?api-version=7.1-preview.1"
    assert sent["headers"]["Content-Type"] == "application/json-patch+json"
    assert json.loads(sent["data"])[0]["path"] == "/accessLevel"


def test_add_refused_in_the_body_raises_with_the_service_text(make_client):
    answer = {"isSuccess": False, "operationResult": {"isSuccess": False, "errors": [{"key": 5000, "value": "Nope."}]}}
    rest, session = make_client([FakeRaw(200, answer)], base_url=ORG)
    with pytest.raises(ApiError) as info:
        AzdoClient(rest).add_service_principal_entitlement({"servicePrincipal": {}})
    assert info.value.code == "EntitlementFailed" and info.value.message == "Nope."
    assert len(session.sent) == 1  # a refused add is not resent


def test_failed_entitlement_reads_each_patch_result():
    refused = {"isSuccess": False, "errors": [{"key": 1, "value": "bad op"}]}
    body = {"isSuccess": True, "operationResults": [{"isSuccess": True}, refused]}
    with pytest.raises(ApiError) as info:
        failed_entitlement(body)
    assert info.value.message == "bad op"
    assert failed_entitlement({"isSuccess": True, "operationResults": [{"isSuccess": True}]})["isSuccess"] is True


def test_descriptor_key_decodes_only_guids():
    key = guid()
    assert descriptor_key(descriptor_for(key)) == key
    assert descriptor_key("aadsp." + base64.urlsafe_b64encode(b"not-a-guid").decode().rstrip("=")) is None
    assert descriptor_key("aadsp") is None and descriptor_key(None) is None and descriptor_key("aadsp.%%%") is None


def test_normalize_entitlement_lowers_ids_and_names_groups():
    body = {"id": "593F6716-627C-6CCB-833E-77A7F9CA422F",
            "servicePrincipal": {"originId": "ABC", "descriptor": "aadsp.x", "displayName": "n", "applicationId": "a"},
            "accessLevel": {"accountLicenseType": "advanced", "licenseDisplayName": "Basic + Test Plans"},
            "projectEntitlements": [{"projectRef": {"id": PROJECT_B.upper(), "name": "Docs"},
                                     "group": {"groupType": "projectAdministrator"},
                                     "projectPermissionInherited": "inherited"}]}
    out = normalize_entitlement(body)
    assert out["id"] == "593f6716-627c-6ccb-833e-77a7f9ca422f" and out["origin_id"] == "abc"
    assert out["access_level"] == "basic_test_plans"
    assert out["project_entitlements"] == [dict(project_id=PROJECT_B, project_name="Docs", group="administrator",
                                                group_type="projectAdministrator", inherited=True)]
    assert normalize_entitlement(None) is None


# ---------------------------------------------------------------------------------------------- validation and planning
@pytest.mark.parametrize("params,words", [
    (dict(principal_id="my-app"), ["principal_id", "GUID"]),
    (dict(principal_timeout=-1), ["principal_timeout"]),
    (dict(state="absent", access_level="basic"), ["access_level", "state=absent"]),
    (dict(purge_project_entitlements=True), ["purge_project_entitlements", "project_entitlements: []"]),
    (dict(project_entitlements=[dict(project=" ", group="reader")]), ["project_entitlements[0].project"]),
    (dict(project_entitlements=[dict(project="A", group="reader"), dict(project="a", group="contributor")]),
     ["twice", "'a'"]),
])
def test_validate_names_the_option(params, words):
    full = dict(principal_id=guid(), state="present", principal_timeout=0)
    full.update(params)
    problem = member.validate(full)
    for word in words:
        assert word in problem


def test_validate_accepts_good_input():
    assert member.validate(dict(principal_id=guid(), state="present", project_entitlements=[],
                                purge_project_entitlements=True)) is None


def current(license_type="express", projects=()):
    return dict(account_license_type=license_type,
                project_entitlements=[dict(project_id=pid, project_name=PROJECTS[pid], group_type=group,
                                           inherited=inherited) for pid, group, inherited in projects])


def test_plan_treats_early_adopter_as_basic_and_changes_other_levels():
    assert member.plan(current("earlyAdopter"), "express", None, False) == []
    assert member.plan(current("express"), None, None, False) == []
    ops = member.plan(current("express"), "stakeholder", None, False)
    assert ops == [{"op": "replace", "path": "/accessLevel",
                    "value": {"accountLicenseType": "stakeholder", "licensingSource": "account"}}]


def test_plan_adds_new_and_regrouped_projects_and_purges_only_direct_ones():
    have = current(projects=[(PROJECT_A, "projectReader", False), (PROJECT_B, "projectReader", True)])
    assert member.plan(have, None, [(PROJECT_A, "Platform", "projectReader")], True) == []  # B is inherited
    ops = member.plan(have, None, [(PROJECT_A, "Platform", "projectContributor")], False)
    assert ops == [{"op": "add", "path": "/projectEntitlements/" + PROJECT_A,
                    "value": {"group": {"groupType": "projectContributor"}, "projectRef": {"id": PROJECT_A}}}]
    have = current(projects=[(PROJECT_A, "projectReader", False)])
    assert member.plan(have, None, [], True) == [{"op": "remove", "path": "/projectEntitlements/" + PROJECT_A}]
    assert member.plan(have, None, [], False) == []


def test_predict_applies_the_plan():
    have = dict(current(projects=[(PROJECT_A, "projectReader", False)]), access_level="basic")
    ops = member.plan(have, "advanced", [(PROJECT_B, "Docs", "projectAdministrator")], True)
    after = member.predict(have, ops, {PROJECT_B: "Docs"})
    assert after["account_license_type"] == "advanced" and after["access_level"] == "basic_test_plans"
    assert [(p["project_name"], p["group"]) for p in after["project_entitlements"]] == [("Docs", "administrator")]


# ---------------------------------------------------------------------------------------------- the flow
def test_add_check_real_and_noop(run):
    org = Organization()
    for dummy in range(3):
        org.add(org.principal("other"))
    principal = org.principal("id-pipelines")
    args = dict(principal_id=principal.upper(), access_level="stakeholder",
                project_entitlements=[dict(project="platform", group="reader")])

    checked, module = run(org, check_mode=True, graph=FakeGraph(org), **args)
    assert checked.changed and checked.after["id"] is None and checked.after["display_name"] == "id-pipelines"
    assert module.writes == []

    added, module = run(org, graph=FakeGraph(org), **args)
    assert added.changed and [w["method"] for w in module.writes] == ["POST"]
    body = json.loads(module.writes[0]["data"])
    assert body["servicePrincipal"] == {"origin": "aad", "originId": principal, "subjectKind": "servicePrincipal"}
    assert body["accessLevel"] == {"accountLicenseType": "stakeholder", "licensingSource": "account"}
    assert body["projectEntitlements"] == [{"group": {"groupType": "projectReader"}, "projectRef": {"id": PROJECT_A}}]
    assert added.after["project_entitlements"] == checked.after["project_entitlements"]

    again, module = run(org, graph=FakeGraph(org), **args)
    assert not again.changed and module.writes == [] and again.after["id"] == added.after["id"]
    # the project is matched by name from the entitlement: no project lookup on a no-op
    assert not any("/_apis/projects/" in s["url"] for s in module.session.sent)


def test_a_new_member_gets_basic_and_an_existing_one_keeps_its_level(run):
    org = Organization()
    principal = org.principal()
    added, dummy = run(org, principal_id=principal)
    assert added.after["account_license_type"] == "express"
    member = org.members[added.after["id"]]
    member["license"] = "stakeholder"
    kept, module = run(org, principal_id=principal)
    assert not kept.changed and module.writes == []


def test_projects_missing_from_the_add_answer_are_patched_once(run):
    org = Organization(apply_projects_on_add=False)
    principal = org.principal()
    added, module = run(org, principal_id=principal, project_entitlements=[dict(project=PROJECT_B, group="contributor")])
    assert [w["method"] for w in module.writes] == ["POST", "PATCH"]
    assert [p["project_id"] for p in added.after["project_entitlements"]] == [PROJECT_B]


def test_update_and_purge_is_one_patch(run):
    org = Organization()
    principal = org.principal()
    member = org.add(principal, "stakeholder", {PROJECT_A: "projectReader"})
    changed, module = run(org, principal_id=principal, access_level="basic",
                          project_entitlements=[dict(project="Docs", group="administrator")],
                          purge_project_entitlements=True)
    assert changed.changed and [w["method"] for w in module.writes] == ["PATCH"]
    assert member["license"] == "express" and member["projects"] == {PROJECT_B: "projectAdministrator"}
    assert changed.before["account_license_type"] == "stakeholder"
    assert [p["project_name"] for p in changed.after["project_entitlements"]] == ["Docs"]


def test_a_refused_patch_is_reported_with_the_service_text(run):
    org = Organization()
    principal = org.principal()
    org.add(principal, "stakeholder")
    handle = org.handle

    def refuse_without_applying(method, url, kwargs):
        if method == "PATCH":
            return FakeRaw(200, {"isSuccess": False, "operationResults": [
                {"isSuccess": False, "errors": [{"key": 1, "value": "License limit reached."}]}]})
        return handle(method, url, kwargs)

    org.handle = refuse_without_applying
    with pytest.raises(ModuleFailure) as info:
        run(org, principal_id=principal, access_level="basic")
    assert "License limit reached." in info.value.msg and "Failed to update" in info.value.msg


def test_a_patch_whose_answer_says_refused_but_was_applied_counts_as_done(run):
    org = Organization()
    principal = org.principal()
    org.add(principal, "stakeholder")
    org.refuse_patch = True  # applies the operations, answers isSuccess false (a resent PATCH after a lost answer)
    done, module = run(org, principal_id=principal, access_level="basic")
    assert done.changed and done.after["account_license_type"] == "express"
    assert [s["method"] for s in module.session.sent][-2:] == ["PATCH", "GET"]


def test_remove_check_real_noop(run):
    org = Organization()
    principal = org.principal()
    member = org.add(principal)
    checked, module = run(org, check_mode=True, principal_id=principal, state="absent")
    assert checked.changed and checked.after == {} and checked.before["id"] == member["id"] and module.writes == []
    removed, module = run(org, principal_id=principal, state="absent")
    assert removed.changed and [w["method"] for w in module.writes] == ["DELETE"]
    assert module.writes[0]["url"].startswith(ORG + "/_apis/serviceprincipalentitlements/" + member["id"])
    again, module = run(org, principal_id=principal, state="absent")
    assert not again.changed and module.writes == []


def test_storage_key_fallback_needs_the_entitlement_to_name_the_principal(run):
    org = Organization(storage_keys=False)
    principal = org.principal()
    member = org.add(principal, "express")
    found, module = run(org, principal_id=principal)
    assert not found.changed and found.after["id"] == member["id"]

    org = Organization(storage_keys=False, descriptor_is_key=False)
    principal = org.principal()
    org.add(principal)
    with pytest.raises(ModuleFailure) as info:
        run(org, principal_id=principal)
    assert "graph/storagekeys" in info.value.msg


def test_storage_key_from_the_service_wins_over_the_descriptor(run):
    org = Organization(descriptor_is_key=False)
    principal = org.principal()
    member = org.add(principal, "express")
    found, module = run(org, principal_id=principal)
    assert found.after["id"] == member["id"] and not found.changed


def test_client_id_of_a_member_is_refused_with_its_object_id(run):
    org = Organization()
    principal = org.principal("ci")
    org.add(principal)
    client_id = org.directory[principal][0]
    with pytest.raises(ModuleFailure) as info:
        run(org, principal_id=client_id)
    assert "client (application) id" in info.value.msg and principal in info.value.msg


def test_app_object_id_is_refused_before_any_write(run):
    org = Organization()
    app_id = guid()
    principal = org.principal("app-sp", app_id=app_id)
    app_object_id = guid()
    graph = FakeGraph(org, apps={app_object_id: {"id": app_object_id, "appId": app_id, "displayName": "my-app"}})
    for check_mode in (True, False):
        with pytest.raises(ModuleFailure) as info:
            run(org, check_mode=check_mode, graph=graph, principal_id=app_object_id)
        assert "object id of the app registration 'my-app'" in info.value.msg
        assert "use principal_id %s" % principal in info.value.msg
    assert org.members == {}


def test_unknown_origin_from_azure_devops_is_explained(run):
    org = Organization()
    nobody = guid()
    with pytest.raises(ModuleFailure) as info:
        run(org, graph=FakeGraph(org, broken=True), principal_id=nobody)
    assert "Azure DevOps could not add principal_id %s" % nobody in info.value.msg
    assert "Failed to create service principal with object ID" in info.value.msg
    assert "app registration's object id" in info.value.msg


def test_a_principal_graph_knows_is_retried_while_azure_devops_lags(run):
    org = Organization()
    principal = org.principal("new-mi")
    org.unknown_until = 2
    added, module = run(org, graph=FakeGraph(org), principal_id=principal, principal_timeout=120)
    assert added.changed and [w["method"] for w in module.writes] == ["POST", "POST", "POST"]
    # One announcement: poll() repeats it at most every 20 s, and these waits are shorter.
    assert len(module.progress_messages) == 1 and principal in module.progress_messages[0]


def test_no_retry_when_graph_cannot_vouch_for_the_principal(run):
    org = Organization()
    principal = org.principal("new-mi")
    org.unknown_until = 1
    with pytest.raises(ModuleFailure):
        run(org, principal_id=principal, principal_timeout=120)  # no Microsoft Graph: no retry
    assert org.members == {}


def test_unknown_project_fails_before_any_write(run):
    org = Organization()
    principal = org.principal()
    with pytest.raises(ModuleFailure) as info:
        run(org, principal_id=principal, project_entitlements=[dict(project="Nope", group="reader")])
    assert "project_entitlements[0].project" in info.value.msg and "'Nope'" in info.value.msg
    assert org.members == {}


def test_same_project_by_name_and_id_is_refused(run):
    org = Organization()
    principal = org.principal()
    with pytest.raises(ModuleFailure) as info:
        run(org, principal_id=principal, project_entitlements=[dict(project="Docs", group="reader"),
                                                               dict(project=PROJECT_B, group="contributor")])
    assert "twice" in info.value.msg and org.members == {}


def test_a_refused_add_quotes_the_service(run):
    org = Organization()
    principal = org.principal()
    handle = org.handle

    def forbid(method, url, kwargs):
        if method == "POST":
            return FakeRaw(403, {"$id": "1", "message": "Access Denied: needs Add Users", "typeKey": "AccessCheckException",
                                 "eventId": 3000})
        return handle(method, url, kwargs)

    org.handle = forbid
    with pytest.raises(ModuleFailure) as info:
        run(org, principal_id=principal)
    assert info.value.msg.startswith("Failed to add service principal %s to organization %s" % (principal, ORG))
    assert "AccessCheckException: Access Denied: needs Add Users (HTTP 403)" in info.value.msg
    assert info.value.extra["status"] == 403
