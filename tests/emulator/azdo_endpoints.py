# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps service endpoints (service connections) [CONTRACTS 9; ADO-SE specs and examples].

Stored records keep confidential parameters apart (never rendered, CONTRACTS 9.4) and compute the
workload identity federation issuer/subject from the organization, tenant and endpoint ids. Readiness
of a manual WIF connection is decided with :func:`federation.trusts`, the same lookup the Entra token
endpoint uses. Every behaviour CONTRACTS marks UNCONFIRMED has a config switch (see README).
"""

from __future__ import annotations

import base64
import copy
import json
import uuid

from . import clock
from .azdo_common import (AZURE_DEVOPS_APP_ID, CONFIDENTIAL, SE_WEBAPI, SPN, TOKEN_EXCHANGE_AUDIENCE, WIF,
                          argument_error, bool_arg, endpoint_error, identity_ref, json_body, null_argument,
                          opt_group, project_not_found, stamp, vss_error, wrap)
from .federation import multitenant_with_entra_issuer, trusts
from .scopes import ScopeError, parse_scope
from .web import HttpError, Request, Response

try:  # Microsoft Graph's view of a core app record (object id); optional
    from .graph import ensure_app as graph_view
except ImportError:  # pragma: no cover
    graph_view = None

ENVIRONMENT_URLS = {
    "azurecloud": "https://management.azure.com/", "azurechinacloud": "https://management.chinacloudapi.cn/",
    "azureusgovernment": "https://management.usgovcloudapi.net/", "azuregermancloud": "https://management.microsoftazure.de/",
}
# azurerm data keys marked updatesNotAllowed in the endpoint type metadata [CONTRACTS 9.2].
IMMUTABLE_DATA = ("environment", "scopeLevel", "subscriptionId", "managementGroupId")
# Data keys the service writes itself [CONTRACTS 9.2 "output-only"].
OUTPUT_DATA = ("spnObjectId", "appObjectId", "azureSpnRoleAssignmentId", "azureSpnPermissions", "revertSchemeDeadline")
WIF_OUTPUT_PARAMS = ("workloadIdentityFederationIssuer", "workloadIdentityFederationSubject",
                     "workloadIdentityFederationIssuerType")
ISSUER_TYPES = {"entra": "EntraID", "azdo": "AzureDevOps"}
CONVERT = "ConvertAuthenticationScheme"
# Extension points (azdo_issuer.py): UPDATE_HOOKS(emu, req, record, body, operation) -> True when the hook
# handled the PUT; RENDER_HOOKS(ext, record, parameters) may adjust the rendered authorization parameters.
UPDATE_HOOKS: list = []
RENDER_HOOKS: list = []


def _ext(emu):
    return emu.state.ext["azdo"]


def _config(ext, key):
    return ext.state.config[key]


def _lower_keys(mapping: dict) -> dict:
    return {str(k).lower(): k for k in mapping}


def _is_azurerm(record_or_type) -> bool:
    value = record_or_type["type"] if isinstance(record_or_type, dict) else record_or_type
    return (value or "").lower() == "azurerm"


def _truthy(value) -> bool:
    return str(value).strip().lower() == "true"


def endpoint_not_found(endpoint_id: str) -> HttpError:
    """404 for an endpoint that does not exist in the addressed scope (wording UNCONFIRMED)."""
    return vss_error(404, "ServiceEndpointNotFoundException",
                     f"Service connection with id {endpoint_id} does not exist or you do not have permission to access it.",
                     SE_WEBAPI)


def duplicate_name(name: str) -> HttpError:
    """400 for a name already used in the project; message as quoted in CONTRACTS 9.6, typeKey chosen here."""
    return vss_error(400, "DuplicateServiceConnectionException",
                     f"Service connection with name {name} already exists. Only a user having Administrator/User role "
                     f"permissions on service connection {name} can see it.", SE_WEBAPI)


# ---------------------------------------------------------------------------------------------- identities of a record
def _b64_guid(value: str) -> str:
    try:
        raw = uuid.UUID(value).bytes_le
    except (ValueError, AttributeError, TypeError):
        raw = (value or "").encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def issuer_mode_for(ext, record: dict, requested: str | None = None) -> str:
    """entra or azdo: request parameter workloadIdentityFederationIssuerType, then cloud, then config."""
    if (requested or "").lower() in ("entraid", "azuread"):  # AzureAD/DevOps: docs/issuer-migration.md [DAZE]
        return "entra"
    if (requested or "").lower() in ("azuredevops", "devops"):
        return "azdo"
    environment = (record["data"].get("environment") or "AzureCloud").lower()
    if environment != "azurecloud":
        return "azdo"  # non-public clouds and Azure Stack stay on the Azure DevOps issuer [CONTRACTS 9.3, D-ISS]
    return _config(ext, "azdo_issuer")


def federation_pair(ext, record: dict) -> tuple[str, str]:
    """(issuer, subject) the endpoint has, or would get on conversion [CONTRACTS 9.3 table]."""
    settings = ext.settings
    mode = record.get("issuerMode") or issuer_mode_for(ext, record)
    if mode == "azdo":
        owner = ext.projects.get(record["references"][0]["projectId"]) if record["references"] else None
        project_name = owner["name"] if owner else ""
        return (f"https://vstoken.dev.azure.com/{settings['organization_id']}",
                f"sc://{settings['organization']}/{project_name}/{record['name']}")
    tenant = (record["params"].get("tenantid") or ext.state.identity.tenant_id).lower()
    # The Entra subject is opaque [CONTRACTS 9.3]; this one follows the observed /eid1/c/pub/t/... prefix.
    subject = (f"/eid1/c/pub/t/{_b64_guid(tenant)}/a/{_b64_guid(AZURE_DEVOPS_APP_ID)}"
               f"/sc/{settings['organization_id']}/{record['id']}")
    return f"https://login.microsoftonline.com/{tenant}/v2.0", subject


def _fic_trusted(ext, record: dict) -> bool:
    issuer, subject = federation_pair(ext, record)
    client_id = record["params"].get("serviceprincipalid") or ""
    tenant = record["params"].get("tenantid") or None
    return trusts(ext.state, client_id, issuer, subject, TOKEN_EXCHANGE_AUDIENCE, tenant_id=tenant)


def _fic_failure_message(ext, record: dict) -> str:
    issuer, subject = federation_pair(ext, record)
    if multitenant_with_entra_issuer(ext.state, record["params"].get("serviceprincipalid") or "", issuer):
        return ("Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: AADSTS70052: "
                "The identity must be a managed identity, a single tenant app, or a service account.")
    return ("Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: AADSTS70021: "
            f"No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. "
            f"Assertion Subject: '{subject}'. Assertion Audience: '{TOKEN_EXCHANGE_AUDIENCE}'.")


# ---------------------------------------------------------------------------------------------- state transitions
def refresh(record: dict, now: float | None = None) -> None:
    """Finish a pending (InProgress) operation whose time has come."""
    now = clock.now() if now is None else now
    if record["status"] == "InProgress" and record.get("pendingUntil") is not None and now >= record["pendingUntil"]:
        record["status"], record["statusMessage"], record["pendingUntil"] = "Ready", "", None
        record["ready"] = True


def _become_ready(ext, record: dict, delay: float | None = None) -> None:
    delay = float(_config(ext, "azdo_ready_delay") if delay is None else delay)
    record["draft"] = False
    record["data"].pop("isDraft", None)
    if delay > 0:
        record["status"], record["statusMessage"], record["ready"] = "InProgress", "", False
        record["pendingUntil"] = clock.now() + delay
    else:
        record["status"], record["statusMessage"], record["ready"], record["pendingUntil"] = "Ready", "", True, None


def _finish(ext, record: dict) -> None:
    """Verify a manual WIF connection; ready, or error / Failed per azdo_finish_without_fic."""
    if _fic_trusted(ext, record):
        _become_ready(ext, record)
        return
    message = _fic_failure_message(ext, record)
    if _config(ext, "azdo_finish_without_fic") == "error":
        raise endpoint_error(message)
    record["draft"] = False
    record["data"].pop("isDraft", None)
    record["status"], record["statusMessage"], record["ready"], record["pendingUntil"] = "Failed", message, False, None


def _scope_for(ext, record: dict) -> str:
    params, data = record["params"], record["data"]
    if params.get("scope"):
        return params["scope"]
    if (data.get("scopeLevel") or "").lower() == "managementgroup" and data.get("managementGroupId"):
        return f"/providers/Microsoft.Management/managementGroups/{data['managementGroupId']}"
    if data.get("subscriptionId"):
        return f"/subscriptions/{data['subscriptionId']}"
    raise argument_error("The data parameter 'subscriptionId' is required to create a service principal automatically.")


def _create_identity(ext, record: dict, assign_role: bool = True) -> None:
    """Automatic creation mode: app registration + service principal + role assignment in the directory."""
    state = ext.state
    scope_text = _scope_for(ext, record)
    try:
        scope = parse_scope(scope_text)
    except ScopeError as exc:
        raise endpoint_error(f"Failed to create the role assignment for scope '{scope_text}': {exc}") from exc
    problem = state.scope_exists(scope)
    if problem is not None:
        raise endpoint_error(f"Failed to create the role assignment for scope '{scope_text}': {problem[1]}")
    role = state.find_role(record["params"].get("role") or "Contributor")
    if role is None:
        raise endpoint_error(f"The role '{record['params'].get('role')}' does not exist.")
    owner = ext.projects[record["references"][0]["projectId"]]
    spec = {"displayName": f"{ext.settings['organization']}-{owner['name']}-{record['data'].get('subscriptionId', '')}"}
    if record["scheme"] == WIF:
        issuer, subject = federation_pair(ext, record)
        spec["generateSecret"] = False
        spec["federatedIdentityCredentials"] = [{"name": f"sc-{record['id']}", "issuer": issuer, "subject": subject,
                                                 "audiences": [TOKEN_EXCHANGE_AUDIENCE]}]
    tenant = record["params"].get("tenantid") or state.identity.tenant_id
    spec["tenantId"] = tenant
    app = state.add_application(spec)
    if graph_view is not None:
        graph_view(state, app)  # gives the app its Graph object id, as Microsoft Graph would show it
    assignment = {"name": None}
    if assign_role:
        assignment = state.add_role_assignment({"scope": scope_text, "role": role["name"],
                                                "principalId": app["principalId"], "principalType": "ServicePrincipal"})
    record["params"]["serviceprincipalid"] = app["appId"]
    if record["scheme"] == SPN:
        record["params"].setdefault("authenticationType", "spnKey")
        record["secrets"]["serviceprincipalkey"] = ("serviceprincipalkey", app["secrets"][0]["value"])
    record["automatic"] = {"tenantId": app["tenantId"], "appId": app["appId"], "principalId": app["principalId"],
                           "roleAssignment": assignment["name"]}
    record["data"].update({
        "spnObjectId": app["principalId"], "appObjectId": app.get("id"),
    })
    if assignment["name"]:
        record["data"]["azureSpnRoleAssignmentId"] = assignment["name"]
        record["data"]["azureSpnPermissions"] = json.dumps([{"roleAssignmentId": assignment["name"],
                                                             "resourceProvider": "Microsoft.RoleBasedAccessControl",
                                                             "provisioned": True}])


def _delete_identity(ext, record: dict) -> None:
    """deep=true: remove the app registration the endpoint created, its SP and role assignments."""
    auto = record.get("automatic")
    if not auto:
        return
    state = ext.state
    state.applications.pop((auto["tenantId"], auto["appId"]), None)
    state.principals.pop(auto["principalId"], None)
    for name in [n for n, ra in state.role_assignments.items() if ra["principalId"] == auto["principalId"]]:
        state.role_assignments.pop(name, None)


# ---------------------------------------------------------------------------------------------- create
def _split_params(params: dict) -> tuple[dict, dict]:
    plain, secret = {}, {}
    for key, value in (params or {}).items():
        if str(key).lower() in CONFIDENTIAL:
            if value is not None:
                secret[str(key).lower()] = (key, str(value))
        elif str(key) not in WIF_OUTPUT_PARAMS:
            plain[key] = value
    return plain, secret


def _resolve_reference(ext, caller: dict, ref: dict) -> dict:
    if not isinstance(ref, dict):
        raise null_argument("serviceEndpointProjectReferences")
    project_ref = ref.get("projectReference") or {}
    key = project_ref.get("id") or project_ref.get("name") or ""
    project = ext.project(key)
    if project is None or project["state"] != "wellFormed" or not ext.can_see(caller, project["id"]):
        raise project_not_found(key)
    return project


def _check_unique(ext, project_id: str, name: str, exclude: str | None = None) -> None:
    """Names are unique per project, hidden (failed) and invisible endpoints included [CONTRACTS 9.6]."""
    low = name.lower()
    for record in ext.endpoints.values():
        if record["id"] == exclude:
            continue
        for ref in record["references"]:
            if ref["projectId"] == project_id and ref["name"].lower() == low:
                raise duplicate_name(name)


def _validate_auth(ext, record: dict, caller: dict) -> None:
    if not _is_azurerm(record) or record["scheme"] not in (SPN, WIF):
        return
    params = record["params"]
    if not params.get("tenantid"):
        raise argument_error("The authorization parameter 'tenantid' is required.")
    mode = (record["data"].get("creationMode") or "Manual").lower()
    if mode == "automatic":
        if caller["kind"] != "user" and _config(ext, "azdo_automatic_requires_user"):
            raise endpoint_error("Automatic creation of the service principal is not supported when the caller is a "
                                 "service principal or managed identity. Create the identity yourself and use "
                                 "creationMode Manual.")
        return
    if mode != "manual":
        raise argument_error(f"The creationMode '{record['data'].get('creationMode')}' is not valid.")
    if not params.get("serviceprincipalid"):
        raise argument_error("The authorization parameter 'serviceprincipalid' is required.")
    if record["scheme"] == SPN:
        kind = (params.get("authenticationType") or "spnKey").lower()
        wanted = "servicePrincipalCertificate" if kind == "spncertificate" else "serviceprincipalkey"
        if wanted.lower() not in record["secrets"]:
            raise argument_error(f"The authorization parameter '{wanted}' is required.")


def create_record(ext, body, caller: dict, seeded: bool = False, project_hint: dict | None = None,
                  assign_role: bool = True) -> dict:
    """Validate a create body and store the endpoint (also used by the seed)."""
    if not isinstance(body, dict):
        raise null_argument("endpoint")
    name = (body.get("name") or "").strip()
    if not name:
        raise argument_error("The service connection name is required.")
    etype = body.get("type")
    if not etype:
        raise argument_error("The service connection type is required.")
    authorization = body.get("authorization") or {}
    scheme = authorization.get("scheme")
    if not scheme:
        raise argument_error("The authorization scheme is required.")
    refs_in = body.get("serviceEndpointProjectReferences") or []
    if not refs_in and project_hint is not None:
        refs_in = [{"projectReference": {"id": project_hint["id"], "name": project_hint["name"]}, "name": name}]
    if not refs_in:
        raise argument_error("At least one project reference required to create an endpoint.")
    references, seen = [], set()
    for ref in refs_in:
        project = _resolve_reference(ext, caller, ref)
        if project["id"] in seen:
            continue
        seen.add(project["id"])
        ref_name = (ref.get("name") or name) if references else name
        _check_unique(ext, project["id"], ref_name)
        references.append({"projectId": project["id"], "name": ref_name, "description": ref.get("description")})
    data = dict(body.get("data") or {})
    for key in OUTPUT_DATA:
        data.pop(key, None)
    plain, secret = _split_params(authorization.get("parameters") or {})
    url = body.get("url")
    if not url and _is_azurerm(etype):
        url = ENVIRONMENT_URLS.get((data.get("environment") or "AzureCloud").lower())
    now = clock.now()
    record = {"id": str(uuid.uuid4()), "seq": ext.next_seq(), "name": name, "type": etype, "url": url,
              "description": body.get("description") or "", "owner": body.get("owner") or "library",
              "data": data, "scheme": scheme, "params": plain, "secrets": secret, "references": references,
              "createdBy": caller["id"], "createdAt": now, "modifiedBy": caller["id"], "modifiedAt": now,
              "serviceManagementReference": body.get("serviceManagementReference"), "status": "Ready",
              "statusMessage": "", "ready": True, "draft": False, "pendingUntil": None, "issuerMode": None,
              "automatic": None, "conversion": None}
    _validate_auth(ext, record, caller)
    automatic = (data.get("creationMode") or "").lower() == "automatic" and scheme in (SPN, WIF) and _is_azurerm(etype)
    if scheme == WIF:
        requested = (authorization.get("parameters") or {}).get("workloadIdentityFederationIssuerType")
        record["issuerMode"] = issuer_mode_for(ext, record, requested)
    if automatic:
        _create_identity(ext, record, assign_role)
        _become_ready(ext, record, 0 if seeded else None)
    elif scheme == WIF and _is_azurerm(etype):
        if _truthy(data.get("isDraft")):
            record["draft"], record["ready"] = True, False  # issuer/subject are returned already [CONTRACTS 9.3]
        elif _config(ext, "azdo_verify_on_create"):
            _finish(ext, record)
        else:
            _become_ready(ext, record, 0 if seeded else None)
    ext.endpoints[record["id"]] = record
    return record


def seed_body(ext, spec: dict) -> dict:
    """Turn the seed shortcuts into a create body."""
    if "authorization" in spec and "serviceEndpointProjectReferences" in spec:
        return spec
    ident = ext.state.identity
    project = ext.project(spec.get("project") or ext.settings.get("project_id", ""))
    if project is None:
        raise ValueError(f"unknown project '{spec.get('project')}'")
    name = spec.get("name")
    if not name:
        raise ValueError("service endpoint needs a name")
    scheme = spec.get("scheme", SPN)
    data = {"environment": "AzureCloud", "scopeLevel": "Subscription",
            "creationMode": "Automatic" if spec.get("automatic") else "Manual"}
    data.update(spec.get("data") or {})
    params = {"tenantid": spec.get("tenantid", ident.tenant_id), "serviceprincipalid": spec.get("serviceprincipalid", "")}
    if scheme == SPN:
        params["authenticationType"] = "spnKey"
        if spec.get("serviceprincipalkey"):
            params["serviceprincipalkey"] = spec["serviceprincipalkey"]
    params.update(spec.get("parameters") or {})
    return {"name": name, "type": spec.get("type", "azurerm"), "url": spec.get("url", "https://management.azure.com/"),
            "description": spec.get("description", ""), "data": data,
            "authorization": {"scheme": scheme, "parameters": params},
            "serviceEndpointProjectReferences": [{"projectReference": {"id": project["id"], "name": project["name"]},
                                                  "name": name}]}


def seed_view(ext, record: dict) -> dict:
    """What the seed API returns for an endpoint."""
    issuer, subject = federation_pair(ext, record)
    return {"id": record["id"], "name": record["name"], "scheme": record["scheme"],
            "serviceprincipalid": record["params"].get("serviceprincipalid"),
            "creationMode": record["data"].get("creationMode"), "wifIssuer": issuer, "wifSubject": subject}


# ---------------------------------------------------------------------------------------------- rendering
def render(emu, record: dict, project_id: str | None = None) -> dict:
    """The ServiceEndpoint JSON; name/description are those of ``project_id``'s reference (default: owner)."""
    ext = _ext(emu)
    refresh(record)
    org_url = f"{emu.base_url}/{ext.settings['organization']}"
    ref = record["references"][0] if record["references"] else {"name": record["name"], "description": None}
    for candidate in record["references"]:
        if candidate["projectId"] == project_id:
            ref = candidate
    params = {}
    if record["scheme"] == WIF:
        issuer, subject = federation_pair(ext, record)
        params.update({k: v for k, v in record["params"].items() if k in ("tenantid", "serviceprincipalid")})
        params.update({k: v for k, v in record["params"].items() if k not in params})
        params.update({"workloadIdentityFederationIssuer": issuer, "workloadIdentityFederationSubject": subject,
                       "workloadIdentityFederationIssuerType": ISSUER_TYPES[record["issuerMode"] or "entra"]})
    else:
        params.update(record["params"])
    for _low, (key, _value) in record["secrets"].items():
        params[key] = None
    for hook in RENDER_HOOKS:
        hook(ext, record, params)
    references = []
    for item in record["references"]:
        project = ext.projects.get(item["projectId"])
        references.append({"projectReference": {"id": item["projectId"], "name": project["name"] if project else None},
                           "name": item["name"], "description": item["description"]})
    return {
        "data": dict(record["data"]),
        "id": record["id"],
        "name": ref["name"],
        "type": record["type"],
        "url": record["url"],
        "createdBy": identity_ref(org_url, ext.members.get(record["createdBy"])),
        "description": ref["description"] if ref.get("description") is not None else record["description"],
        "authorization": {"parameters": params, "scheme": record["scheme"]},
        "isShared": len(record["references"]) > 1,
        "isReady": record["ready"],
        "isOutdated": False,
        "isDisabled": False,
        "owner": record["owner"],
        "serviceEndpointProjectReferences": references,
        "operationStatus": {"state": record["status"], "statusMessage": record["statusMessage"]},
        "serviceManagementReference": record["serviceManagementReference"],
    }


