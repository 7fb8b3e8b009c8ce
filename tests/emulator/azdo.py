# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps organization ``{base_url}/{organization}``: request pipeline (organization, authentication,
api-version), the location service, and registration of the service modules

* ``azdo_core``: projects, processes, operations, pipelines, pipeline permissions;
* ``azdo_endpoints``: service endpoints;
* ``azdo_issuer``: Azure DevOps issuer -> Entra issuer conversion (hooks into azdo_endpoints) and its seeds;
* ``azdo_identities``: Graph service principals and service principal entitlements;
* ``azdo_model``: the state extension (tables and seeds).

Entitlement (vsaex) and Graph (vssps) APIs are served under the same organization URL, as the
collection addresses them when the host is not dev.azure.com. See README "Azure DevOps".
"""

from __future__ import annotations

import base64
import re

from . import azdo_core, azdo_endpoints, azdo_identities, azdo_issuer, azdo_model
from .azdo_common import AZURE_DEVOPS_APP_ID, EXTENSION, FRAMEWORK, WEBAPI, opt_group, vss_error, wrap
from .errors import render_azdo
from .state import CONFIG_CHOICES, DEFAULT_CONFIG
from .tokens import TokenError
from .web import HttpError, Request, Response

# Config keys (README "Azure DevOps" documents each one and which UNCONFIRMED behaviour it selects).
AZDO_CONFIG = {
    "azdo_unauthenticated": ("401", ("401", "203-html")),
    "azdo_require_membership": (True, None),
    "azdo_require_api_version_on_get": (True, None),
    "azdo_issuer": ("entra", ("entra", "azdo")),
    "azdo_verify_on_create": (False, None),
    # Finishing a draft WIF connection whose federated credential does not exist: the connection leaves draft
    # and stays with operationStatus Failed (what the portal's "Verify and save" leaves behind; CONTRACTS 9 lists
    # Failed as an operation state and Terraform treats it as the end of polling). The REST mapping of "finish"
    # is UNCONFIRMED (CONTRACTS 13), so "error" (400, nothing changes) stays selectable.
    "azdo_finish_without_fic": ("failed", ("error", "failed")),
    "azdo_ready_delay": (0.0, None),
    "azdo_automatic_requires_user": (True, None),
    "azdo_missing_endpoint": ("200-null", ("404", "200-null", "200-null-id", "200-null-authorization")),
    "azdo_delete_missing_endpoint": (404, (204, 404)),
    "azdo_revert_days": (7.0, None),
    "azdo_revert_seconds": (0.0, None),
    "azdo_convert_async": (False, None),
    "azdo_convert_seconds": (1.0, None),
    "azdo_put_keeps_secret": (True, None),
    "azdo_share_existing": ("error", ("error", "ignore")),
    "azdo_unknown_pipeline": ("400", ("400", "404", "accept")),
    "azdo_unknown_origin_status": (400, (400, 404)),
    "azdo_graph_repost_status": (201, (200, 201)),
    "azdo_page_size": (100, None),
    "azdo_operation_seconds": (0.0, None),
}
for _key, (_default, _choices) in AZDO_CONFIG.items():
    DEFAULT_CONFIG.setdefault(_key, _default)
    if _choices:
        CONFIG_CHOICES.setdefault(_key, _choices)

SERVER_MAX = (7, 2)
VERSION_RE = re.compile(r"^(\d+)\.(\d+)(-preview(?:\.(\d+))?)?$", re.IGNORECASE)
ACCEPT_VERSION_RE = re.compile(r"api-version\s*=\s*([^;,\s]+)", re.IGNORECASE)
TOKEN_AUDIENCES = {AZURE_DEVOPS_APP_ID, f"api://{AZURE_DEVOPS_APP_ID}", "https://app.vssps.visualstudio.com"}

# Resource locations: ids are the real ones (azure-devops 7.1 Python SDK, ``location_id=`` of each client
# method); area/resource names and route templates follow the spec URLs; versions follow the specs
# (GA resources accept 7.1, preview-only ones need -preview). (id, area, resource, template, min, released, rv)
RESOURCES = {
    "projects": ("603fe2ac-9723-48b9-88ad-09305aa6c6e1", "core", "projects", "_apis/{resource}/{*projectId}",
                 1.0, "7.1", 4),
    "processes": ("93878975-88c5-4e6a-8abb-7ddd77a8a7d8", "core", "processes", "_apis/process/{resource}/{*processId}",
                  1.0, "7.1", 1),
    "operations": ("9a1b74b4-2ca8-4a9f-8470-c2f2e6fdc949", "operations", "operations",
                   "_apis/{resource}/{operationId}", 1.0, "7.1", 1),
    "endpoints_org": ("14e48fdc-2c8b-41ce-a0c3-e26f6cc55bd0", "serviceendpoint", "endpoints",
                      "_apis/{area}/{resource}/{endpointId}", 3.0, "7.1", 4),
    "endpoints_project": ("e85f1c62-adfc-4b74-b618-11a150fb195e", "serviceendpoint", "endpoints",
                          "{project}/_apis/{area}/{resource}/{endpointId}", 3.0, "7.1", 4),
    "pipelines": ("28e1305e-2afe-47bf-abaf-cbb0e6a91988", "pipelines", "pipelines",
                  "{project}/_apis/{resource}/{pipelineId}", 5.1, "7.1", 1),
    "pipelinePermissions": ("b5b9a4a4-e6cd-4096-853c-ab7d8b0c4eb2", "pipelinePermissions", "pipelinePermissions",
                            "{project}/_apis/pipelines/{resource}/{resourceType}/{resourceId}", 5.1, "0.0", 1),
    "graphServicePrincipals": ("e1dbb0ae-49cb-4532-95a1-86cd89cfcab4", "Graph", "ServicePrincipals",
                               "_apis/{area}/{resource}/{servicePrincipalDescriptor}", 6.0, "0.0", 1),
    "graphStorageKeys": ("eb85f8cc-f0f6-4264-a5b1-ffe2e4d4801f", "Graph", "StorageKeys",
                         "_apis/{area}/{resource}/{subjectDescriptor}", 5.0, "7.1", 1),
    "servicePrincipalEntitlements": ("f03dbf50-80f8-41b7-8ca2-65b6a178caba", "MemberEntitlementManagement",
                                     "ServicePrincipalEntitlements", "_apis/{resource}", 7.0, "0.0", 1),
    "servicePrincipalEntitlement": ("1d491a66-190b-43ae-86b8-9c2688c55186", "MemberEntitlementManagement",
                                    "ServicePrincipalEntitlements", "_apis/{resource}/{servicePrincipalId}", 7.0, "0.0", 1),
    "resourceAreas": ("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas", "_apis/{resource}/{areaId}",
                      3.2, "0.0", 1),
    "connectionData": ("00d9565f-ed9c-4a06-9a50-00e7896ccab4", "Location", "ConnectionData", "_apis/{resource}",
                       1.0, "0.0", 1),
}
# Resource areas (ids: resource_area_identifier of the SDK clients); every one lives at the organization URL.
AREAS = (
    ("79134c72-4a58-4b42-976c-04e7115f32bf", "core"),
    ("1814ab31-2f4f-4a9f-8761-f4d77dc5a5d7", "serviceendpoint"),
    ("a81a0441-de52-4000-aa15-ff0e07bfbbaa", "pipelinePermissions"),
    ("bb1e7ec9-e901-4b68-999a-de7012b920f8", "Graph"),
    ("68ddce18-2501-45f1-a17b-7931a9922690", "MemberEntitlementManagement"),
)
SIGN_IN_HTML = ("<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head>"
                "<body><p>Sign in to continue to Azure DevOps (emulated).</p></body></html>")


def _ext(emu):
    return emu.state.ext[EXTENSION]


# ---------------------------------------------------------------------------------------------- authentication
def _unauthenticated(emu, req: Request) -> HttpError:
    """No or bad credentials: 401 with challenges, or (azdo_unauthenticated=203-html, and no
    X-TFS-FedAuthRedirect: Suppress header) the 203 sign-in page [CONTRACTS 2.2]."""
    suppress = (req.header("X-TFS-FedAuthRedirect") or "").lower() == "suppress"
    if emu.state.config["azdo_unauthenticated"] == "203-html" and not suppress:
        raw = Response(203, SIGN_IN_HTML.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
        return HttpError(203, "SignIn", "sign-in page", raw=raw)
    tenant = emu.identity.tenant_id
    headers = {"WWW-Authenticate": f'Bearer authorization_uri={emu.base_url}/{tenant}, Basic realm="{emu.base_url}/", '
                                   "TFS-Federated",
               "X-TFS-FedAuthRealm": f"{emu.base_url}/", "X-TFS-FedAuthIssuer": f"{emu.base_url}/",
               "X-VSS-ResourceTenant": tenant}
    return vss_error(401, "UnauthorizedRequestException", f"VS30063: You are not authorized to access {emu.base_url}.",
                     FRAMEWORK, headers)


def _not_authorized(who: str) -> HttpError:
    return vss_error(401, "UnauthorizedRequestException",
                     f"TF400813: The user '{who}' is not authorized to access this resource.", FRAMEWORK)


def authenticate(emu, req: Request) -> dict:
    """The calling member: PAT owner (Basic) or the token's service principal (Bearer)."""
    ext = _ext(emu)
    scheme, _sep, credential = (req.header("Authorization") or "").strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise _unauthenticated(emu, req) from exc
        _user, _colon, secret = decoded.partition(":")
        if not secret or secret != ext.settings["pat"]:
            raise _unauthenticated(emu, req)
        return ext.admin
    if scheme.lower() != "bearer" or not credential:
        raise _unauthenticated(emu, req)
    try:
        claims = emu.tokens.validate(credential)
    except TokenError as exc:
        raise _unauthenticated(emu, req) from exc
    audience = str(claims.get("aud") or "").rstrip("/").lower()
    if audience not in TOKEN_AUDIENCES:
        raise _unauthenticated(emu, req)
    oid = str(claims.get("oid") or "").lower()
    if str(claims.get("tid") or "").lower() != emu.identity.tenant_id:
        raise _not_authorized(oid)
    member = ext.member_by_origin(oid)
    if member is None:
        if emu.state.config["azdo_require_membership"]:
            raise _not_authorized(oid)
        principal = emu.state.principals.get(oid) or {}
        return {"id": oid, "kind": "servicePrincipal", "originId": oid, "applicationId": claims.get("appid"),
                "displayName": principal.get("displayName", oid), "uniqueName": claims.get("appid") or oid,
                "collectionAdmin": True, "projectEntitlements": {}, "descriptor": f"aadsp.{oid}",
                "lastAccessed": None}
    return member


