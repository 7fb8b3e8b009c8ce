# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft.ManagedIdentity: user-assigned identities and their federated identity credentials [CONTRACTS 3].

Identities live in this module's state extension; each one is also a ServicePrincipal in the core
directory (so role assignments and the replication delay apply to it) and a registered ARM resource
(so a role can be assigned at its scope). ``credentials_for_client`` and ``client_record`` let the
Entra token endpoint and the Azure DevOps service see the identity's federated credentials.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from urllib.parse import quote, urlencode, urlsplit

from .arm_resources import arm_error_parse, arm_pre, authorize, paged, require_api_version, subscription_for
from .scopes import parse_scope
from .state import StateExtension, register_extension
from .web import HttpError, Request, Response, is_guid

EXTENSION = "managed_identity"  # federation.MANAGED_IDENTITY_EXTENSION
IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
FIC_TYPE = IDENTITY_TYPE + "/federatedIdentityCredentials"
PROVIDER = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
# Version folders of the Microsoft.ManagedIdentity specs [MSI-README] (UNCONFIRMED as a complete list).
API_VERSIONS = frozenset({"2015-08-31-preview", "2018-11-30", "2021-09-30-preview", "2022-01-31-preview", "2023-01-31",
                          "2023-07-31-preview", "2024-11-30", "2025-01-31-preview"})
FIC_API_VERSIONS = frozenset({"2022-01-31-preview", "2023-01-31", "2023-07-31-preview", "2024-11-30",
                              "2025-01-31-preview"})
# isolationScope appears in the 2024-11-30 spec; the 2023-01-31 recordings do not return it.
ISOLATION_API_VERSIONS = frozenset({"2024-11-30", "2025-01-31-preview"})
ASSOCIATED_API_VERSIONS = frozenset({"2021-09-30-preview", "2022-01-31-preview"})
ISOLATION_SCOPES = ("None", "Regional")
# Naming rules for userAssignedIdentities (3-128 letters, digits, '-', '_', starting alphanumeric) - UNCONFIRMED.
IDENTITY_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")
FIC_NAME_RE = re.compile(r"^[a-zA-Z0-9]{1}[a-zA-Z0-9-_]{2,119}$")  # [MSI] path parameter pattern
FIC_LIMIT = 20  # [E-FIC]
FIELD_LIMIT = 600  # issuer / subject / audience length [E-FIC]
DEFAULT_AUDIENCE = "api://AzureADTokenExchange"
# 409 code seen for concurrent FIC writes under one identity (Azure/bicep-registry-modules#1447,
# crossplane-contrib/provider-upjet-azure#689, pulumi/pulumi-azure-native#4421).
CONCURRENCY_CODE = "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity"
OPERATIONS = (
    ("identities/read", "System Assigned Identities", "Read a system assigned identity"),
    ("operations/read", "Managed Identity operations", "List the provider's operations"),
    ("register/action", "Managed Identity Resource Provider", "Register the resource provider"),
    ("userAssignedIdentities/assign/action", "User Assigned Identities", "Assign a user assigned identity"),
    ("userAssignedIdentities/delete", "User Assigned Identities", "Delete a user assigned identity"),
    ("userAssignedIdentities/federatedIdentityCredentials/read", "Federated Identity Credentials",
     "Read federated identity credentials"),
    ("userAssignedIdentities/federatedIdentityCredentials/write", "Federated Identity Credentials",
     "Write a federated identity credential"),
    ("userAssignedIdentities/federatedIdentityCredentials/delete", "Federated Identity Credentials",
     "Delete a federated identity credential"),
    ("userAssignedIdentities/listAssociatedResources/action", "User Assigned Identities",
     "List the resources using a user assigned identity"),
    ("userAssignedIdentities/read", "User Assigned Identities", "Read a user assigned identity"),
    ("userAssignedIdentities/write", "User Assigned Identities", "Create or update a user assigned identity"),
)


def identity_id(sub: str, rg: str, name: str) -> str:
    """Resource id as the service renders it (lower-case ``resourcegroups`` keyword, as recorded)."""
    return f"/subscriptions/{sub}/resourcegroups/{rg}{PROVIDER}/{name}"