def _missing(emu, endpoint_id: str) -> Response:
    """GET of an endpoint that does not exist here, per azdo_missing_endpoint [CONTRACTS 9.7]."""
    mode = emu.state.config["azdo_missing_endpoint"]
    if mode == "404":
        raise endpoint_not_found(endpoint_id)
    if mode == "200-null":
        return Response(200, b"null", {"Content-Type": "application/json; charset=utf-8"})
    skeleton = {"data": {}, "id": None, "name": None, "type": None, "url": None, "createdBy": None,
                "description": None, "authorization": None, "isShared": False, "isReady": False,
                "owner": None, "serviceEndpointProjectReferences": []}
    if mode == "200-null-id":
        skeleton["authorization"] = {"parameters": {}, "scheme": None}
    else:
        skeleton["id"] = endpoint_id
    return Response(200, skeleton)


# ---------------------------------------------------------------------------------------------- handlers
def _project_of(ext, req: Request) -> dict | None:
    ref = opt_group(req, "project")
    if not ref:
        return None
    project = ext.project(ref)
    if project is None or project["state"] != "wellFormed" or not ext.can_see(req.azdo_caller, project["id"]):
        raise project_not_found(ref)
    return project


def _visible_record(ext, req: Request, endpoint_id: str, project: dict | None) -> dict | None:
    record = ext.endpoints.get((endpoint_id or "").lower())
    if record is None:
        return None
    ids = [r["projectId"] for r in record["references"]]
    if project is not None:
        return record if project["id"] in ids else None
    return record if any(ext.can_see(req.azdo_caller, pid) for pid in ids) else None