# ---------------------------------------------------------------------------------------------- api-version
def requested_version(req: Request) -> str | None:
    """api-version from the query, else from the Accept header (the Python SDK sends it there)."""
    value = req.arg("api-version")
    if value:
        return value.strip()
    match = ACCEPT_VERSION_RE.search(req.header("Accept") or "")
    return match.group(1) if match else None


def check_version(emu, req: Request, key: str) -> str | None:
    """Validate the api-version for a resource; returns it (or None when absent and allowed)."""
    _rid, _area, _resource, _template, minimum, released, _rv = RESOURCES[key]
    version = requested_version(req)
    if not version:
        if req.method in ("GET", "HEAD") and (key == "connectionData"
                                              or not emu.state.config["azdo_require_api_version_on_get"]):
            return None
        raise vss_error(400, "VssVersionNotSpecifiedException",
                        f'No api-version was supplied for the "{req.method}" request. The version must be supplied either '
                        'as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query '
                        'parameter (e.g. "?api-version=1.0").')
    match = VERSION_RE.match(version)
    if match is None:
        raise vss_error(400, "VssInvalidApiVersionException", f"The api-version '{version}' is not valid.")
    number = (int(match.group(1)), int(match.group(2)))
    preview = match.group(3) is not None
    if number > SERVER_MAX:
        raise vss_error(400, "VssVersionOutOfRangeException",
                        f"The requested REST API version of {number[0]}.{number[1]} is out of range for this server. The "
                        f"latest REST API version this server supports is {SERVER_MAX[0]}.{SERVER_MAX[1]}.")
    if float(f"{number[0]}.{number[1]}") < minimum:
        raise vss_error(400, "VssVersionOutOfRangeException",
                        f"The requested REST API version of {number[0]}.{number[1]} is not supported for this resource. "
                        f"The oldest version it supports is {minimum}.")
    released_tuple = tuple(int(p) for p in released.split("."))
    if not preview and number > released_tuple:
        text = f"{number[0]}.{number[1]}"
        raise vss_error(400, "VssInvalidPreviewVersionException",
                        f'The requested version "{text}" of the resource is under preview. The -preview flag must be '
                        f'supplied in the api-version for such requests. For example: "{text}-preview"')
    return version