def _normalize_location(location: str) -> str:
    return str(location).replace(" ", "").lower()


def _check_fic_fields(props: dict) -> tuple[str, str, list]:
    """Validate issuer / subject / audiences of a FIC body; raise the 400s [E-FIC]."""
    issuer, subject, audiences = props.get("issuer"), props.get("subject"), props.get("audiences")
    if not issuer or not subject or audiences is None:
        raise HttpError(400, "BadRequest", "The request format was unexpected. Federated Identity Credential must "
                                           "specify 'issuer', 'subject' and 'audience'.")
    if not isinstance(issuer, str) or not isinstance(subject, str):
        raise HttpError(400, "BadRequest", "Federated Identity Credential 'issuer' and 'subject' must be strings.")
    if not isinstance(audiences, list) or len(audiences) != 1 or not isinstance(audiences[0], str) or not audiences[0]:
        raise HttpError(400, "BadRequest", "Federated identity credentials must have exactly one audience.")
    parts = urlsplit(issuer)
    if parts.scheme != "https" or not parts.netloc:
        raise HttpError(400, "BadRequest", f"Federated Identity Credential issuer '{issuer}' must be an https URL.")
    for label, value in (("issuer", issuer), ("subject", subject), ("audience", audiences[0])):
        if len(value) > FIELD_LIMIT:
            raise HttpError(400, "BadRequest",
                            f"Federated Identity Credential {label} exceeds the maximum length of {FIELD_LIMIT}.")
    return issuer, subject, list(audiences)