def create(emu, req: Request) -> Response:
    """POST {org}[/{project}]/_apis/serviceendpoint/endpoints → 200 (not 201) [CONTRACTS 9.1]."""
    ext = _ext(emu)
    project = _project_of(ext, req)
    record = create_record(ext, json_body(req, "endpoint"), req.azdo_caller, project_hint=project)
    return Response(200, render(emu, record))


def get_one(emu, req: Request) -> Response:
    """GET {org}/{project}/_apis/serviceendpoint/endpoints/{id}."""
    ext = _ext(emu)
    project = _project_of(ext, req)
    record = _visible_record(ext, req, req.group("id"), project)
    if record is None:
        return _missing(emu, req.group("id"))
    return Response(200, render(emu, record, project["id"]))


def list_endpoints(emu, req: Request) -> Response:
    """GET {org}/{project}/_apis/serviceendpoint/endpoints[?endpointNames=|endpointIds=|type=|authSchemes=|owner=|includeFailed=]."""
    ext = _ext(emu)
    project = _project_of(ext, req)
    names = [n.strip().lower() for n in (req.arg("endpointNames") or "").split(",") if n.strip()]
    ids = [i.strip().lower() for i in (req.arg("endpointIds") or "").split(",") if i.strip()]
    etype = (req.arg("type") or "").lower()
    schemes = [s.strip().lower() for s in (req.arg("authSchemes") or "").split(",") if s.strip()]
    owner = (req.arg("owner") or "").lower()
    include_failed = bool_arg(req, "includeFailed")
    out = []
    for record in sorted(ext.endpoints.values(), key=lambda r: r["seq"]):
        refresh(record)
        ref = next((r for r in record["references"] if r["projectId"] == project["id"]), None)
        if ref is None:
            continue
        if names and ref["name"].lower() not in names:
            continue
        if ids and record["id"] not in ids:
            continue
        if etype and record["type"].lower() != etype:
            continue
        if schemes and record["scheme"].lower() not in schemes:
            continue
        if owner and record["owner"].lower() != owner:
            continue
        if record["status"] == "Failed" and not include_failed:
            continue
        out.append(render(emu, record, project["id"]))
    return Response(200, wrap(out))