def _check_org(emu, req: Request, segment: str | None) -> None:
    if segment is None:
        return
    if segment.lower() != _ext(emu).settings["organization"].lower():
        raise vss_error(404, "HostNotFoundException", f"The organization '{segment}' could not be found.")


def make_pre(key: str | None, anonymous: bool = False):
    """Organization → authentication → api-version, in that order, before a handler runs."""

    def pre(emu, req: Request) -> None:
        with emu.state.lock:
            _check_org(emu, req, opt_group(req, "org"))
            azdo_core.settle(_ext(emu))
            req.azdo_caller = None
            if not anonymous:
                member = authenticate(emu, req)
                req.azdo_caller = member
                if member.get("seq") is not None:
                    azdo_identities.touch(member)
            req.azdo_version = check_version(emu, req, key) if key else None

    return pre


OPTIONS_RE = re.compile(r"^/(?P<org>[^/_][^/]*)/_apis(?:/(?P<area>[^/]+))?/?$", re.IGNORECASE)


def fallback_pre(emu, req: Request) -> None:
    """Unknown paths: organization check and authentication still come first (OPTIONS is anonymous)."""
    first = req.path.lstrip("/").split("/", 1)[0]
    with emu.state.lock:
        if first and first.lower() != "_apis":
            _check_org(emu, req, first)
        if req.method != "OPTIONS":
            req.azdo_caller = authenticate(emu, req)


