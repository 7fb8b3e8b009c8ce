# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role definitions and role assignments: the real rules of Microsoft.Authorization."""

from __future__ import annotations

import uuid

import pytest

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
KV_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
RA = "/providers/Microsoft.Authorization/roleAssignments"
RD = "/providers/Microsoft.Authorization/roleDefinitions"


def code(resp) -> str:
    return resp.json()["error"]["code"]


def role_id(emu, guid: str) -> str:
    return f"/subscriptions/{emu.sub}{RD}/{guid}"


def principal(emu, age=None, ptype="ServicePrincipal", **extra) -> str:
    spec = {"type": ptype, **extra}
    if age is not None:
        spec["age"] = age
    return emu.seed({"principals": [spec]})["principals"][0]["id"]


def put(emu, scope: str, principal_id: str, guid: str = READER, name: str | None = None, **props):
    body = {"properties": {"roleDefinitionId": role_id(emu, guid), "principalId": principal_id, **props}}
    return emu.arm("PUT", f"{scope}{RA}/{name or uuid.uuid4()}", json=body)


def collect(emu, path: str, **params) -> list:
    """Follow nextLink to the end; returns all items and asserts page sizes."""
    resp = emu.arm("GET", path, params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    items = list(body["value"])
    while body.get("nextLink"):
        assert len(body["value"]) == 2
        body = emu.arm("GET", body["nextLink"], api_version=None).json()
        items += body["value"]
    return items


@pytest.mark.parametrize("name,guid", [("Contributor", CONTRIBUTOR), ("Reader", READER), ("reader", READER),
                                       ("Key Vault Secrets User", KV_SECRETS_USER)])
def test_role_definition_by_name(emu, name, guid):
    resp = emu.arm("GET", f"{emu.rg_path}{RD}", api_version="2022-05-01-preview",
                   params={"$filter": f"roleName eq '{name}'"})
    assert resp.status_code == 200, resp.text
    value = resp.json()["value"]
    assert [v["name"] for v in value] == [guid]
    assert value[0]["id"] == f"/subscriptions/{emu.sub}{RD}/{guid}"
    assert value[0]["type"] == "Microsoft.Authorization/roleDefinitions"
    assert value[0]["properties"]["type"] == "BuiltInRole"
    assert set(value[0]["properties"]) == {"roleName", "type", "description", "assignableScopes", "permissions",
                                           "createdOn", "updatedOn", "createdBy", "updatedBy"}


def test_role_definition_ids_and_lookups(emu):
    root = emu.arm("GET", RD, params={"$filter": "roleName eq 'Owner'"}).json()["value"][0]
    assert root["id"] == f"{RD}/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    mg = emu.arm("GET", f"/providers/Microsoft.Management/managementGroups/{emu.info['tenant_id']}{RD}/{READER}")
    assert mg.status_code == 200 and mg.json()["id"] == f"{RD}/{READER}"
    by_id = emu.arm("GET", f"/subscriptions/{emu.sub}{RD}/{CONTRIBUTOR}")
    assert by_id.json()["properties"]["roleName"] == "Contributor"
    missing = emu.arm("GET", f"/subscriptions/{emu.sub}{RD}/{uuid.uuid4()}")
    assert missing.status_code == 404 and code(missing) == "RoleDefinitionDoesNotExist"
    builtins = emu.arm("GET", f"/subscriptions/{emu.sub}{RD}", params={"$filter": "type eq 'BuiltInRole'"})
    assert builtins.status_code == 200 and len(builtins.json()["value"]) == 2 and builtins.json()["nextLink"]
    bad = emu.arm("GET", f"/subscriptions/{emu.sub}{RD}", params={"$filter": "foo eq 'bar'"})
    assert bad.status_code == 400


def test_create_and_repeat(emu):
    pid = principal(emu, ptype="User")
    name = str(uuid.uuid4())
    created = put(emu, emu.rg_path, pid, name=name, principalType="User", description="d1",
                  condition="@Resource[x] StringEquals 'y'", conditionVersion="2.0")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == f"{emu.rg_path}{RA}/{name}" and body["name"] == name
    props = body["properties"]
    assert props["scope"] == emu.rg_path and props["principalType"] == "User"
    assert props["roleDefinitionId"] == role_id(emu, READER)
    assert props["description"] == "d1" and props["conditionVersion"] == "2.0"
    assert props["createdBy"] is None and props["updatedBy"] == emu.info["principal_id"]
    assert props["createdOn"].endswith("Z") and props["updatedOn"]
    again = put(emu, emu.rg_path, pid, name=name, principalType="User", description="d2")
    assert again.status_code == 201  # the recorded update answers 201 (test_role_assignment_create_update.yaml)
    fetched = emu.arm("GET", f"{emu.rg_path}{RA}/{name}").json()["properties"]
    assert fetched["description"] == "d2" and fetched["createdBy"] == emu.info["principal_id"]
    emu.config(role_assignment_update_status=200)
    assert put(emu, emu.rg_path, pid, name=name, principalType="User").status_code == 200


def test_conflict_and_update_not_permitted(emu):
    pid, other = principal(emu), principal(emu)
    name = str(uuid.uuid4())
    assert put(emu, emu.rg_path, pid, name=name).status_code == 201
    conflict = put(emu, emu.rg_path, pid)
    assert conflict.status_code == 409 and code(conflict) == "RoleAssignmentExists"
    assert name not in conflict.text
    assert conflict.json() == {"error": {"code": "RoleAssignmentExists", "message": "The role assignment already exists."}}
    for change in ({"principal_id": other}, {"guid": CONTRIBUTOR}, {"scope": f"/subscriptions/{emu.sub}"}):
        args = {"scope": emu.rg_path, "principal_id": pid, "guid": READER, "name": name}
        args.update(change)
        resp = put(**{"emu": emu, **args})
        assert resp.status_code == 400 and code(resp) == "RoleAssignmentUpdateNotPermitted", change
    other_role = put(emu, emu.rg_path, pid, guid=CONTRIBUTOR)
    assert other_role.status_code == 201


def test_invalid_requests(emu):
    pid = principal(emu)
    bad_name = put(emu, emu.rg_path, pid, name="not-a-guid")
    assert bad_name.status_code == 400 and code(bad_name) == "InvalidRoleAssignmentId"
    unknown_role = put(emu, emu.rg_path, pid, guid=str(uuid.uuid4()))
    assert unknown_role.status_code == 400 and code(unknown_role) == "RoleDefinitionDoesNotExist"
    resp = emu.arm("PUT", f"{emu.rg_path}{RA}/{uuid.uuid4()}", json={"properties": {"principalId": pid}})
    assert resp.status_code == 400
    resp = emu.arm("PUT", f"{emu.rg_path}{RA}/{uuid.uuid4()}", data="{not json")
    assert resp.status_code == 400 and code(resp) == "InvalidRequestContent"
    bad_principal = put(emu, emu.rg_path, "abc")
    assert bad_principal.status_code == 400 and code(bad_principal) == "InvalidPrincipalId"


def test_principal_not_found_then_replicated(emu):
    """Without principalType ARM looks the principal up: PrincipalNotFound until it has replicated."""
    emu.freeze()
    pid = principal(emu, age=0)
    name = str(uuid.uuid4())
    first = put(emu, emu.rg_path, pid, name=name)
    assert first.status_code == 400 and code(first) == "PrincipalNotFound"
    message = first.json()["error"]["message"]
    assert pid.replace("-", "") in message and emu.info["tenant_id"] in message
    emu.advance(0.9)  # the session emulator's replication delay is 1 s
    assert code(put(emu, emu.rg_path, pid, name=name)) == "PrincipalNotFound"
    emu.advance(0.2)
    second = put(emu, emu.rg_path, pid, name=name)
    assert second.status_code == 201, second.text
    assert second.json()["properties"]["principalType"] == "ServicePrincipal"  # filled from the directory


def test_principal_type_bypasses_replication_by_default(emu):
    """principalType skips the lookup (REC test_create_for_rbac_password_with_assignment.yaml: 201 four seconds
    after the service principal was created); the switch off restores PrincipalNotFound until replicated."""
    emu.freeze()
    assert emu.admin("GET", "/config").json()["principal_type_bypasses_replication"] is True
    young = principal(emu, age=0)
    assert code(put(emu, emu.rg_path, young)) == "PrincipalNotFound"
    made = put(emu, emu.rg_path, young, principalType="ServicePrincipal")
    assert made.status_code == 201 and made.json()["properties"]["principalType"] == "ServicePrincipal"
    emu.config(principal_type_bypasses_replication=False)
    other = principal(emu, age=0)
    refused = put(emu, emu.rg_path, other, principalType="ServicePrincipal")
    assert refused.status_code == 400 and code(refused) == "PrincipalNotFound"
    emu.advance(1.1)
    assert put(emu, emu.rg_path, other, principalType="ServicePrincipal").status_code == 201


def test_unknown_principal_with_and_without_principal_type(emu):
    """A GUID that is no principal: PrincipalNotFound without principalType; accepted (as sent) with it, since the
    bypass means ARM has nothing to compare the type with."""
    ghost = str(uuid.uuid4())
    resp = put(emu, emu.rg_path, ghost)
    assert resp.status_code == 400 and code(resp) == "PrincipalNotFound"
    accepted = put(emu, emu.rg_path, ghost, principalType="User")
    assert accepted.status_code == 201 and accepted.json()["properties"]["principalType"] == "User"
    emu.config(principal_type_bypasses_replication=False)
    assert code(put(emu, emu.rg_path, str(uuid.uuid4()), principalType="User")) == "PrincipalNotFound"


@pytest.mark.parametrize("actual,sent", [("ServicePrincipal", "User"), ("User", "ServicePrincipal"),
                                         ("Group", "ServicePrincipal")])
def test_unmatched_principal_type(emu, actual, sent):
    """principalType different from the directory object's type (Azure/modern-web-app-pattern-dotnet#129)."""
    pid = principal(emu, ptype=actual)
    name = str(uuid.uuid4())
    resp = put(emu, emu.rg_path, pid, name=name, principalType=sent)
    assert resp.status_code == 400 and code(resp) == "UnmatchedPrincipalType"
    assert resp.json()["error"]["message"] == (f"The PrincipalId '{pid}' has type '{actual}' , which is different "
                                               f"from specified PrinciaplType '{sent}'.")
    assert emu.arm("GET", f"{emu.rg_path}{RA}/{name}").status_code == 404  # nothing was written
    assert put(emu, emu.rg_path, pid, name=name, principalType=actual).status_code == 201
    emu.config(unmatched_principal_type_check=False)
    loose = put(emu, emu.rg_path, pid, guid=CONTRIBUTOR, principalType=sent)
    assert loose.status_code == 201 and loose.json()["properties"]["principalType"] == sent


def test_type_of_a_principal_not_replicated_yet_is_not_checked(emu):
    """ARM cannot see a principal inside the replication delay, so with the bypass it cannot detect a mismatch."""
    emu.freeze()
    young = principal(emu, age=0, ptype="ServicePrincipal")
    name = str(uuid.uuid4())
    assert put(emu, emu.rg_path, young, name=name, principalType="User").status_code == 201
    emu.advance(1.1)
    late = put(emu, emu.rg_path, young, guid=CONTRIBUTOR, principalType="User")
    assert late.status_code == 400 and code(late) == "UnmatchedPrincipalType"


def test_get_and_delete(emu):
    pid = principal(emu)
    name = str(uuid.uuid4())
    put(emu, emu.rg_path, pid, name=name)
    missing = emu.arm("GET", f"{emu.rg_path}{RA}/{uuid.uuid4()}")
    assert missing.status_code == 404 and code(missing) == "RoleAssignmentNotFound"
    by_id = emu.arm("GET", f"{emu.rg_path}{RA}/{name}")
    assert by_id.status_code == 200 and by_id.json()["properties"]["principalId"] == pid
    deleted = emu.arm("DELETE", f"{emu.rg_path}{RA}/{name}")
    assert deleted.status_code == 200 and deleted.json()["name"] == name
    again = emu.arm("DELETE", f"{emu.rg_path}{RA}/{name}")
    assert again.status_code == 204 and again.content == b""


def test_scope_existence(emu):
    pid = principal(emu)
    missing_rg = put(emu, f"/subscriptions/{emu.sub}/resourceGroups/nope", pid)
    assert missing_rg.status_code == 404 and code(missing_rg) == "ResourceGroupNotFound"
    vault = f"{emu.rg_path}/providers/Microsoft.KeyVault/vaults/kv1"
    missing_resource = put(emu, vault, pid, guid=KV_SECRETS_USER)
    assert missing_resource.status_code == 404 and code(missing_resource) == "ResourceNotFound"
    emu.seed({"resources": [{"id": vault}]})
    ok = put(emu, vault, pid, guid=KV_SECRETS_USER)
    assert ok.status_code == 201 and ok.json()["properties"]["scope"] == vault
    missing_sub = put(emu, "/subscriptions/00000000-0000-0000-0000-000000000000", pid)
    assert missing_sub.status_code == 404 and code(missing_sub) == "SubscriptionNotFound"
    root_mg = f"/providers/Microsoft.Management/managementGroups/{emu.info['tenant_id']}"
    denied = put(emu, root_mg, pid)  # the seeded client is Owner of the subscription only
    assert denied.status_code == 403 and code(denied) == "AuthorizationFailed"
    emu.seed({"roleAssignments": [{"scope": root_mg, "role": "User Access Administrator",
                                   "principalId": emu.info["principal_id"]}]})
    mg = put(emu, root_mg, pid)
    assert mg.status_code == 201, mg.text
    assert mg.json()["properties"]["roleDefinitionId"] == f"{RD}/{READER}"
    unknown_mg = put(emu, "/providers/Microsoft.Management/managementGroups/nope", pid)
    assert unknown_mg.status_code == 404


def test_case_insensitive_ids_and_scopes(emu):
    pid = principal(emu)
    emu.arm("PUT", f"/subscriptions/{emu.sub}/resourceGroups/Case-RG", api_version="2022-09-01", json={"location": "eastus"})
    name = str(uuid.uuid4())
    lower = f"/subscriptions/{emu.sub.upper()}/resourcegroups/case-rg"
    created = put(emu, lower, pid.upper(), name=name.upper())
    assert created.status_code == 201, created.text
    props = created.json()["properties"]
    assert props["scope"] == f"/subscriptions/{emu.sub.upper()}/resourceGroups/Case-RG"
    assert props["principalId"] == pid and created.json()["name"] == name
    upper_path = f"/SUBSCRIPTIONS/{emu.sub}/RESOURCEGROUPS/CASE-RG/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/{name.upper()}/"
    assert emu.arm("GET", upper_path).status_code == 200
    assert code(put(emu, f"/subscriptions/{emu.sub}/resourceGroups/Case-RG", pid)) == "RoleAssignmentExists"


def test_list_filters(emu):
    a, b = principal(emu), principal(emu)
    group = principal(emu, ptype="Group")
    member = principal(emu, ptype="User", memberOf=[group])
    vault = f"{emu.rg_path}/providers/Microsoft.KeyVault/vaults/kv1"
    emu.seed({"resources": [{"id": vault}]})
    sub_scope = f"/subscriptions/{emu.sub}"
    names = {
        "a_sub": put(emu, sub_scope, a).json()["name"],
        "a_rg": put(emu, emu.rg_path, a, guid=CONTRIBUTOR).json()["name"],
        "b_vault": put(emu, vault, b, guid=KV_SECRETS_USER).json()["name"],
        "group_rg": put(emu, emu.rg_path, group).json()["name"],
    }
    owner = emu.info["principal_id"]

    def listed(scope, flt=None):
        params = {"$filter": flt} if flt else {}
        return {item["name"] for item in collect(emu, f"{scope}{RA}", **params)}

    owner_name = next(n for n in listed(sub_scope) if n not in names.values())
    assert listed(emu.rg_path, "atScope()") == {owner_name, names["a_sub"], names["a_rg"], names["group_rg"]}
    assert listed(emu.rg_path) == {owner_name, *names.values()}
    assert listed(vault, "atScope()") == {owner_name, names["a_sub"], names["a_rg"], names["group_rg"], names["b_vault"]}
    assert listed(sub_scope, f"principalId eq '{a}'") == {names["a_sub"], names["a_rg"]}
    assert listed(sub_scope, f"assignedTo('{member}')") == {names["group_rg"]}
    assert listed(emu.rg_path, f"atScope() and assignedTo('{owner}')") == {owner_name}
    both = emu.arm("GET", f"{sub_scope}{RA}", params={"$filter": f"atScope() and principalId eq '{a}'"})
    assert both.status_code == 400 and code(both) == "UnsupportedQuery"
    emu.config(reject_atscope_and_principalid=False)
    assert listed(emu.rg_path, f"atScope() and principalId eq '{a}'") == {names["a_sub"], names["a_rg"]}
    bad = emu.arm("GET", f"{sub_scope}{RA}", params={"$filter": "roleName eq 'x'"})
    assert bad.status_code == 400 and code(bad) == "UnsupportedQuery"


def test_paging_follows_next_link(emu):
    pid = principal(emu)
    guids = [READER, CONTRIBUTOR, KV_SECRETS_USER, "f1a07417-d97a-45cb-824c-7a7467783830",
             "7f951dda-4ed3-4680-a7ca-43fe172d538d"]
    created = {put(emu, emu.rg_path, pid, guid=g).json()["name"] for g in guids}
    first = emu.arm("GET", f"{emu.rg_path}{RA}", params={"$filter": f"principalId eq '{pid}'"}).json()
    assert len(first["value"]) == 2
    link = first["nextLink"]
    assert link.startswith(emu.base + emu.rg_path) and "api-version=2022-04-01" in link and "$skipToken=" in link
    assert "principalId" in link
    items = collect(emu, f"{emu.rg_path}{RA}", **{"$filter": f"principalId eq '{pid}'"})
    assert {i["name"] for i in items} == created and len(items) == 5