def _merge_params(ext, record: dict, params_in: dict) -> None:
    """Plain parameters are replaced; a confidential one sent as null or left out keeps its stored value
    unless azdo_put_keeps_secret is false (CONTRACTS 9.4: UNCONFIRMED)."""
    plain, secret = _split_params(params_in)
    secrets = dict(record["secrets"]) if _config(ext, "azdo_put_keeps_secret") else {}
    secrets.update(secret)
    record["secrets"] = secrets
    record["params"] = plain


def _update(emu, req: Request, record: dict, body: dict) -> None:
    ext = _ext(emu)
    if body.get("type") and body["type"].lower() != record["type"].lower():
        raise argument_error("The type of a service connection cannot be changed.")
    authorization = body.get("authorization") or {}
    if authorization.get("scheme") and authorization["scheme"].lower() != record["scheme"].lower():
        raise argument_error(f"The authorization scheme of a service connection can only be changed with "
                             f"operation={CONVERT}.")
    data_in = dict(body.get("data") or {})
    if _is_azurerm(record):
        for key in IMMUTABLE_DATA:
            old = record["data"].get(key)
            new = data_in.get(key, old)
            if (str(old or "")).lower() != (str(new or "")).lower():
                raise argument_error(f"The value of data field '{key}' cannot be updated.")
    name = (body.get("name") or record["name"]).strip()
    if name != record["name"]:
        owner = record["references"][0]["projectId"]
        _check_unique(ext, owner, name, exclude=record["id"])
        record["references"][0]["name"] = name
        record["name"] = name
    for ref in body.get("serviceEndpointProjectReferences") or []:
        pid = ((ref or {}).get("projectReference") or {}).get("id", "")
        for mine in record["references"][1:]:
            if mine["projectId"] == (pid or "").lower() and ref.get("name"):
                if ref["name"].lower() != mine["name"].lower():
                    _check_unique(ext, mine["projectId"], ref["name"], exclude=record["id"])
                mine["name"] = ref["name"]
                mine["description"] = ref.get("description", mine["description"])
    was_draft = record["draft"] or record["status"] == "Failed"
    preserved = {k: record["data"][k] for k in OUTPUT_DATA + IMMUTABLE_DATA if k in record["data"]}
    record["data"] = {k: v for k, v in data_in.items() if k not in OUTPUT_DATA}
    record["data"].update(preserved)
    if "parameters" in authorization:
        _merge_params(ext, record, authorization.get("parameters") or {})
    if "description" in body:
        record["description"] = body.get("description") or ""
        # The top-level fields are the owning project's view, as for the name above.
        if record["references"]:
            record["references"][0]["description"] = record["description"]
    if body.get("url"):
        record["url"] = body["url"]
    if "serviceManagementReference" in body:
        record["serviceManagementReference"] = body.get("serviceManagementReference")
    if body.get("owner"):
        record["owner"] = body["owner"]
    record["modifiedBy"], record["modifiedAt"] = req.azdo_caller["id"], clock.now()
    if record["scheme"] == WIF and _is_azurerm(record) and was_draft:
        if _truthy(record["data"].get("isDraft")):
            record["draft"] = True
        elif body.get("isReady") is True:
            _finish(ext, record)  # finishing a draft: isReady true without isDraft [CONTRACTS 9.3, UNCONFIRMED]
        elif record["draft"]:
            record["data"]["isDraft"] = "True"