def fallback(_emu, req: Request) -> Response:
    """OPTIONS {org}/_apis[/{area}] (the resource locations clients negotiate with, anonymous);
    404 in Azure DevOps' shape for anything else."""
    match = OPTIONS_RE.match(req.path) if req.method == "OPTIONS" else None
    if match:
        return Response(200, wrap(_locations(match.group("area"))))
    raise vss_error(404, "VssResourceNotFoundException", f"The resource '{req.path}' is not emulated.", WEBAPI)


# ---------------------------------------------------------------------------------------------- location service
def _locations(area: str | None = None) -> list:
    out = []
    for rid, rarea, resource, template, minimum, released, rv in RESOURCES.values():
        if area and area.lower() != rarea.lower():
            continue
        out.append({"id": rid, "area": rarea, "resourceName": resource, "routeTemplate": template,
                    "resourceVersion": rv, "minVersion": minimum, "maxVersion": float(f"{SERVER_MAX[0]}.{SERVER_MAX[1]}"),
                    "releasedVersion": released})
    return out


def _area_body(emu, area_id: str, name: str, org: str | None) -> dict:
    location = f"{emu.base_url}/{org}/" if org else f"{emu.base_url}/"
    return {"id": area_id, "name": name, "locationUrl": location}


def _org_for_areas(emu, req: Request) -> str | None:
    org = opt_group(req, "org") or req.arg("accountName") or req.arg("organizationName")
    if org:
        _check_org(emu, req, org)
        return _ext(emu).settings["organization"]
    return None


def resource_areas(emu, req: Request) -> Response:
    """GET [{org}]/_apis/ResourceAreas[?accountName=]: every area at the organization URL."""
    org = _org_for_areas(emu, req)
    return Response(200, wrap([_area_body(emu, aid, name, org) for aid, name in AREAS]))