@register_extension
class ManagedIdentityState(StateExtension):
    """User-assigned identities keyed by lower-case resource id; each holds its FICs."""

    name = EXTENSION
    seed_keys = (("managedIdentities", "add_identity"),)

    def __init__(self, state):
        super().__init__(state)
        self.identities: dict = {}
        self.writes: dict = {}  # identity key -> (request id, monotonic deadline) of the FIC write in progress

    # ------------------------------------------------------------------ records
    def add_identity(self, spec: dict, age: float | None = None) -> dict:
        """Create an identity (seed or PUT): principal, ARM resource and FICs; returns its public view."""
        state = self.state
        name = spec.get("name")
        if not name or not IDENTITY_NAME_RE.match(name):
            raise ValueError(f"invalid managed identity name {name!r}")
        sub = (spec.get("subscriptionId") or state.identity.subscription_id).lower()
        subscription = state.subscriptions.get(sub)
        if subscription is None:
            raise ValueError(f"unknown subscription '{sub}'")
        rg = state.resource_group(sub, spec.get("resourceGroup") or state.identity.resource_group)
        if rg is None:
            raise ValueError(f"unknown resource group '{spec.get('resourceGroup')}'")
        rg_name = spec.get("resourceGroupText") or rg["name"]
        rid = identity_id(sub, rg_name, name)
        key = rid.lower()
        if key in self.live():
            raise ValueError(f"managed identity '{rid}' already exists")
        client_id = (spec.get("clientId") or str(uuid.uuid4())).lower()
        principal_id = (spec.get("principalId") or str(uuid.uuid4())).lower()
        if not is_guid(client_id) or not is_guid(principal_id):
            raise ValueError("clientId and principalId must be GUIDs")
        if principal_id in state.principals:
            raise ValueError(f"principal '{principal_id}' already exists")
        location = _normalize_location(spec.get("location") or rg["location"])
        state.add_resource({"id": rid, "location": location})
        if age is None:
            age = spec.get("age")
        principal = state.add_principal({"id": principal_id, "type": "ServicePrincipal", "appId": client_id,
                                         "displayName": name, "age": age, "tenantId": subscription["tenantId"]})
        principal["servicePrincipalType"] = "ManagedIdentity"
        principal["alternativeNames"] = ["isExplicit=True", rid]
        record = {"id": rid, "key": key, "name": name, "subscriptionId": sub, "resourceGroup": rg_name,
                  "location": location, "tags": dict(spec.get("tags") or {}), "clientId": client_id,
                  "principalId": principal_id, "tenantId": subscription["tenantId"],
                  "isolationScope": spec.get("isolationScope") or "None", "fics": {}, "createdAt": principal["createdAt"]}
        for fic in spec.get("federatedIdentityCredentials") or []:
            fic_name = fic.get("name") or ""
            if not FIC_NAME_RE.match(fic_name):
                raise ValueError(f"invalid federated identity credential name {fic_name!r}")
            audiences = list(fic.get("audiences") or [DEFAULT_AUDIENCE])
            record["fics"][fic_name.lower()] = {"name": fic_name, "issuer": fic["issuer"], "subject": fic["subject"],
                                                "audiences": audiences}
        self.identities[key] = record
        return self.public(record)

    @staticmethod
    def public(record: dict) -> dict:
        """Seed/snapshot view of an identity."""
        out = {k: v for k, v in record.items() if k not in ("fics", "key")}
        out["federatedIdentityCredentials"] = [dict(f) for f in record["fics"].values()]
        return out

    def remove_identity(self, key: str) -> None:
        """Delete an identity with its principal, FICs, resource entry and role assignments at its scope."""
        state = self.state
        record = self.identities.pop(key, None)
        if record is None:
            return
        state.principals.pop(record["principalId"], None)
        state.resources.pop(key, None)
        prefix = key + "/"
        for name in [n for n, a in state.role_assignments.items() if a["scopeKey"] == key or a["scopeKey"].startswith(prefix)]:
            del state.role_assignments[name]
        self.writes.pop(key, None)

    def live(self) -> dict:
        """The identities whose resource entry still exists (a deleted resource group takes its identities along)."""
        for key in [k for k in self.identities if k not in self.state.resources]:
            self.remove_identity(key)
        return self.identities

    def find(self, sub: str, rg: str, name: str) -> dict | None:
        """An identity by subscription, resource group and name (case-insensitive)."""
        return self.live().get(identity_id((sub or "").lower(), rg or "", name or "").lower())

    def by_client_id(self, client_id: str, tenant_id: str | None = None) -> dict | None:
        """The identity whose clientId is ``client_id`` (in ``tenant_id`` when given)."""
        wanted = (client_id or "").lower()
        for record in self.live().values():
            if record["clientId"] == wanted and (tenant_id is None or record["tenantId"] == tenant_id.lower()):
                return record
        return None

    # ------------------------------------------------------------------ federation.py / entra.py hooks
    def credentials_for_client(self, client_id: str, tenant_id: str | None = None) -> list[dict] | None:
        """FICs of the identity with this clientId, or None when there is no such identity."""
        record = self.by_client_id(client_id, tenant_id)
        if record is None:
            return None
        return [{"name": f["name"], "issuer": f["issuer"], "subject": f["subject"], "audiences": list(f["audiences"])}
                for f in record["fics"].values()]

    def client_record(self, client_id: str, tenant_id: str) -> dict | None:
        """An app-registration-shaped view for the token endpoint: no secrets, no certificates, the FICs."""
        record = self.by_client_id(client_id, tenant_id)
        if record is None:
            return None
        return {"appId": record["clientId"], "displayName": record["name"], "tenantId": record["tenantId"],
                "principalId": record["principalId"], "secrets": [], "certificates": [],
                "federatedIdentityCredentials": self.credentials_for_client(client_id, tenant_id)}

    def snapshot(self) -> dict:
        return {"managedIdentities": [self.public(r) for r in self.live().values()]}


# ---------------------------------------------------------------------------- helpers
def _ext(emu) -> ManagedIdentityState:
    return emu.state.ext[EXTENSION]


def _rg_scope(emu, req: Request) -> tuple[dict, dict]:
    """Subscription + resource group of the request, or ARM's 404s."""
    sub = subscription_for(emu, req, req.group("sub"))
    rg = emu.state.resource_group(sub["subscriptionId"], req.group("rg"))
    if rg is None:
        raise HttpError(404, "ResourceGroupNotFound", f"Resource group '{req.group('rg')}' could not be found.")
    return sub, rg