def _convert(emu, record: dict, body: dict) -> None:
    """operation=ConvertAuthenticationScheme [CONTRACTS 9.5]."""
    ext = _ext(emu)
    target = ((body.get("authorization") or {}).get("scheme") or "")
    current = record["scheme"]
    type_name = (record["type"] or "").lower()
    if not target:
        raise argument_error("The authorization scheme is required.")
    if target.lower() == current.lower() or not _is_azurerm(record) or {target, current} != {SPN, WIF}:
        raise argument_error(f"Converting endpoint type {type_name} scheme from {current} to {target} is neither an "
                             "upgrade or a downgrade and is not supported.")
    now = clock.now()
    if current == SPN:
        if len(record["references"]) > 1:
            raise argument_error(f"Service connection {record['name']} is shared with other projects and cannot be "
                                 f"converted to {WIF}.")
        if (record["data"].get("environment") or "").lower() == "azurestack":
            raise endpoint_error("Unable to connect to the Azure Stack environment: workload identity federation is "
                                 "not supported for Azure Stack.")
        record["issuerMode"] = issuer_mode_for(ext, record)
        issuer, subject = federation_pair(ext, record)
        auto = record.get("automatic")
        if auto:
            app = ext.state.applications.get((auto["tenantId"], auto["appId"]))
            if app is None:
                record["issuerMode"] = None
                raise argument_error(f"The authorization scheme could not be upgraded to {WIF} because the service "
                                     "principal could not be configured automatically, and no valid configuration exists.")
            if not any(f["issuer"] == issuer and f["subject"] == subject for f in app["federatedIdentityCredentials"]):
                app["federatedIdentityCredentials"].append({
                    "id": str(uuid.uuid4()), "name": f"sc-{record['id']}", "issuer": issuer, "subject": subject,
                    "audiences": [TOKEN_EXCHANGE_AUDIENCE]})
        elif not _fic_trusted(ext, record):
            record["issuerMode"] = None
            raise argument_error(f"The authorization scheme could not be upgraded to {WIF} because the service principal "
                                 "could not be configured automatically, and no valid configuration exists.")
        seconds = float(_config(ext, "azdo_revert_seconds")) or float(_config(ext, "azdo_revert_days")) * 86400.0
        record["conversion"] = {"deadline": now + seconds, "scheme": current, "params": dict(record["params"]),
                                "secrets": dict(record["secrets"])}
        record["scheme"] = WIF
        record["params"] = {k: v for k, v in record["params"].items() if k.lower() not in ("authenticationtype",)}
        record["secrets"] = {}
        record["data"]["revertSchemeDeadline"] = stamp(now + seconds)
        delay = float(_config(ext, "azdo_convert_seconds")) if _config(ext, "azdo_convert_async") else 0.0
        _become_ready(ext, record, delay)
        return
    conversion = record.get("conversion")
    if conversion is None:
        raise argument_error(f"Service connection {record['name']} was not converted from {SPN}; its authorization "
                             f"scheme cannot be reverted.")
    if (record["data"].get("creationMode") or "").lower() != "automatic":
        raise argument_error(f"Only service connections with creationMode Automatic can be reverted to {SPN}.")
    if now > conversion["deadline"]:
        raise argument_error(f"The revert period of service connection {record['name']} ended at "
                             f"{stamp(conversion['deadline'])}; its authorization scheme can no longer be reverted "
                             f"to {SPN}.")
    record["scheme"], record["params"], record["secrets"] = conversion["scheme"], conversion["params"], conversion["secrets"]
    record["conversion"], record["issuerMode"] = None, None
    record["data"].pop("revertSchemeDeadline", None)
    _become_ready(ext, record, 0)