def resource_area(emu, req: Request) -> Response:
    """GET [{org}]/_apis/ResourceAreas/{areaId}."""
    org = _org_for_areas(emu, req)
    wanted = req.group("area_id").lower()
    for aid, name in AREAS:
        if aid == wanted:
            return Response(200, _area_body(emu, aid, name, org))
    raise vss_error(404, "ResourceAreaNotFoundException", f"The resource area {req.group('area_id')} was not found.")


def connection_data(emu, req: Request) -> Response:
    """GET {org}/_apis/connectionData: who is calling (authenticatedUser) and the organization id."""
    ext = _ext(emu)
    member = req.azdo_caller
    user = {"id": member["id"], "descriptor": member["descriptor"], "subjectDescriptor": member["descriptor"],
            "providerDisplayName": member["displayName"], "isActive": True, "properties": {}, "resourceVersion": 2,
            "metaTypeId": 0}
    return Response(200, {"authenticatedUser": user, "authorizedUser": dict(user),
                          "instanceId": ext.settings["organization_id"], "deploymentId": ext.settings["collection_id"],
                          "deploymentType": "hosted",
                          "locationServiceData": {"defaultAccessMappingMoniker": "PublicAccessMapping",
                                                  "lastChangeId": 1, "lastChangeId64": 1}})


# ---------------------------------------------------------------------------------------------- wire details
def render(req: Request, err: HttpError) -> Response:
    """Azure DevOps error shape; a few errors carry a ready response (the 203 sign-in page)."""
    raw = err.extra.get("raw")
    if raw is not None:
        return raw
    return render_azdo(req, err)


def decorate(req: Request, response: Response) -> None:
    """ActivityId / X-TFS-Session / X-VSS-E2EID and the negotiated api-version in the Content-Type (REC)."""
    response.headers["ActivityId"] = req.request_id
    response.headers["X-TFS-Session"] = req.header("X-TFS-Session") or req.request_id
    response.headers["X-VSS-E2EID"] = req.request_id
    response.headers.setdefault("Cache-Control", "no-cache")
    version = getattr(req, "azdo_version", None)
    if version and isinstance(response.body, (dict, list)) and "Content-Type" not in response.headers:
        response.headers["Content-Type"] = f"application/json; charset=utf-8; api-version={version}"
    caller = getattr(req, "azdo_caller", None)
    if caller:
        response.headers["X-VSS-UserData"] = f"{caller['id']}:{caller['uniqueName']}"


def register(router, emu) -> None:
    """Configure the organization, (re)seed the extension, register routes."""
    state = emu.state
    with state.lock:
        if getattr(state, "azdo_settings", None) is None:
            state.azdo_settings = azdo_model.new_settings(emu.organization, emu.project)
            state.ext[EXTENSION] = azdo_model.AzureDevOps(state)
            state.ext[EXTENSION].seed_defaults()
    settings = state.azdo_settings
    extras = getattr(emu, "info_extras", None)
    if isinstance(extras, dict):
        extras.update({"organization_id": settings["organization_id"], "azdo_pat": settings["pat"],
                       "project_id": settings["project_id"]})

    def add(methods, pattern, handler, key, anonymous=False):
        router.add("azdo", methods, pattern, handler, pre=make_pre(key, anonymous))

    org = r"/(?P<org>[^/_][^/]*)"
    add("GET", org + r"/_apis/ResourceAreas/?", resource_areas, "resourceAreas", anonymous=True)
    add("GET", org + r"/_apis/ResourceAreas/(?P<area_id>[^/]+)/?", resource_area, "resourceAreas", anonymous=True)
    add("GET", r"/_apis/ResourceAreas/?", resource_areas, "resourceAreas", anonymous=True)
    add("GET", r"/_apis/ResourceAreas/(?P<area_id>[^/]+)/?", resource_area, "resourceAreas", anonymous=True)
    add("GET", org + r"/_apis/connectionData/?", connection_data, "connectionData")
    azdo_core.register(add)
    azdo_endpoints.register(add)
    azdo_issuer.register(add)
    azdo_identities.register(add)
    router.fallback("azdo", fallback, pre=fallback_pre)
    router.decorator("azdo", decorate)
    router.renderer("azdo", render)
