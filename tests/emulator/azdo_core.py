# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps core (projects, processes, operations), pipelines and pipeline permissions
[CONTRACTS 8, 10; ADO-CORE, ADO-PP specs and examples; REC test_devops_projects_CreateListShowDelete.yaml]."""

from __future__ import annotations

import uuid

from . import azdo_endpoints, clock
from .azdo_common import (CORE_WEBAPI, argument_error, bool_arg, decode_token, int_arg, json_body, null_argument, page,
                          project_not_found, stamp, vss_error, wrap)
from .azdo_model import DEFAULT_PROCESS, PROCESSES
from .web import Request, Response, is_guid


def _ext(emu):
    return emu.state.ext["azdo"]


def _org_url(emu) -> str:
    return f"{emu.base_url}/{_ext(emu).settings['organization']}"


# ---------------------------------------------------------------------------------------------- operations
def settle(ext, now: float | None = None) -> None:
    """Apply project operations whose time has come (create → wellFormed, delete → gone)."""
    now = clock.now() if now is None else now
    for operation in ext.operations.values():
        if operation["status"] != "inProgress" or now < operation["finishAt"]:
            continue
        operation["status"] = "succeeded"
        project = ext.projects.get(operation["projectId"])
        if project is None:
            continue
        if operation["kind"] == "create":
            project["state"] = "wellFormed"
            project["lastUpdateTime"] = now
        else:
            _drop_project(ext, project["id"])


def _drop_project(ext, project_id: str) -> None:
    ext.projects.pop(project_id, None)
    azdo_endpoints.remove_project(ext, project_id)
    for key in [k for k in ext.pipelines if k[0] == project_id]:
        ext.pipelines.pop(key, None)
    for key in [k for k in ext.permissions if k[0] == project_id]:
        ext.permissions.pop(key, None)
    for member in ext.members.values():
        member["projectEntitlements"].pop(project_id, None)


def _operation(emu, ext, kind: str, project_id: str) -> dict:
    delay = float(ext.state.config["azdo_operation_seconds"])
    op_id = str(uuid.uuid4())
    ext.operations[op_id] = {"id": op_id, "kind": kind, "projectId": project_id, "status": "inProgress",
                             "finishAt": clock.now() + delay}
    if delay <= 0:
        settle(ext)
    return {"id": op_id, "status": "notSet", "url": f"{_org_url(emu)}/_apis/operations/{op_id}"}


def get_operation(emu, req: Request) -> Response:
    """GET {org}/_apis/operations/{id}: {id, status, url, _links} (REC)."""
    ext = _ext(emu)
    operation = ext.operations.get(req.group("id").lower())
    if operation is None:
        raise vss_error(404, "OperationNotFoundException", f"The operation with id {req.group('id')} was not found.")
    url = f"{_org_url(emu)}/_apis/operations/{operation['id']}"
    return Response(200, {"id": operation["id"], "status": operation["status"], "url": url,
                          "_links": {"self": {"href": url}}})


# ---------------------------------------------------------------------------------------------- processes
def _process(emu, item) -> dict:
    pid, name, default = item
    return {"id": pid, "description": f"{name} process template.", "isDefault": default, "type": "system",
            "url": f"{_org_url(emu)}/_apis/process/processes/{pid}", "name": name}


def list_processes(emu, _req: Request) -> Response:
    """GET {org}/_apis/process/processes (the four system processes)."""
    return Response(200, wrap([_process(emu, item) for item in PROCESSES]))


def get_process(emu, req: Request) -> Response:
    """GET {org}/_apis/process/processes/{id}."""
    for item in PROCESSES:
        if item[0] == req.group("id").lower():
            return Response(200, _process(emu, item))
    raise vss_error(404, "ProcessNotFoundException", f"The process with id {req.group('id')} was not found.")


# ---------------------------------------------------------------------------------------------- projects
def project_reference(emu, project: dict) -> dict:
    """TeamProjectReference (list item) with the keys the recordings show."""
    item = {"id": project["id"], "name": project["name"]}
    if project.get("description"):
        item["description"] = project["description"]
    item.update({"url": f"{_org_url(emu)}/_apis/projects/{project['id']}", "state": project["state"],
                 "revision": project["revision"], "visibility": project["visibility"],
                 "lastUpdateTime": stamp(project["lastUpdateTime"])})
    return item


def _team_project(emu, project: dict, capabilities: bool) -> dict:
    org_url = _org_url(emu)
    ext = _ext(emu)
    self_url = f"{org_url}/_apis/projects/{project['id']}"
    body = {"id": project["id"], "name": project["name"]}
    if project.get("description"):
        body["description"] = project["description"]
    body.update({"url": self_url, "state": project["state"]})
    if capabilities:
        template = next((p for p in PROCESSES if p[0] == project["processTemplateId"]), PROCESSES[1])
        git = project["sourceControlType"].lower() == "git"
        body["capabilities"] = {
            "processTemplate": {"templateName": template[1], "templateTypeId": template[0]},
            "versioncontrol": {"sourceControlType": "Git" if git else "Tfvc", "gitEnabled": str(git),
                               "tfvcEnabled": str(not git)}}
    body.update({
        "revision": project["revision"],
        "_links": {"self": {"href": self_url},
                   "collection": {"href": f"{org_url}/_apis/projectCollections/{ext.settings['collection_id']}"},
                   "web": {"href": f"{org_url}/{project['name']}"}},
        "visibility": project["visibility"],
        "defaultTeam": {"id": project["defaultTeamId"], "name": f"{project['name']} Team",
                        "url": f"{self_url}/teams/{project['defaultTeamId']}"},
        "lastUpdateTime": stamp(project["lastUpdateTime"]),
    })
    return body


def list_projects(emu, req: Request) -> Response:
    """GET {org}/_apis/projects[?stateFilter=&$top=&$skip=&continuationToken=] (X-MS-ContinuationToken paging)."""
    ext = _ext(emu)
    state_filter = (req.arg("stateFilter") or "wellFormed").lower()
    top = int_arg(req, "$top", 100)
    skip = int_arg(req, "$skip", 0)
    token = int_arg(req, "continuationToken", 0)
    if top is None or top < 1 or skip < 0 or token < 0:
        raise argument_error("The paging parameters $top, $skip and continuationToken must be positive numbers.")
    items = [p for p in sorted(ext.projects.values(), key=lambda p: p["seq"])
             if ext.can_see(req.azdo_caller, p["id"]) and (state_filter == "all" or p["state"].lower() == state_filter)]
    offset = skip + token
    chunk = items[offset:offset + top]
    headers = {}
    if offset + top < len(items):
        headers["X-MS-ContinuationToken"] = str(token + len(chunk))
    return Response(200, wrap([project_reference(emu, p) for p in chunk]), headers)


def get_project(emu, req: Request) -> Response:
    """GET {org}/_apis/projects/{idOrName}[?includeCapabilities=true]; 404 VS800075 otherwise [CONTRACTS 8]."""
    ext = _ext(emu)
    ref = req.group("project")
    project = ext.project(ref)
    if project is None or not ext.can_see(req.azdo_caller, project["id"]):
        raise project_not_found(ref)
    return Response(200, _team_project(emu, project, bool_arg(req, "includeCapabilities")))


def create_project(emu, req: Request) -> Response:
    """POST {org}/_apis/projects → 202 operation reference (REC)."""
    ext = _ext(emu)
    if not req.azdo_caller["collectionAdmin"]:
        raise vss_error(403, "AccessCheckException",
                        "TF50309: The following permissions are needed to perform this operation: Create new projects.",
                        "Microsoft.TeamFoundation.Framework.Server")
    body = json_body(req, "projectToCreate")
    if not isinstance(body, dict):
        raise null_argument("projectToCreate")
    name = (body.get("name") or "").strip()
    if not name:
        raise null_argument("projectToCreate.Name")
    if ext.project(name) is not None:
        raise vss_error(409, "ProjectAlreadyExistsException",
                        f"TF200019: The following project already exists on the Azure DevOps Server: {name}. You cannot "
                        "create a new project with the same name as an existing project. Provide a different name.",
                        CORE_WEBAPI)
    capabilities = body.get("capabilities") or {}
    template = ((capabilities.get("processTemplate") or {}).get("templateTypeId") or DEFAULT_PROCESS).lower()
    if template not in {p[0] for p in PROCESSES}:
        raise argument_error(f"The process template {template} does not exist.")
    source = (capabilities.get("versioncontrol") or {}).get("sourceControlType") or "Git"
    project = ext.add_project({"name": name, "description": body.get("description"), "state": "createPending",
                               "visibility": body.get("visibility") or "private", "processTemplateId": template,
                               "sourceControlType": source, "revision": 1})
    return Response(202, _operation(emu, ext, "create", project["id"]))


def delete_project(emu, req: Request) -> Response:
    """DELETE {org}/_apis/projects/{id} → 202 operation reference (REC)."""
    ext = _ext(emu)
    ref = req.group("project")
    project = ext.projects.get(ref.lower()) if is_guid(ref) else None
    if project is None or not ext.can_see(req.azdo_caller, project["id"]):
        raise project_not_found(ref)
    if not req.azdo_caller["collectionAdmin"]:
        raise vss_error(403, "AccessCheckException",
                        "TF50309: The following permissions are needed to perform this operation: Delete project.",
                        "Microsoft.TeamFoundation.Framework.Server")
    project["state"] = "deleting"
    return Response(202, _operation(emu, ext, "delete", project["id"]))


# ---------------------------------------------------------------------------------------------- pipelines
def project_of(emu, req: Request) -> dict:
    """The {project} route segment, visible to the caller, else 404."""
    ext = _ext(emu)
    ref = req.group("project")
    project = ext.project(ref)
    if project is None or project["state"] != "wellFormed" or not ext.can_see(req.azdo_caller, project["id"]):
        raise project_not_found(ref)
    return project


def _pipeline(emu, project: dict, pipeline: dict, full: bool) -> dict:
    org_url = _org_url(emu)
    url = f"{org_url}/{project['id']}/_apis/pipelines/{pipeline['id']}?revision={pipeline['revision']}"
    web = f"{org_url}/{project['id']}/_build/definition?definitionId={pipeline['id']}"
    body = {"_links": {"self": {"href": url}, "web": {"href": web}}, "url": url, "id": pipeline["id"],
            "revision": pipeline["revision"], "name": pipeline["name"], "folder": pipeline["folder"]}
    if full:
        body["configuration"] = {"path": pipeline["path"], "repository": {"id": pipeline["repositoryId"],
                                                                          "type": "azureReposGit"}, "type": "yaml"}
    return body


def list_pipelines(emu, req: Request) -> Response:
    """GET {org}/{project}/_apis/pipelines[?$top=&continuationToken=]."""
    ext = _ext(emu)
    project = project_of(emu, req)
    top = int_arg(req, "$top", int(ext.state.config["azdo_page_size"]))
    if top is None or top < 1:
        raise argument_error("$top must be a positive number.")
    items = sorted((p for (pid, _i), p in ext.pipelines.items() if pid == project["id"]), key=lambda p: p["id"])
    chunk, token = page(items, decode_token(req.arg("continuationToken")), top)
    headers = {"X-MS-ContinuationToken": token} if token else {}
    return Response(200, wrap([_pipeline(emu, project, p, False) for p in chunk]), headers)


def get_pipeline(emu, req: Request) -> Response:
    """GET {org}/{project}/_apis/pipelines/{id}."""
    ext = _ext(emu)
    project = project_of(emu, req)
    raw = req.group("id")
    pipeline = ext.pipelines.get((project["id"], int(raw))) if raw.isdigit() else None
    if pipeline is None:
        raise vss_error(404, "PipelineNotFoundException", f"Pipeline with id {raw} not found in project {project['name']}.",
                        "Microsoft.Azure.Pipelines.WebApi")
    return Response(200, _pipeline(emu, project, pipeline, True))


# ---------------------------------------------------------------------------------------------- pipeline permissions
def _compact_identity(member: dict) -> dict:
    return {"displayName": member["displayName"], "id": member["id"], "uniqueName": member["uniqueName"],
            "descriptor": member["descriptor"]}


def _check_resource(ext, project: dict, rtype: str, rid: str) -> None:
    if rtype.lower() != "endpoint":
        return  # other resource types (queue, environment, ...) are not modelled; any id is accepted
    record = ext.endpoints.get(rid.lower())
    if record is None or project["id"] not in [r["projectId"] for r in record["references"]]:
        raise vss_error(404, "ResourceNotFoundException",
                        f"The resource endpoint/{rid} does not exist in project {project['name']} or you do not have "
                        "permission to access it.", "Microsoft.Azure.Pipelines.Authorization.WebApi")


def _render_permissions(ext, project: dict, rtype: str, rid: str) -> dict:
    stored = ext.permissions.get((project["id"], rtype.lower(), rid.lower()))
    body = {"resource": {"type": rtype, "id": rid}, "pipelines": []}
    if stored is None:
        return body
    body["pipelines"] = [dict(v, id=k) for k, v in sorted(stored["pipelines"].items())]
    if stored["allPipelines"] is not None:
        body["allPipelines"] = dict(stored["allPipelines"])
    return body


def _apply_permissions(ext, project: dict, rtype: str, rid: str, body: dict, caller: dict) -> None:
    if not isinstance(body, dict):
        raise null_argument("resourceAuthorization")
    _check_resource(ext, project, rtype, rid)
    config = ext.state.config["azdo_unknown_pipeline"]
    changes = []
    for item in body.get("pipelines") or []:
        pid = (item or {}).get("id")
        if isinstance(pid, str) and pid.isdigit():
            pid = int(pid)
        if not isinstance(pid, int) or not isinstance(item.get("authorized"), bool):
            raise argument_error("Each pipeline permission needs an integer 'id' and a boolean 'authorized'.")
        if (project["id"], pid) not in ext.pipelines and config != "accept":
            if config == "404":
                raise vss_error(404, "PipelineNotFoundException",
                                f"Pipeline with id {pid} not found in project {project['name']}.",
                                "Microsoft.Azure.Pipelines.WebApi")
            raise argument_error(f"Pipeline with id {pid} does not exist in project {project['name']}.")
        changes.append((pid, item["authorized"]))
    all_pipelines = body.get("allPipelines")
    if all_pipelines is not None and not isinstance((all_pipelines or {}).get("authorized"), bool):
        raise argument_error("'allPipelines' needs a boolean 'authorized'.")
    key = (project["id"], rtype.lower(), rid.lower())
    stored = ext.permissions.setdefault(key, {"resourceType": rtype, "resourceId": rid, "pipelines": {},
                                              "allPipelines": None})
    who, when = _compact_identity(caller), stamp()
    for pid, authorized in changes:
        if authorized:
            stored["pipelines"][pid] = {"authorized": True, "authorizedBy": who, "authorizedOn": when}
        else:
            stored["pipelines"].pop(pid, None)  # a revoked pipeline is no longer listed (UNCONFIRMED)
    if all_pipelines is not None:
        stored["allPipelines"] = {"authorized": all_pipelines["authorized"], "authorizedBy": who, "authorizedOn": when}


def get_permissions(emu, req: Request) -> Response:
    """GET {org}/{project}/_apis/pipelines/pipelinepermissions/{type}/{id} [CONTRACTS 10]."""
    ext = _ext(emu)
    project = project_of(emu, req)
    _check_resource(ext, project, req.group("rtype"), req.group("rid"))
    return Response(200, _render_permissions(ext, project, req.group("rtype"), req.group("rid")))


def patch_permissions(emu, req: Request) -> Response:
    """PATCH {org}/{project}/_apis/pipelines/pipelinepermissions/{type}/{id} → 200 ResourcePipelinePermissions."""
    ext = _ext(emu)
    project = project_of(emu, req)
    body = json_body(req, "resourceAuthorization")
    _apply_permissions(ext, project, req.group("rtype"), req.group("rid"), body, req.azdo_caller)
    return Response(200, _render_permissions(ext, project, req.group("rtype"), req.group("rid")))


def patch_permissions_batch(emu, req: Request) -> Response:
    """PATCH {org}/{project}/_apis/pipelines/pipelinepermissions with [ResourcePipelinePermissions] → {count, value}."""
    ext = _ext(emu)
    project = project_of(emu, req)
    body = json_body(req, "resourceAuthorizations")
    if not isinstance(body, list):
        raise null_argument("resourceAuthorizations")
    resources = []
    for item in body:
        resource = (item or {}).get("resource") or {}
        if not resource.get("type") or not resource.get("id"):
            raise argument_error("Each entry needs resource.type and resource.id.")
        resources.append((str(resource["type"]), str(resource["id"]), item))
    for rtype, rid, _item in resources:
        _check_resource(ext, project, rtype, rid)
    for rtype, rid, item in resources:
        _apply_permissions(ext, project, rtype, rid, item, req.azdo_caller)
    return Response(200, wrap([_render_permissions(ext, project, rtype, rid) for rtype, rid, _item in resources]))


def register(add) -> None:
    """Core, pipelines and pipeline-permission routes."""
    org = r"/(?P<org>[^/_][^/]*)"
    proj = org + r"/(?P<project>[^/_][^/]*)"
    add("GET", org + r"/_apis/projects/?", list_projects, "projects")
    add("POST", org + r"/_apis/projects/?", create_project, "projects")
    add("GET", org + r"/_apis/projects/(?P<project>[^/]+)/?", get_project, "projects")
    add("DELETE", org + r"/_apis/projects/(?P<project>[^/]+)/?", delete_project, "projects")
    add("GET", org + r"/_apis/operations/(?P<id>[^/]+)/?", get_operation, "operations")
    add("GET", org + r"/_apis/process/processes/?", list_processes, "processes")
    add("GET", org + r"/_apis/process/processes/(?P<id>[^/]+)/?", get_process, "processes")
    perms = proj + r"/_apis/pipelines/pipelinepermissions"
    add("PATCH", perms + "/?", patch_permissions_batch, "pipelinePermissions")
    add(("GET",), perms + r"/(?P<rtype>[^/]+)/(?P<rid>[^/]+)/?", get_permissions, "pipelinePermissions")
    add(("PATCH",), perms + r"/(?P<rtype>[^/]+)/(?P<rid>[^/]+)/?", patch_permissions, "pipelinePermissions")
    add("GET", proj + r"/_apis/pipelines/?", list_pipelines, "pipelines")
    add("GET", proj + r"/_apis/pipelines/(?P<id>[^/]+)/?", get_pipeline, "pipelines")