def update(emu, req: Request) -> Response:
    """PUT {org}[/{project}]/_apis/serviceendpoint/endpoints/{id}[?operation=ConvertAuthenticationScheme]."""
    ext = _ext(emu)
    project = _project_of(ext, req)
    body = json_body(req, "endpoint")
    if not isinstance(body, dict):
        raise null_argument("endpoint")
    record = _visible_record(ext, req, req.group("id"), project)
    if record is None:
        raise endpoint_not_found(req.group("id"))
    refresh(record)
    operation = req.arg("operation")
    backup = copy.deepcopy(record)
    try:
        if any(hook(emu, req, record, body, operation) for hook in UPDATE_HOOKS):
            pass
        elif operation:
            if operation.lower() != CONVERT.lower():
                raise argument_error(f"The operation '{operation}' is not supported.")
            _convert(emu, record, body)
        else:
            _update(emu, req, record, body)
    except HttpError:
        record.clear()
        record.update(backup)  # a rejected update changes nothing
        raise
    return Response(200, render(emu, record, project["id"] if project else None))


def update_many(emu, req: Request) -> Response:
    """PUT {org}/_apis/serviceendpoint/endpoints with a list of endpoints."""
    ext = _ext(emu)
    body = json_body(req, "endpoints")
    if not isinstance(body, list):
        raise null_argument("endpoints")
    out = []
    for item in body:
        record = _visible_record(ext, req, (item or {}).get("id") or "", None)
        if record is None:
            raise endpoint_not_found((item or {}).get("id"))
        _update(emu, req, record, item)
        out.append(render(emu, record))
    return Response(200, wrap(out))


