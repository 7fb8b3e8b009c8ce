# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service principals in the organization: Graph service principals and service principal entitlements
[CONTRACTS 11; ADO-GR, ADO-MEM specs and examples].

Both APIs work on one member table: the ADO id (storage key) is what entitlement URLs take and what
the ``aadsp.`` descriptor encodes; the Entra object id is ``originId``.
"""

from __future__ import annotations

import uuid

from . import clock
from .azdo_common import (NEVER, argument_error, decode_token, json_body, null_argument, page, stamp,
                          storage_key_of, vss_error, wrap)
from .azdo_model import ACCESS_LEVELS, GROUP_TYPES
from .web import Request, Response, is_guid

GRAPH = "Microsoft.VisualStudio.Services.Graph"
MEM = "Microsoft.VisualStudio.Services.MemberEntitlementManagement.WebApi"


def _ext(emu):
    return emu.state.ext["azdo"]


def _require_admin(req: Request) -> None:
    if not req.azdo_caller["collectionAdmin"]:
        raise vss_error(403, "AccessCheckException",
                        f"Access denied. {req.azdo_caller['displayName']} needs the Manage user permission of the "
                        "organization to perform this action.", "Microsoft.TeamFoundation.Framework.Server")


# ---------------------------------------------------------------------------------------------- graph
def graph_subject(emu, member: dict, entitlement_shape: bool = False) -> dict:
    """GraphServicePrincipal as in the Graph (or, with ``entitlement_shape``, the entitlement) examples."""
    org_url = f"{emu.base_url}/{_ext(emu).settings['organization']}"
    descriptor = member["descriptor"]
    body = {"subjectKind": "servicePrincipal", "applicationId": member["applicationId"]}
    if entitlement_shape:
        body["metaType"] = "application"
    body.update({
        "directoryAlias": member["originId"], "domain": member["domain"],
        "principalName": member["applicationId"] if entitlement_shape else member["originId"],
        "mailAddress": None, "origin": "aad", "originId": member["originId"], "displayName": member["displayName"],
        "_links": {"self": {"href": f"{org_url}/_apis/Graph/ServicePrincipals/{descriptor}"},
                   "memberships": {"href": f"{org_url}/_apis/Graph/Memberships/{descriptor}"},
                   "membershipState": {"href": f"{org_url}/_apis/Graph/MembershipStates/{descriptor}"},
                   "storageKey": {"href": f"{org_url}/_apis/Graph/StorageKeys/{descriptor}"},
                   "avatar": {"href": f"{org_url}/_apis/GraphProfile/MemberAvatars/{descriptor}"}},
        "url": f"{org_url}/_apis/Graph/ServicePrincipals/{descriptor}",
        "descriptor": descriptor,
    })
    return body


def _unknown_origin(emu, origin_id: str):
    status = int(emu.state.config["azdo_unknown_origin_status"])
    return vss_error(status, "GraphSubjectNotFoundException",
                     f"No service principal with origin id '{origin_id}' exists in the directory of this organization.",
                     GRAPH)


def _new_member(ext, principal: dict, storage_key: str | None, access: str) -> dict:
    key = (storage_key or str(uuid.uuid4())).lower()
    return ext.add_member_record(
        key, "servicePrincipal", principal["id"], principal.get("appId"), principal["displayName"],
        principal.get("appId") or principal["id"], False, access, {}, True)


def graph_create(emu, req: Request) -> Response:
    """POST {org}/_apis/graph/serviceprincipals {originId} → 201 [CONTRACTS 11.1]."""
    ext = _ext(emu)
    _require_admin(req)
    body = json_body(req, "creationContext")
    if not isinstance(body, dict) or not body.get("originId"):
        raise null_argument("creationContext.OriginId")
    origin = str(body["originId"]).lower()
    existing = ext.member_by_origin(origin)
    if existing is not None and existing["kind"] == "servicePrincipal":
        return Response(int(emu.state.config["azdo_graph_repost_status"]), graph_subject(emu, existing))
    principal = ext.directory_service_principal(origin)
    if principal is None:
        raise _unknown_origin(emu, body["originId"])
    storage_key = body.get("storageKey")
    if storage_key is not None and (not is_guid(storage_key) or storage_key.lower() in ext.members):
        raise argument_error(f"The storage key '{storage_key}' is not valid or already used.")
    member = _new_member(ext, principal, storage_key, "none")
    return Response(201, graph_subject(emu, member))


def _member_by_descriptor(ext, descriptor: str) -> dict:
    member = ext.members.get(storage_key_of(descriptor) or "")
    if member is None or member["kind"] != "servicePrincipal" or not descriptor.lower().startswith("aadsp."):
        raise vss_error(404, "GraphSubjectNotFoundException",
                        f"The service principal with descriptor '{descriptor}' could not be found.", GRAPH)
    return member


def graph_get(emu, req: Request) -> Response:
    """GET {org}/_apis/graph/serviceprincipals/{descriptor}."""
    return Response(200, graph_subject(emu, _member_by_descriptor(_ext(emu), req.group("descriptor"))))


def storage_key(emu, req: Request) -> Response:
    """GET {org}/_apis/graph/storagekeys/{descriptor}: the storage key (Azure DevOps id) of a subject."""
    descriptor = req.group("descriptor")
    member = _ext(emu).members.get(storage_key_of(descriptor) or "")
    if member is None or member["descriptor"] != descriptor:
        raise vss_error(404, "GraphSubjectNotFoundException",
                        f"The subject with descriptor '{descriptor}' could not be found.", GRAPH)
    org_url = f"{emu.base_url}/{_ext(emu).settings['organization']}"
    return Response(200, {"value": member["id"],
                          "_links": {"self": {"href": f"{org_url}/_apis/Graph/StorageKeys/{descriptor}"}}})


def graph_list(emu, req: Request) -> Response:
    """GET {org}/_apis/graph/serviceprincipals[?continuationToken=] (X-MS-ContinuationToken paging)."""
    ext = _ext(emu)
    members = sorted((m for m in ext.members.values() if m["kind"] == "servicePrincipal"), key=lambda m: m["seq"])
    chunk, token = page(members, decode_token(req.arg("continuationToken")), int(ext.state.config["azdo_page_size"]))
    headers = {"X-MS-ContinuationToken": token} if token else {}
    return Response(200, wrap([graph_subject(emu, m) for m in chunk]), headers)


def graph_delete(emu, req: Request) -> Response:
    """DELETE {org}/_apis/graph/serviceprincipals/{descriptor} → 204 (the member loses access)."""
    ext = _ext(emu)
    _require_admin(req)
    member = _member_by_descriptor(ext, req.group("descriptor"))
    ext.members.pop(member["id"], None)
    return Response(204)


# ---------------------------------------------------------------------------------------------- entitlements
def entitlement(emu, member: dict) -> dict:
    """ServicePrincipalEntitlement (keys as in the GET example)."""
    ext = _ext(emu)
    access = member["accessLevel"] or "none"
    projects = []
    for project_id, group in member["projectEntitlements"].items():
        project = ext.projects.get(project_id)
        projects.append({"projectRef": {"id": project_id, "name": project["name"] if project else None},
                         "group": {"groupType": group, "displayName": GROUP_TYPES.get(group, group)},
                         "projectPermissionInherited": "notInherited", "teamRefs": [], "assignmentSource": "unknown"})
    return {
        "servicePrincipal": graph_subject(emu, member, entitlement_shape=True),
        "id": member["id"],
        "accessLevel": {"licensingSource": "account", "accountLicenseType": access, "msdnLicenseType": "none",
                        "licenseDisplayName": ACCESS_LEVELS[access],
                        "status": "active" if member["lastAccessed"] else "pending", "statusMessage": "",
                        "assignmentSource": "unknown"},
        "lastAccessedDate": stamp(member["lastAccessed"]) if member["lastAccessed"] else NEVER,
        "dateCreated": stamp(member["dateCreated"]),
        "projectEntitlements": projects,
        "extensions": [],
        "groupAssignments": [],
    }


def _access_level(value) -> str:
    access = (value or {}).get("accountLicenseType") if isinstance(value, dict) else None
    if access is None:
        access = "express"
    if access not in ACCESS_LEVELS:
        raise argument_error(f"The value '{access}' is not a valid accountLicenseType.")
    return access


def _project_entitlement(ext, item) -> tuple[str | None, str | None, str | None]:
    """(project id, group type, error) of one ProjectEntitlement."""
    item = item or {}
    group = ((item.get("group") or {}).get("groupType")) or "projectContributor"
    if group not in GROUP_TYPES:
        raise argument_error(f"The value '{group}' is not a valid groupType.")
    ref = ((item.get("projectRef") or {}).get("id")) or ""
    project = ext.project(ref)
    if project is None or project["state"] != "wellFormed":
        return None, None, f"The project '{ref}' does not exist."
    return project["id"], group, None


def _failure(errors: list) -> dict:
    return {"operationResult": {"isSuccess": False, "errors": errors, "servicePrincipalId": None, "result": None},
            "isSuccess": False, "servicePrincipalEntitlement": None}


def entitlement_add(emu, req: Request) -> Response:
    """POST {org}/_apis/serviceprincipalentitlements → 200 with isSuccess / in-body errors [CONTRACTS 11.2]."""
    ext = _ext(emu)
    _require_admin(req)
    body = json_body(req, "servicePrincipalEntitlement")
    if not isinstance(body, dict):
        raise null_argument("servicePrincipalEntitlement")
    access = _access_level(body.get("accessLevel"))
    entitlements, errors = {}, []
    for item in body.get("projectEntitlements") or []:
        project_id, group, error = _project_entitlement(ext, item)
        if error:
            errors.append({"key": 5000, "value": error})
        else:
            entitlements[project_id] = group
    origin = ((body.get("servicePrincipal") or {}).get("originId") or "").lower()
    if not origin:
        errors.append({"key": 5000, "value": "The OriginId of the service principal must be set."})
    member = ext.member_by_origin(origin) if origin else None
    principal = ext.directory_service_principal(origin) if origin else None
    if origin and member is None and principal is None:
        errors.append({"key": 5000, "value": f"No service principal with origin id '{origin}' exists in the directory "
                                             "of this organization."})
    if errors:
        return Response(200, _failure(errors))
    if member is None:
        member = _new_member(ext, principal, None, access)
    member["accessLevel"] = access  # re-posting an existing member updates it (UNCONFIRMED)
    member["projectEntitlements"].update(entitlements)
    result = entitlement(emu, member)
    return Response(200, {"operationResult": {"isSuccess": True, "errors": [], "servicePrincipalId": member["id"],
                                              "result": result},
                          "isSuccess": True, "servicePrincipalEntitlement": result})


def _member_by_id(ext, raw: str) -> dict:
    member = ext.members.get((raw or "").lower())
    if member is None or member["kind"] != "servicePrincipal":
        raise vss_error(404, "MemberNotFoundException",
                        f"The service principal with id '{raw}' is not a member of this organization.", MEM)
    return member


def entitlement_get(emu, req: Request) -> Response:
    """GET {org}/_apis/serviceprincipalentitlements/{servicePrincipalId} (the ADO id, not the object id)."""
    return Response(200, entitlement(emu, _member_by_id(_ext(emu), req.group("id"))))


def entitlement_patch(emu, req: Request) -> Response:
    """PATCH {org}/_apis/serviceprincipalentitlements/{id} with a JSON Patch document."""
    ext = _ext(emu)
    _require_admin(req)
    member = _member_by_id(ext, req.group("id"))
    body = json_body(req, "document")
    if not isinstance(body, list):
        raise null_argument("document")
    results = []
    for index, operation in enumerate(body):
        operation = operation or {}
        op, path, value = (operation.get("op") or "").lower(), operation.get("path") or "", operation.get("value")
        error = None
        if op == "replace" and path.lower() == "/accesslevel":
            member["accessLevel"] = _access_level(value)
        elif op in ("add", "replace") and path.lower().startswith("/projectentitlements/"):
            item = dict(value or {})
            item.setdefault("projectRef", {"id": path.split("/")[-1]})
            project_id, group, error = _project_entitlement(ext, item)
            if not error:
                member["projectEntitlements"][project_id] = group
        elif op == "remove" and path.lower().startswith("/projectentitlements/"):
            project = ext.project(path.split("/")[-1])
            if project is None or member["projectEntitlements"].pop(project["id"], None) is None:
                error = f"The service principal has no entitlement for project '{path.split('/')[-1]}'."
        else:
            error = f"The operation '{op}' on path '{path}' is not supported."
        results.append({"servicePrincipalId": member["id"], "isSuccess": error is None,
                        "errors": [{"key": 5000, "value": error}] if error else [],
                        "result": entitlement(emu, member) if index == 0 and error is None else None})
    ok = all(r["isSuccess"] for r in results)
    return Response(200, {"operationResults": results, "isSuccess": ok,
                          "servicePrincipalEntitlement": entitlement(emu, member)})


def entitlement_delete(emu, req: Request) -> Response:
    """DELETE {org}/_apis/serviceprincipalentitlements/{id} → 204; the service principal leaves the organization."""
    ext = _ext(emu)
    _require_admin(req)
    member = _member_by_id(ext, req.group("id"))
    ext.members.pop(member["id"], None)
    return Response(204)


def touch(member: dict) -> None:
    """Record an authenticated call (entitlement status pending → active)."""
    member["lastAccessed"] = clock.now()


def register(add) -> None:
    """Graph and entitlement routes (served under the organization URL, see README)."""
    org = r"/(?P<org>[^/_][^/]*)"
    graph = org + r"/_apis/graph/serviceprincipals"
    add("POST", graph + "/?", graph_create, "graphServicePrincipals")
    add("GET", graph + "/?", graph_list, "graphServicePrincipals")
    add("GET", graph + r"/(?P<descriptor>[^/]+)/?", graph_get, "graphServicePrincipals")
    add("DELETE", graph + r"/(?P<descriptor>[^/]+)/?", graph_delete, "graphServicePrincipals")
    add("GET", org + r"/_apis/graph/storagekeys/(?P<descriptor>[^/]+)/?", storage_key, "graphStorageKeys")
    ent = org + r"/_apis/serviceprincipalentitlements"
    add("POST", ent + "/?", entitlement_add, "servicePrincipalEntitlements")
    add("GET", ent + r"/(?P<id>[^/]+)/?", entitlement_get, "servicePrincipalEntitlement")
    add("PATCH", ent + r"/(?P<id>[^/]+)/?", entitlement_patch, "servicePrincipalEntitlement")
    add("DELETE", ent + r"/(?P<id>[^/]+)/?", entitlement_delete, "servicePrincipalEntitlement")