def _identity_missing(req: Request) -> HttpError:
    return HttpError(404, "ResourceNotFound",
                     f"The Resource '{IDENTITY_TYPE}/{req.group('name')}' under resource group '{req.group('rg')}' "
                     "was not found.")


def _scope(sub: str, rg: str, name: str | None = None):
    text = f"/subscriptions/{sub}/resourceGroups/{rg}"
    if name:
        text += f"{PROVIDER}/{name}"
    return parse_scope(text)


def render_identity(record: dict, version: str) -> dict:
    """Identity body; keys in the recorded order."""
    props = {"tenantId": record["tenantId"], "principalId": record["principalId"], "clientId": record["clientId"]}
    if version in ISOLATION_API_VERSIONS:
        props["isolationScope"] = record["isolationScope"]
    return {"id": record["id"], "name": record["name"], "type": IDENTITY_TYPE, "location": record["location"],
            "tags": dict(record["tags"]), "properties": props}


def render_fic(record: dict, fic: dict) -> dict:
    """FederatedIdentityCredential body; keys in the recorded order."""
    return {"id": f"{record['id']}/federatedIdentityCredentials/{fic['name']}", "name": fic["name"], "type": FIC_TYPE,
            "properties": {"issuer": fic["issuer"], "subject": fic["subject"], "audiences": list(fic["audiences"])}}


def _json_object(req: Request) -> dict:
    body = req.json(arm_error_parse)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise arm_error_parse("the request body must be a JSON object")
    return body