def share(emu, req: Request) -> Response:
    """PATCH {org}/_apis/serviceendpoint/endpoints/{id} with [ServiceEndpointProjectReference] → 204."""
    ext = _ext(emu)
    body = json_body(req, "endpointProjectReferences")
    if not isinstance(body, list):
        raise null_argument("endpointProjectReferences")
    record = _visible_record(ext, req, req.group("id"), None)
    if record is None:
        raise endpoint_not_found(req.group("id"))
    additions = []
    for ref in body:
        project = _resolve_reference(ext, req.azdo_caller, ref)
        if any(r["projectId"] == project["id"] for r in record["references"] + additions):
            if ext.state.config["azdo_share_existing"] == "ignore":
                continue
            raise argument_error(f"Service connection {record['name']} is already shared with project {project['name']}.")
        name = ref.get("name") or record["name"]
        _check_unique(ext, project["id"], name, exclude=record["id"])
        additions.append({"projectId": project["id"], "name": name, "description": ref.get("description")})
    record["references"].extend(additions)
    return Response(204)


def _remove(ext, record: dict, deep: bool) -> None:
    ext.endpoints.pop(record["id"], None)
    for key in [k for k in ext.permissions if k[1] == "endpoint" and k[2] == record["id"]]:
        ext.permissions.pop(key, None)
    if deep:
        _delete_identity(ext, record)


def delete(emu, req: Request) -> Response:
    """DELETE {org}/_apis/serviceendpoint/endpoints/{id}?projectIds=..[&deep=true] → 204 [CONTRACTS 9.1, 9.6]."""
    ext = _ext(emu)
    raw = req.arg("projectIds")
    if not raw:
        raise null_argument("projectIds")
    record = ext.endpoints.get(req.group("id").lower())
    if record is None or not any(ext.can_see(req.azdo_caller, r["projectId"]) for r in record["references"]):
        if ext.state.config["azdo_delete_missing_endpoint"] == 204:
            return Response(204)
        raise endpoint_not_found(req.group("id"))
    deep = bool_arg(req, "deep")
    for ref in [p.strip() for p in raw.split(",") if p.strip()]:
        project = ext.project(ref)
        if project is None:
            raise project_not_found(ref)
        ids = [r["projectId"] for r in record["references"]]
        if project["id"] not in ids:
            continue
        if project["id"] == ids[0] or len(ids) == 1:
            _remove(ext, record, deep)  # the owning (or last) project: the endpoint itself goes
            break
        record["references"] = [r for r in record["references"] if r["projectId"] != project["id"]]
    return Response(204)


def remove_project(ext, project_id: str) -> None:
    """A deleted project takes its endpoint references (and endpoints it owned) with it."""
    for record in list(ext.endpoints.values()):
        ids = [r["projectId"] for r in record["references"]]
        if project_id not in ids:
            continue
        if ids[0] == project_id:
            _remove(ext, record, False)
        else:
            record["references"] = [r for r in record["references"] if r["projectId"] != project_id]


def register(add) -> None:
    """Service endpoint routes; ``add`` is azdo's route helper (org check, auth, api-version)."""
    org = r"/(?P<org>[^/_][^/]*)"
    proj = org + r"/(?P<project>[^/_][^/]*)"
    base = r"/_apis/serviceendpoint/endpoints"
    eid = r"/(?P<id>[^/]+)"
    for prefix, key in ((org, "endpoints_org"), (proj, "endpoints_project")):
        add("POST", prefix + base + "/?", create, key)
        add("PUT", prefix + base + eid, update, key)
        add("PATCH", prefix + base + eid, share, key)
        add("DELETE", prefix + base + eid, delete, key)
    add("PUT", org + base + "/?", update_many, "endpoints_org")
    add("GET", proj + base + "/?", list_endpoints, "endpoints_project")
    add("GET", proj + base + eid, get_one, "endpoints_project")