def _tags(body: dict) -> dict:
    tags = body.get("tags")
    if tags is None:
        return {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise arm_error_parse("'tags' must be an object of strings")
    return dict(tags)


def _isolation(body: dict) -> str | None:
    props = body.get("properties")
    if props is None:
        return None
    if not isinstance(props, dict):
        raise arm_error_parse("'properties' must be an object")
    value = props.get("isolationScope")
    if value is not None and value not in ISOLATION_SCOPES:
        raise HttpError(400, "BadRequest", f"The isolationScope '{value}' is not valid; use one of "
                                           f"{', '.join(ISOLATION_SCOPES)}.")
    return value


# ---------------------------------------------------------------------------- identities
def put_identity(emu, req: Request) -> Response:
    """PUT: 201 new, 200 existing (tags replaced); location required and immutable."""
    version = require_api_version(req, API_VERSIONS, IDENTITY_TYPE, provider=True)
    sub, rg = _rg_scope(emu, req)
    name = req.group("name")
    authorize(emu, req, f"{IDENTITY_TYPE}/write", _scope(sub["subscriptionId"], rg["name"], name))
    if not IDENTITY_NAME_RE.match(name):
        raise HttpError(400, "InvalidResourceName",
                        f"Resource name '{name}' is invalid: use 3 to 128 letters, digits, '-' or '_', starting with "
                        "a letter or digit.")
    body = _json_object(req)
    location = body.get("location")
    if not location or not isinstance(location, str):
        raise HttpError(400, "LocationRequired", "The location property is required for this definition.")
    tags = _tags(body)
    isolation = _isolation(body)
    ext = _ext(emu)
    existing = ext.find(sub["subscriptionId"], rg["name"], name)
    if existing is not None:
        if _normalize_location(location) != existing["location"]:
            raise HttpError(400, "InvalidResourceLocation",
                            f"The resource '{name}' already exists in location '{existing['location']}' in resource "
                            f"group '{rg['name']}'. A resource with the same name cannot be created in location "
                            f"'{location}'. Please select a new resource name.")
        existing["tags"] = tags
        if isolation:
            existing["isolationScope"] = isolation
        return Response(200, render_identity(existing, version))
    created = ext.add_identity({"name": name, "subscriptionId": sub["subscriptionId"], "resourceGroup": rg["name"],
                                "resourceGroupText": req.group("rg"), "location": location, "tags": tags,
                                "isolationScope": isolation}, age=0)
    record = ext.identities[created["id"].lower()]
    return Response(201, render_identity(record, version), {"Location": record["id"]})


def patch_identity(emu, req: Request) -> Response:
    """PATCH: tags (replaced when given) and isolationScope."""
    version = require_api_version(req, API_VERSIONS, IDENTITY_TYPE, provider=True)
    sub, rg = _rg_scope(emu, req)
    authorize(emu, req, f"{IDENTITY_TYPE}/write", _scope(sub["subscriptionId"], rg["name"], req.group("name")))
    record = _ext(emu).find(sub["subscriptionId"], rg["name"], req.group("name"))
    if record is None:
        raise _identity_missing(req)
    body = _json_object(req)
    if "tags" in body:
        record["tags"] = _tags(body)
    isolation = _isolation(body)
    if isolation:
        record["isolationScope"] = isolation
    return Response(200, render_identity(record, version))


def get_identity(emu, req: Request) -> Response:
    """GET: 200 or 404 ResourceNotFound."""
    version = require_api_version(req, API_VERSIONS, IDENTITY_TYPE, provider=True)
    sub, rg = _rg_scope(emu, req)
    authorize(emu, req, f"{IDENTITY_TYPE}/read", _scope(sub["subscriptionId"], rg["name"], req.group("name")))
    record = _ext(emu).find(sub["subscriptionId"], rg["name"], req.group("name"))
    if record is None:
        raise _identity_missing(req)
    return Response(200, render_identity(record, version))


def delete_identity(emu, req: Request) -> Response:
    """DELETE: 200 (empty body) when deleted, 204 when absent; removes principal and FICs."""
    require_api_version(req, API_VERSIONS, IDENTITY_TYPE, provider=True)
    sub, rg = _rg_scope(emu, req)
    authorize(emu, req, f"{IDENTITY_TYPE}/delete", _scope(sub["subscriptionId"], rg["name"], req.group("name")))
    ext = _ext(emu)
    record = ext.find(sub["subscriptionId"], rg["name"], req.group("name"))
    if record is None:
        return Response(204)
    ext.remove_identity(record["key"])
    return Response(200)


def list_identities_rg(emu, req: Request) -> Response:
    """GET .../resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities (paged)."""
    version = require_api_version(req, API_VERSIONS, IDENTITY_TYPE, provider=True)
    sub, rg = _rg_scope(emu, req)
    authorize(emu, req, f"{IDENTITY_TYPE}/read", _scope(sub["subscriptionId"], rg["name"]))
    items = [render_identity(r, version) for r in sorted(_ext(emu).live().values(), key=lambda r: r["name"].lower())
             if r["subscriptionId"] == sub["subscriptionId"] and r["resourceGroup"].lower() == rg["name"].lower()]
    return Response(200, paged(emu, req, items))


def list_identities_sub(emu, req: Request) -> Response:
    """GET /subscriptions/{s}/providers/Microsoft.ManagedIdentity/userAssignedIdentities (paged)."""
    version = require_api_version(req, API_VERSIONS, IDENTITY_TYPE, provider=True)
    sub = subscription_for(emu, req, req.group("sub"))
    authorize(emu, req, f"{IDENTITY_TYPE}/read", parse_scope(f"/subscriptions/{sub['subscriptionId']}"))
    records = sorted(_ext(emu).live().values(), key=lambda r: (r["resourceGroup"].lower(), r["name"].lower()))
    items = [render_identity(r, version) for r in records if r["subscriptionId"] == sub["subscriptionId"]]
    return Response(200, paged(emu, req, items))


def list_associated_resources(emu, req: Request) -> Response:
    """POST .../listAssociatedResources (2022-01-31-preview): the emulator tracks no identity assignments."""
    require_api_version(req, ASSOCIATED_API_VERSIONS, IDENTITY_TYPE, provider=True)
    sub, rg = _rg_scope(emu, req)
    authorize(emu, req, f"{IDENTITY_TYPE}/listAssociatedResources/action",
              _scope(sub["subscriptionId"], rg["name"], req.group("name")))
    if _ext(emu).find(sub["subscriptionId"], rg["name"], req.group("name")) is None:
        raise _identity_missing(req)
    return Response(200, {"totalCount": 0, "value": []})


def list_operations(_emu, req: Request) -> Response:
    """GET /providers/Microsoft.ManagedIdentity/operations (operation names as recorded; own display texts)."""
    require_api_version(req, API_VERSIONS, "Microsoft.ManagedIdentity/operations", provider=True)
    value = [{"name": f"Microsoft.ManagedIdentity/{name}",
              "display": {"provider": "Microsoft Managed Identity", "resource": resource, "operation": text,
                          "description": text + "."}}
             for name, resource, text in OPERATIONS]
    return Response(200, {"value": value})


# ---------------------------------------------------------------------------- federated identity credentials
def _fic_parent(emu, req: Request, action: str) -> dict:
    """Common FIC checks: api-version, resource group, RBAC, name pattern, parent identity."""
    require_api_version(req, FIC_API_VERSIONS, FIC_TYPE, provider=True)
    sub, rg = _rg_scope(emu, req)
    authorize(emu, req, f"{FIC_TYPE}/{action}", _scope(sub["subscriptionId"], rg["name"], req.group("name")))
    fic_name = _fic_name(req)
    if fic_name is not None and not FIC_NAME_RE.match(fic_name):
        raise HttpError(400, "BadRequest", f"Federated Identity Credential name '{fic_name}' is invalid.")
    record = _ext(emu).find(sub["subscriptionId"], rg["name"], req.group("name"))
    if record is None:
        raise HttpError(404, "ParentResourceNotFound", "The parent user-assigned identity doesn't exist.")
    return record


def fic_write_pre(emu, req: Request) -> None:
    """ARM checks, then the per-identity write window: a second FIC write inside it gets 409 [E-FIC].

    A write holds its identity for ``fic_write_window`` seconds before it is applied (the response
    comes after that), so only overlapping requests conflict; sequential ones succeed.
    """
    arm_pre(emu, req)
    state = emu.state
    if not state.config["fic_concurrency_conflicts"]:
        return
    window = float(state.config["fic_write_window"])
    with state.lock:
        ext = _ext(emu)
        sub = state.subscriptions.get((req.group("sub") or "").lower())
        record = ext.find(sub["subscriptionId"], req.group("rg"), req.group("name")) if sub else None
        if record is None:
            return
        now = state.clock.now()
        holder = ext.writes.get(record["key"])
        if holder is not None and holder[1] > now:
            raise HttpError(409, CONCURRENCY_CODE,
                            f"Too many Federated Identity Credentials are written concurrently for the managed "
                            f"identity '{record['key']}'. Concurrent Federated Identity Credentials writes under the "
                            "same managed identity are not supported.")
        ext.writes[record["key"]] = (req.request_id, now + window + 30)
    if window:
        state.clock.sleep(window)  # emulator time: a frozen clock holds the write until a test advances it


def _release_write(emu, req: Request) -> None:
    """End the write window this request holds (if any)."""
    writes = _ext(emu).writes
    for key, (owner, _deadline) in list(writes.items()):
        if owner == req.request_id:
            del writes[key]


def _fic_name(req: Request) -> str | None:
    return req.match.groupdict().get("fic") if req.match else None


def put_fic(emu, req: Request) -> Response:
    """PUT: 201 new, 200 update; the validation rules of [E-FIC]."""
    try:
        record = _fic_parent(emu, req, "write")
        body = _json_object(req)
        props = body.get("properties")
        if not props:
            raise HttpError(400, "BadRequest", "Federated Identity Credential from HTTP body has empty properties")
        if not isinstance(props, dict):
            raise arm_error_parse("'properties' must be an object")
        issuer, subject, audiences = _check_fic_fields(props)
        name = req.group("fic")
        existing = record["fics"].get(name.lower())
        if existing is None and len(record["fics"]) >= FIC_LIMIT:
            raise HttpError(400, "BadRequest", f"The managed identity already has the maximum of {FIC_LIMIT} federated "
                                               "identity credentials.")
        for key, other in record["fics"].items():
            if key != name.lower() and other["issuer"] == issuer and other["subject"] == subject:
                raise HttpError(400, "BadRequest", "Issuer and subject combination already exists for this Managed "
                                                   "Identity.")
        if existing is not None:
            existing.update({"issuer": issuer, "subject": subject, "audiences": audiences})
            return Response(200, render_fic(record, existing))
        fic = {"name": name, "issuer": issuer, "subject": subject, "audiences": audiences}
        record["fics"][name.lower()] = fic
        body = render_fic(record, fic)
        return Response(201, body, {"Location": body["id"]})
    finally:
        _release_write(emu, req)


def get_fic(emu, req: Request) -> Response:
    """GET: 200 or 404."""
    record = _fic_parent(emu, req, "read")
    fic = record["fics"].get(req.group("fic").lower())
    if fic is None:
        raise HttpError(404, "ResourceNotFound",
                        f"The Resource '{FIC_TYPE}/{record['name']}/{req.group('fic')}' under resource group "
                        f"'{req.group('rg')}' was not found.")
    return Response(200, render_fic(record, fic))


def delete_fic(emu, req: Request) -> Response:
    """DELETE: 200 (empty) when deleted, 204 when absent."""
    try:
        record = _fic_parent(emu, req, "delete")
        if record["fics"].pop(req.group("fic").lower(), None) is None:
            return Response(204)
        return Response(200)
    finally:
        _release_write(emu, req)


def list_fics(emu, req: Request) -> Response:
    """GET .../federatedIdentityCredentials?$top=&$skiptoken= (page: $top, else the ARM page size)."""
    record = _fic_parent(emu, req, "read")
    top = req.arg("$top")
    size = int(emu.state.config["page_size"])
    if top is not None:
        try:
            size = int(top)
        except ValueError:
            size = 0
        if size < 1:
            raise HttpError(400, "BadRequest", f"The value '{top}' of $top is invalid; it must be a positive integer.")
    offset = 0
    token = req.arg("$skiptoken")
    if token:
        try:
            offset = int(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"])
        except (ValueError, KeyError, TypeError) as exc:
            raise HttpError(400, "BadRequest", "The $skiptoken value is not valid.") from exc
    fics = list(record["fics"].values())
    body: dict = {"value": [render_fic(record, f) for f in fics[offset:offset + size]]}
    if offset + size < len(fics):
        params = {"api-version": req.arg("api-version")}
        if top is not None:
            params["$top"] = top
        params["$skiptoken"] = base64.urlsafe_b64encode(json.dumps({"o": offset + size}).encode()).decode().rstrip("=")
        body["nextLink"] = f"{emu.base_url}{quote(req.path)}?{urlencode(params, quote_via=quote, safe='$')}"
    return Response(200, body)


def register(router, _emu) -> None:
    """Routes of Microsoft.ManagedIdentity (ARM service)."""
    rg = r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)"
    uai = r"/providers/Microsoft\.ManagedIdentity/userAssignedIdentities"
    one = rg + uai + r"/(?P<name>[^/]+)"
    fics = one + r"/federatedIdentityCredentials"
    router.add("arm", "GET", r"/providers/Microsoft\.ManagedIdentity/operations/?", list_operations, pre=arm_pre)
    router.add("arm", "GET", r"/subscriptions/(?P<sub>[^/]+)" + uai + r"/?", list_identities_sub, pre=arm_pre)
    router.add("arm", "GET", rg + uai + r"/?", list_identities_rg, pre=arm_pre)
    router.add("arm", "PUT", one + r"/?", put_identity, pre=arm_pre)
    router.add("arm", "PATCH", one + r"/?", patch_identity, pre=arm_pre)
    router.add("arm", "GET", one + r"/?", get_identity, pre=arm_pre)
    router.add("arm", "DELETE", one + r"/?", delete_identity, pre=arm_pre)
    router.add("arm", "POST", one + r"/listAssociatedResources/?", list_associated_resources, pre=arm_pre, write=False)
    router.add("arm", "GET", fics + r"/?", list_fics, pre=arm_pre)
    router.add("arm", "GET", fics + r"/(?P<fic>[^/]+)/?", get_fic, pre=arm_pre)
    router.add("arm", "PUT", fics + r"/(?P<fic>[^/]+)/?", put_fic, pre=fic_write_pre)
    router.add("arm", "DELETE", fics + r"/(?P<fic>[^/]+)/?", delete_fic, pre=fic_write_pre)
