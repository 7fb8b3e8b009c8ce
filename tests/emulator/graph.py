# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Graph v1.0: applications, their federated credentials and passwords, service principals [CONTRACTS 7].

Graph objects are the core directory's records: an application is ``state.applications[(tid, appId)]``
extended with Graph fields (``id`` = object id, ``uniqueName``, ``signInAudience``, ``graph`` = other
writable properties), a service principal is ``state.principals[id]``. So the token endpoint accepts
secrets added with addPassword, federated credentials posted here, and ARM role assignments see new
service principals (subject to the replication delay). Key orders follow the azure-cli recordings.
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import json
import re
import secrets
import string
import time
import uuid
from urllib.parse import quote, urlencode, urlsplit

from . import clock
from .state import StateExtension, register_extension
from .tokens import TokenError
from .web import HttpError, Request, Response, is_guid

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_AUDIENCES = ("https://graph.microsoft.com", "https://graph.microsoft.com/", GRAPH_APP_ID)
ODATA_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
SIGN_IN_AUDIENCES = ("AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount")
DEFAULT_SIGN_IN_AUDIENCE = "AzureADandPersonalMicrosoftAccount"  # [G-APP] and every recorded POST /applications
FIC_LIMIT = 20  # [E-FIC]
FIC_FIELD_LIMIT = 600  # issuer / subject / audience / description [Graph federatedIdentityCredential resource]
FIC_NAME_RE = re.compile(r"^[A-Za-z0-9\-._~]{1,120}$")  # "limit of 120 characters and must be URL friendly"
SECRET_ALPHABET = string.ascii_letters + string.digits + "~._-"
SECRET_LENGTH = 40
MAX_TOP = 999
NOT_FOUND = "Resource '{}' does not exist or one of its queried reference-property objects are not present."

# (property, default) in the recorded order (azure-cli recordings, 2023 shape). None defaults are plain nulls.
APP_FIELDS = (
    "id", "deletedDateTime", "appId", "applicationTemplateId", "disabledByMicrosoftStatus", "createdDateTime",
    "displayName", "description", "groupMembershipClaims", "identifierUris", "isDeviceOnlyAuthSupported",
    "isFallbackPublicClient", "notes", "publisherDomain", "serviceManagementReference", "signInAudience", "tags",
    "tokenEncryptionKeyId", "samlMetadataUrl", "defaultRedirectUri", "certification", "optionalClaims",
    "servicePrincipalLockConfiguration", "requestSignatureVerification", "addIns", "api", "appRoles", "info",
    "keyCredentials", "parentalControlSettings", "passwordCredentials", "publicClient", "requiredResourceAccess",
    "verifiedPublisher", "web", "spa",
)
APP_DEFAULTS = {
    "identifierUris": [], "tags": [], "addIns": [], "appRoles": [], "keyCredentials": [], "requiredResourceAccess": [],
    "api": {"acceptMappedClaims": None, "knownClientApplications": [], "requestedAccessTokenVersion": None,
            "oauth2PermissionScopes": [], "preAuthorizedApplications": []},
    "info": {"logoUrl": None, "marketingUrl": None, "privacyStatementUrl": None, "supportUrl": None,
             "termsOfServiceUrl": None},
    "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
    "publicClient": {"redirectUris": []},
    "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
    "web": {"homePageUrl": None, "logoutUrl": None, "redirectUris": [],
            "implicitGrantSettings": {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": False},
            "redirectUriSettings": []},
    "spa": {"redirectUris": []},
}
APP_READ_ONLY = {"id", "deletedDateTime", "appId", "applicationTemplateId", "disabledByMicrosoftStatus",
                 "createdDateTime", "publisherDomain", "certification", "verifiedPublisher", "passwordCredentials"}
APP_WRITABLE = (set(APP_FIELDS) - APP_READ_ONLY) | {"uniqueName"}
SP_FIELDS = (
    "id", "deletedDateTime", "accountEnabled", "alternativeNames", "appDisplayName", "appDescription", "appId",
    "applicationTemplateId", "appOwnerOrganizationId", "appRoleAssignmentRequired", "createdDateTime", "description",
    "disabledByMicrosoftStatus", "displayName", "homepage", "loginUrl", "logoutUrl", "notes",
    "notificationEmailAddresses", "preferredSingleSignOnMode", "preferredTokenSigningKeyThumbprint", "replyUrls",
    "servicePrincipalNames", "servicePrincipalType", "signInAudience", "tags", "tokenEncryptionKeyId",
    "samlSingleSignOnSettings", "addIns", "appRoles", "info", "keyCredentials", "oauth2PermissionScopes",
    "passwordCredentials", "resourceSpecificApplicationPermissions", "verifiedPublisher",
)
SP_DEFAULTS = {"accountEnabled": True, "alternativeNames": [], "appRoleAssignmentRequired": False,
               "notificationEmailAddresses": [], "replyUrls": [], "tags": [], "addIns": [], "appRoles": [],
               "keyCredentials": [], "oauth2PermissionScopes": [], "resourceSpecificApplicationPermissions": []}
SP_WRITABLE = {"accountEnabled", "alternativeNames", "appRoleAssignmentRequired", "description", "displayName", "homepage",
               "loginUrl", "logoutUrl", "notes", "notificationEmailAddresses", "preferredSingleSignOnMode", "replyUrls",
               "tags", "tokenEncryptionKeyId", "samlSingleSignOnSettings", "keyCredentials", "appDescription"}
USER_FIELDS = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
               "preferredLanguage", "surname", "userPrincipalName", "id")
FILTER_EQ = re.compile(r"^(?P<prop>[A-Za-z]+)\s+eq\s+'(?P<v>(?:[^']|'')*)'$", re.IGNORECASE)
FILTER_STARTSWITH = re.compile(r"^startswith\(\s*(?P<prop>[A-Za-z]+)\s*,\s*'(?P<v>(?:[^']|'')*)'\s*\)$", re.IGNORECASE)
FILTER_ANY = re.compile(r"^(?P<prop>[A-Za-z]+)/any\(\s*(?P<var>\w+)\s*:\s*(?P=var)\s+eq\s+'(?P<v>(?:[^']|'')*)'\s*\)$",
                        re.IGNORECASE)
APP_FILTERS = {"eq": ("displayName", "appId", "id", "uniqueName", "signInAudience"), "startswith": ("displayName",),
               "any": ("identifierUris",)}
SP_FILTERS = {"eq": ("displayName", "appId", "id", "servicePrincipalType"),
              "startswith": ("displayName",), "any": ("servicePrincipalNames", "tags")}


# ---------------------------------------------------------------------------- time helpers
def iso(ts: float | None) -> str | None:
    """Graph timestamp, second precision (e.g. 2024-05-07T06:52:43Z)."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_time(value, prop: str) -> float | None:
    """Epoch seconds of a Graph DateTimeOffset string; 400 when unreadable."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad_value(prop)
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip()).replace("Z", "+00:00")
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError as exc:
        raise _bad_value(prop) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def plus_two_years(ts: float) -> float:
    """Graph's default password lifetime [G-PW]."""
    start = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    try:
        end = start.replace(year=start.year + 2)
    except ValueError:  # 29 February
        end = start + datetime.timedelta(days=730)
    return end.timestamp()


# ---------------------------------------------------------------------------- errors
def _bad_request(message: str) -> HttpError:
    return HttpError(400, "Request_BadRequest", message)


def _bad_value(prop: str, kind: str = "Application") -> HttpError:
    return _bad_request(f"Invalid value specified for property '{prop}' of resource '{kind}'.")


def _not_found(key: str) -> HttpError:
    return HttpError(404, "Request_ResourceNotFound", NOT_FOUND.format(key))


def _json_error(_detail: str) -> HttpError:
    return HttpError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set "
                                        "and payload is of valid JSON format.")


def _body(req: Request, required: bool = True) -> dict:
    body = req.json(_json_error)
    if body is None:
        if required:
            raise _json_error("empty body")
        return {}
    if not isinstance(body, dict):
        raise _json_error("not an object")
    return body


# ---------------------------------------------------------------------------- state
@register_extension
class GraphState(StateExtension):
    """Soft-deleted directory objects (``directory/deletedItems``); live objects stay in the core tables."""

    name = "graph"

    def __init__(self, state):
        super().__init__(state)
        self.deleted: dict = {}  # object id -> {"kind", "record", "tenantId", "deletedAt"}

    def snapshot(self) -> dict:
        return {"graphDeletedItems": [{"id": k, "kind": v["kind"]} for k, v in self.deleted.items()]}


def _ext(emu) -> GraphState:
    return emu.state.ext[GraphState.name]


def ensure_app(state, app: dict) -> dict:
    """Give a core app record its Graph fields (seeded apps get them on first Graph access)."""
    if "graphSeq" not in app:
        app.setdefault("id", str(uuid.uuid4()))
        app.setdefault("uniqueName", None)
        app.setdefault("signInAudience", "AzureADMyOrg")
        app.setdefault("graph", {})
        app["graphSeq"] = state.next_seq()
    for item in app["secrets"]:
        item.setdefault("keyId", str(uuid.uuid4()))
        item.setdefault("hint", str(item.get("value", ""))[:3])
        item.setdefault("displayName", None)
        item.setdefault("startDateTime", app.get("createdAt"))
        item.setdefault("owner", "application")
    for fic in app["federatedIdentityCredentials"]:
        fic.setdefault("id", str(uuid.uuid4()))
        fic.setdefault("description", None)
    return app


def _lag(emu) -> float:
    return float(emu.state.config["graph_replication_lag"])


def _visible(emu, record: dict) -> bool:
    """Objects younger than ``graph_replication_lag`` are not yet readable (read-after-write lag [I-GREPL]).

    Applies to applications, service principals and application federated credentials: a read that reaches a
    replica the write has not reached yet answers 404 Request_ResourceNotFound / omits the object from lists
    (CONTRACTS 2.3 [I-GREPL]; Microsoft Entra developer support, "Why do I sometimes get a 404 when trying to
    update an Azure directory object after I just created it", https://blogs.aaddevsup.xyz/2021/08/; FIC changes
    take time to replicate [E-FIC]). Seeded objects have no age here and are always visible.
    """
    return clock.now() - record.get("createdAt", 0) >= _lag(emu)


def _tenant(req: Request) -> str:
    return str(req.claims.get("tid")).lower()


def tenant_apps(emu, tid: str, visible_only: bool = True) -> list:
    """App registrations of a tenant in creation order."""
    state = emu.state
    apps = [ensure_app(state, app) for (app_tid, _app_id), app in list(state.applications.items()) if app_tid == tid]
    if visible_only:
        apps = [a for a in apps if _visible(emu, a)]
    return sorted(apps, key=lambda a: (a["createdAt"], a["graphSeq"]))


def tenant_sps(emu, tid: str, visible_only: bool = True) -> list:
    """Service principals (including managed identities) of a tenant in creation order."""
    sps = [p for p in emu.state.principals.values() if p["type"] == "ServicePrincipal" and p["tenantId"] == tid]
    if visible_only:
        sps = [p for p in sps if _visible(emu, p)]
    return sorted(sps, key=lambda p: p["createdAt"])


def _unquote_key(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        raw = raw[1:-1].replace("''", "'")
    return raw


def find_app(emu, req: Request) -> dict:
    """The application addressed by ``/applications/{id}``, ``(appId='..')`` or ``(uniqueName='..')``; else 404."""
    tid = _tenant(req)
    groups = req.match.groupdict()
    if groups.get("aid") is not None:
        key, prop = groups["aid"], "id"
    else:
        key, prop = _unquote_key(groups.get("aval") or ""), groups.get("akind")
    for app in tenant_apps(emu, tid):
        value = app.get("appId" if prop.lower() == "appid" else "uniqueName" if prop.lower() == "uniquename" else "id")
        if value is not None and str(value).lower() == key.lower():
            return app
    raise _not_found(key)


def _sp_of_app(emu, app: dict) -> dict | None:
    pid = app.get("principalId")
    return emu.state.principals.get(pid) if pid else None


def find_sp(emu, req: Request) -> dict:
    """The service principal addressed by ``/servicePrincipals/{id}`` or ``(appId='..')``; else 404."""
    tid = _tenant(req)
    groups = req.match.groupdict()
    if groups.get("sid") is not None:
        key, by_app = groups["sid"], False
    else:
        key, by_app = _unquote_key(groups.get("sval") or ""), True
    for sp in tenant_sps(emu, tid):
        value = sp.get("appId") if by_app else sp["id"]
        if value is not None and str(value).lower() == key.lower():
            return sp
    raise _not_found(key)


# ---------------------------------------------------------------------------- rendering
def _merge(default, value):
    if isinstance(default, dict) and isinstance(value, dict):
        out = copy.deepcopy(default)
        for key, item in value.items():
            out[key] = _merge(default.get(key), item) if key in default else copy.deepcopy(item)
        return out
    if value is None and default is not None and not isinstance(default, dict):
        return copy.deepcopy(default)
    return copy.deepcopy(value) if value is not None else copy.deepcopy(default)


def render_password(item: dict) -> dict:
    """passwordCredential metadata (secretText is only returned by addPassword)."""
    return {"customKeyIdentifier": None, "displayName": item.get("displayName"), "endDateTime": iso(item.get("endDateTime")),
            "hint": item.get("hint"), "keyId": item["keyId"], "secretText": None,
            "startDateTime": iso(item.get("startDateTime"))}


def render_app(emu, app: dict, deleted_at: float | None = None) -> dict:
    """Application body (without @odata.context)."""
    state = emu.state
    graph = app["graph"]
    tenant = state.tenants.get(app["tenantId"], {})
    audience = app["signInAudience"]
    computed = {
        "id": app["id"], "deletedDateTime": iso(deleted_at), "appId": app["appId"], "createdDateTime": iso(app["createdAt"]),
        "displayName": app["displayName"], "publisherDomain": tenant.get("domain"), "signInAudience": audience,
        "passwordCredentials": [render_password(s) for s in app["secrets"] if s.get("owner") == "application"],
    }
    body = {}
    for prop in APP_FIELDS:
        if prop in computed:
            body[prop] = computed[prop]
        else:
            body[prop] = _merge(APP_DEFAULTS.get(prop), graph.get(prop))
    if body["api"].get("requestedAccessTokenVersion") is None and "Personal" in audience:
        body["api"]["requestedAccessTokenVersion"] = 2
    if app.get("uniqueName"):
        body["uniqueName"] = app["uniqueName"]
    return body


def _msi_spn(alternative_names: list) -> str:
    resource = alternative_names[-1] if alternative_names else ""
    digest = base64.b64encode(hashlib.sha256(resource.lower().encode()).digest()).decode()
    return f"https://identity.azure.net/{digest}"


def render_sp(emu, sp: dict, deleted_at: float | None = None, created: bool = False) -> dict:
    """servicePrincipal body (without @odata.context); managed identities as the recordings show them.

    ``servicePrincipalNames``: the POST response lists the appId first, later reads list the app's
    identifierUris first (test_service_principal_scenario.yaml) - clients must not rely on the order.
    """
    state = emu.state
    graph = sp.get("graph") or {}
    app = state.application(sp["tenantId"], sp["appId"]) if sp.get("appId") else None
    msi = sp.get("servicePrincipalType") == "ManagedIdentity"
    if app is not None:
        ensure_app(state, app)
    names = [sp["appId"]] if sp.get("appId") else []
    if msi:
        names.append(_msi_spn(sp.get("alternativeNames") or []))
    elif app is not None:
        uris = [u for u in app["graph"].get("identifierUris") or [] if u not in names]
        names = names + uris if created else uris + names
    computed = {
        "id": sp["id"], "deletedDateTime": iso(deleted_at), "appId": sp.get("appId"), "createdDateTime": iso(sp["createdAt"]),
        "displayName": graph.get("displayName", sp["displayName"]),
        "appDisplayName": app["displayName"] if app else None,
        "appOwnerOrganizationId": app["tenantId"] if app else None,
        "servicePrincipalType": sp.get("servicePrincipalType", "Application"),
        "signInAudience": app["signInAudience"] if app else None,
        "alternativeNames": list(graph.get("alternativeNames", sp.get("alternativeNames") or [])),
        "servicePrincipalNames": names,
        "info": (None if msi else _merge(APP_DEFAULTS["info"], app["graph"].get("info") if app else None)),
        "verifiedPublisher": copy.deepcopy(APP_DEFAULTS["verifiedPublisher"]),
        "passwordCredentials": [render_password(s) for s in (app["secrets"] if app else [])
                                if s.get("owner") == f"servicePrincipal:{sp['id']}"],
    }
    return {prop: computed[prop] if prop in computed else _merge(SP_DEFAULTS.get(prop), graph.get(prop))
            for prop in SP_FIELDS}


def render_principal(emu, principal: dict) -> dict:
    """A directory object with its @odata.type (getByIds, directoryObjects/{id})."""
    kind = principal["type"]
    if kind == "ServicePrincipal":
        return {"@odata.type": "#microsoft.graph.servicePrincipal", **render_sp(emu, principal)}
    if kind == "User":
        domain = emu.state.tenants.get(principal["tenantId"], {}).get("domain", "")
        values = {"businessPhones": [], "displayName": principal["displayName"], "id": principal["id"],
                  "userPrincipalName": f"{re.sub(r'[^A-Za-z0-9._-]', '', principal['displayName']) or principal['id']}@{domain}"}
        return {"@odata.type": "#microsoft.graph.user", **{k: values.get(k) for k in USER_FIELDS}}
    if kind == "Group":
        return {"@odata.type": "#microsoft.graph.group", "id": principal["id"], "deletedDateTime": None,
                "createdDateTime": iso(principal["createdAt"]), "description": None,
                "displayName": principal["displayName"], "groupTypes": [], "mail": None, "mailEnabled": False,
                "mailNickname": principal["displayName"], "securityEnabled": True}
    return {"@odata.type": f"#microsoft.graph.{kind[:1].lower()}{kind[1:]}", "id": principal["id"],
            "displayName": principal["displayName"]}


def render_fic(fic: dict) -> dict:
    """federatedIdentityCredential body; keys in the recorded order."""
    return {"id": fic["id"], "name": fic["name"], "issuer": fic["issuer"], "subject": fic["subject"],
            "description": fic.get("description"), "audiences": list(fic["audiences"])}


def _context(emu, fragment: str) -> str:
    return f"{emu.base_url}/v1.0/$metadata#{fragment}"


def _entity(emu, fragment: str, body: dict) -> dict:
    return {"@odata.context": _context(emu, fragment), **body}


def _location(emu, tid: str, object_id: str, kind: str) -> dict:
    return {"Location": f"{emu.base_url}/v2/{tid}/directoryObjects/{object_id}/Microsoft.DirectoryServices.{kind}"}


# ---------------------------------------------------------------------------- lists
def _select(req: Request) -> list | None:
    raw = req.arg("$select")
    if not raw:
        return None
    return [p.strip() for p in raw.split(",") if p.strip()]


def _filter_terms(text: str | None, allowed: dict, kind: str) -> list:
    """Parse ``a eq 'x' and startswith(b,'y') and c/any(x:x eq 'z')`` into (op, prop, value) terms."""
    if not text or not text.strip():
        return []
    terms = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        part = part.strip()
        for op, regex in (("eq", FILTER_EQ), ("startswith", FILTER_STARTSWITH), ("any", FILTER_ANY)):
            match = regex.match(part)
            if match:
                prop = match.group("prop")
                known = {p.lower(): p for p in allowed[op]}
                if prop.lower() not in known:
                    raise HttpError(400, "Request_UnsupportedQuery",
                                    f"Unsupported or invalid query filter clause specified for property '{prop}' of "
                                    f"resource '{kind}'.")
                terms.append((op, known[prop.lower()], match.group("v").replace("''", "'")))
                break
        else:
            raise HttpError(400, "Request_UnsupportedQuery", f"Unsupported query filter clause '{part}'.")
    return terms


def _matches(body: dict, terms: list) -> bool:
    for op, prop, value in terms:
        actual = body.get(prop)
        if op == "eq":
            if str(actual).lower() != value.lower():
                return False
        elif op == "startswith":
            if not isinstance(actual, str) or not actual.lower().startswith(value.lower()):
                return False
        elif not any(isinstance(v, str) and v.lower() == value.lower() for v in actual or []):
            return False
    return True


def _page(emu, req: Request, items: list, fragment: str) -> dict:
    """One page with an absolute @odata.nextLink carrying $filter/$select/$top and an opaque $skiptoken."""
    top = req.arg("$top")
    size = int(emu.state.config["graph_page_size"])
    if top is not None:
        try:
            size = int(top)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_TOP:
            raise _bad_request(f"Invalid page size specified: '{top}'. Must be between 1 and {MAX_TOP} inclusive.")
    offset = 0
    token = req.arg("$skiptoken")
    if token:
        try:
            offset = int(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"])
        except (ValueError, KeyError, TypeError) as exc:
            raise _bad_request("The $skiptoken value is not valid.") from exc
    select = _select(req)
    page = items[offset:offset + size]
    if select:
        page = [{k: v for k, v in item.items() if k in select or k == "@odata.type"} for item in page]
        fragment = f"{fragment}({','.join(select)})"
    body = {"@odata.context": _context(emu, fragment), "value": page}
    if offset + size < len(items):
        params = {}
        for name in ("$filter", "$select", "$top"):
            if req.arg(name) is not None:
                params[name] = req.arg(name)
        params["$skiptoken"] = base64.urlsafe_b64encode(json.dumps({"o": offset + size}).encode()).decode().rstrip("=")
        body["@odata.nextLink"] = f"{emu.base_url}{quote(req.path)}?{urlencode(params, quote_via=quote, safe='$(),')}"
    return body


def _single(emu, req: Request, fragment: str, body: dict) -> dict:
    select = _select(req)
    if select:
        return {"@odata.context": _context(emu, f"{fragment.split('/$entity')[0]}({','.join(select)})/$entity"),
                **{k: v for k, v in body.items() if k in select}}
    return _entity(emu, fragment, body)


# ---------------------------------------------------------------------------- authentication
def _www_authenticate(emu) -> dict:
    return {"WWW-Authenticate": f'Bearer realm="", authorization_uri="{emu.base_url}/common/oauth2/authorize", '
                                f'client_id="{GRAPH_APP_ID}"'}


def graph_pre(emu, req: Request) -> None:
    """Bearer token for Microsoft Graph: 401 InvalidAuthenticationToken otherwise."""
    header = req.header("Authorization") or ""
    scheme, _sep, token = header.partition(" ")
    if not header or scheme.lower() != "bearer" or not token.strip():
        raise HttpError(401, "InvalidAuthenticationToken", "Access token is empty.", _www_authenticate(emu))
    try:
        claims = emu.tokens.validate(token.strip())
    except TokenError as exc:
        if exc.kind in ("expired", "not_yet_valid"):
            raise HttpError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.",
                            _www_authenticate(emu)) from exc
        raise HttpError(401, "InvalidAuthenticationToken", "Access token validation failure.",
                        _www_authenticate(emu)) from exc
    accepted = {a.lower() for a in GRAPH_AUDIENCES} | {emu.base_url.lower(), emu.base_url.lower() + "/"}
    if str(claims.get("aud", "")).lower() not in accepted:
        raise HttpError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.",
                        _www_authenticate(emu))
    if str(claims.get("tid", "")).lower() not in emu.state.tenants:
        raise HttpError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid issuer.",
                        _www_authenticate(emu))
    req.claims = claims


# ---------------------------------------------------------------------------- applications
def _check_props(body: dict, writable: set, kind: str, ignore: set) -> dict:
    """Writable properties of a POST/PATCH body; unknown ones are rejected like Graph does."""
    props = {}
    for key, value in body.items():
        if key.startswith("@odata."):
            continue
        if key in ignore:
            continue
        if key not in writable:
            raise _bad_request(f"Property '{key}' does not exist on type 'microsoft.graph.{kind[:1].lower()}{kind[1:]}' "
                               "or is read-only.")
        props[key] = value
    resource = "Application" if kind == "application" else "ServicePrincipal"
    for key, value in props.items():
        default = (APP_DEFAULTS if kind == "application" else SP_DEFAULTS).get(key)
        if value is None:
            continue
        if isinstance(default, (list, dict)) and not isinstance(value, type(default)):
            raise _bad_value(key, resource)
    return props


def _apply_app_props(emu, app: dict | None, props: dict, tid: str, creating: bool) -> dict:
    """Validate application properties; returns the graph-property updates."""
    updates = dict(props)
    if "displayName" in updates:
        name = updates["displayName"]
        if not isinstance(name, str) or not name.strip():
            raise _bad_value("displayName")
    elif creating:
        raise _bad_request("Property 'displayName' is required for resource 'Application'.")
    audience = updates.get("signInAudience")
    if audience is not None and audience not in SIGN_IN_AUDIENCES:
        raise _bad_value("signInAudience")
    if "uniqueName" in updates:
        unique = updates["uniqueName"]
        if not creating and (app or {}).get("uniqueName") != unique:
            raise _bad_request("Property 'uniqueName' is immutable once set.")
        if creating and unique is not None:
            if not isinstance(unique, str) or not unique:
                raise _bad_value("uniqueName")
            if any((a.get("uniqueName") or "").lower() == unique.lower() for a in tenant_apps(emu, tid, False)):
                raise HttpError(409, "Request_MultipleObjectsWithSameKeyValue",
                                f"Another object with the same value for property uniqueName already exists: '{unique}'.")
    uris = updates.get("identifierUris")
    if uris:
        if not all(isinstance(u, str) for u in uris):
            raise _bad_value("identifierUris")
        for other in tenant_apps(emu, tid, False):
            if other is app:
                continue
            taken = {u.lower() for u in other["graph"].get("identifierUris") or []}
            if any(u.lower() in taken for u in uris):
                raise _bad_request("Another object with the same value for property identifierUris already exists.")
    return updates


def _store_app_props(app: dict, updates: dict) -> None:
    for key, value in updates.items():
        if key == "displayName":
            app["displayName"] = value
        elif key == "signInAudience":
            app["signInAudience"] = value
        elif key == "uniqueName":
            app["uniqueName"] = value
        else:
            app["graph"][key] = copy.deepcopy(value)


def _create_app(emu, req: Request, body: dict, unique_name: str | None = None) -> Response:
    tid = _tenant(req)
    props = _check_props(body, APP_WRITABLE, "application", {"passwordCredentials"})
    if body.get("passwordCredentials"):
        raise _bad_request("Property 'passwordCredentials' cannot be set on create; use addPassword.")
    if unique_name is not None:
        props["uniqueName"] = unique_name
    updates = _apply_app_props(emu, None, props, tid, creating=True)
    state = emu.state
    app_id = str(uuid.uuid4())
    app = {"appId": app_id, "displayName": updates["displayName"], "tenantId": tid, "principalId": None, "secrets": [],
           "certificates": [], "federatedIdentityCredentials": [], "createdAt": clock.now(), "id": str(uuid.uuid4()),
           "uniqueName": None, "signInAudience": DEFAULT_SIGN_IN_AUDIENCE, "graph": {}, "graphSeq": state.next_seq()}
    _store_app_props(app, updates)
    state.applications[(tid, app_id)] = app
    return Response(201, _entity(emu, "applications/$entity", render_app(emu, app)),
                    _location(emu, tid, app["id"], "Application"))


def create_application(emu, req: Request) -> Response:
    """POST /applications: 201 with the new application (no service principal is created)."""
    return _create_app(emu, req, _body(req))


def list_applications(emu, req: Request) -> Response:
    """GET /applications[?$filter=..&$top=..&$select=..]."""
    terms = _filter_terms(req.arg("$filter"), APP_FILTERS, "Application")
    items = [render_app(emu, a) for a in tenant_apps(emu, _tenant(req))]
    items = [i for i in items if _matches(i, terms)]
    return Response(200, _page(emu, req, items, "applications"))


def get_application(emu, req: Request) -> Response:
    """GET /applications/{id} | (appId='..') | (uniqueName='..')."""
    app = find_app(emu, req)
    return Response(200, _single(emu, req, "applications/$entity", render_app(emu, app)))


def _prefers_create(req: Request) -> bool:
    prefer = req.header("Prefer") or ""
    return any(token.strip().lower() == "create-if-missing" for token in prefer.split(","))


def patch_application(emu, req: Request) -> Response:
    """PATCH: 204; on ``(uniqueName='x')`` with ``Prefer: create-if-missing`` a missing app is created (201)."""
    body = _body(req)
    try:
        app = find_app(emu, req)
    except HttpError:
        groups = req.match.groupdict()
        if (groups.get("akind") or "").lower() == "uniquename" and _prefers_create(req):
            return _create_app(emu, req, body, unique_name=_unquote_key(groups.get("aval") or ""))
        raise
    if body.get("passwordCredentials"):
        raise _bad_request("Property 'passwordCredentials' cannot be set with PATCH; use addPassword.")
    props = _check_props(body, APP_WRITABLE, "application", {"passwordCredentials"})
    updates = _apply_app_props(emu, app, props, app["tenantId"], creating=False)
    _store_app_props(app, updates)
    return Response(204)


def delete_application(emu, req: Request) -> Response:
    """DELETE: 204; the app (and its service principal) move to directory/deletedItems."""
    app = find_app(emu, req)
    state = emu.state
    sp = _sp_of_app(emu, app)
    if sp is not None:
        state.principals.pop(sp["id"], None)
    state.applications.pop((app["tenantId"], app["appId"]), None)
    _ext(emu).deleted[app["id"]] = {"kind": "application", "record": app, "tenantId": app["tenantId"],
                                    "deletedAt": clock.now()}
    return Response(204)


# ---------------------------------------------------------------------------- application FICs
def _fic_fields(body: dict, current: dict | None) -> dict:
    allowed = {"name", "issuer", "subject", "audiences", "description", "id"}
    for key in body:
        if key not in allowed and not key.startswith("@odata."):
            raise _bad_request(f"Property '{key}' does not exist on type 'microsoft.graph.federatedIdentityCredential'.")
    merged = dict(current or {})
    merged.update({k: v for k, v in body.items() if k in allowed and k != "id"})
    name = merged.get("name")
    if current is not None and name != current["name"]:
        raise _bad_request("Property 'name' of a federated identity credential cannot be changed.")
    if not isinstance(name, str) or not FIC_NAME_RE.match(name):
        raise _bad_request(f"Federated identity credential name '{name}' is invalid: use up to 120 URL-safe characters.")
    for prop in ("issuer", "subject"):
        if not isinstance(merged.get(prop), str) or not merged[prop]:
            raise _bad_request(f"Property '{prop}' is required for a federated identity credential.")
    audiences = merged.get("audiences")
    if not isinstance(audiences, list) or len(audiences) != 1 or not isinstance(audiences[0], str) or not audiences[0]:
        raise _bad_request("A federated identity credential must have exactly one audience.")
    description = merged.get("description")
    if description is not None and not isinstance(description, str):
        raise _bad_value("description", "FederatedIdentityCredential")
    parts = urlsplit(merged["issuer"])
    if parts.scheme != "https" or not parts.netloc:
        raise _bad_request(f"Federated identity credential issuer '{merged['issuer']}' must be an https URL.")
    for prop in ("issuer", "subject", "description"):
        if len(merged.get(prop) or "") > FIC_FIELD_LIMIT:
            raise _bad_request(f"Property '{prop}' exceeds the maximum length of {FIC_FIELD_LIMIT}.")
    if len(audiences[0]) > FIC_FIELD_LIMIT:
        raise _bad_request(f"Property 'audiences' exceeds the maximum length of {FIC_FIELD_LIMIT}.")
    return {"name": name, "issuer": merged["issuer"], "subject": merged["subject"], "audiences": list(audiences),
            "description": description}


def _check_fic_unique(app: dict, fields: dict, current: dict | None) -> None:
    for other in app["federatedIdentityCredentials"]:
        if other is current:
            continue
        if current is None and other["name"].lower() == fields["name"].lower():
            raise HttpError(409, "Request_MultipleObjectsWithSameKeyValue",
                            f"FederatedIdentityCredential with name {fields['name']} already exists.")
        if other["issuer"] == fields["issuer"] and other["subject"] == fields["subject"]:
            raise HttpError(400, "InvalidFederatedIdentityCredentialValue",
                            f"The combination of issuer and subject must be unique for the application. Issuer "
                            f"{fields['issuer']} and Subject: {fields['subject']} already exist.")
    if current is None and len(app["federatedIdentityCredentials"]) >= FIC_LIMIT:
        raise _bad_request(f"The application already has the maximum of {FIC_LIMIT} federated identity credentials.")


def _fic_context(app: dict, entity: bool = True) -> str:
    return f"applications('{app['id']}')/federatedIdentityCredentials" + ("/$entity" if entity else "")


def _add_fic(emu, app: dict, body: dict) -> Response:
    fields = _fic_fields(body, None)
    _check_fic_unique(app, fields, None)
    fic = {"id": str(uuid.uuid4()), **fields, "createdAt": clock.now()}
    app["federatedIdentityCredentials"].append(fic)
    return Response(201, _entity(emu, _fic_context(app), render_fic(fic)),
                    {"Location": f"{emu.base_url}/v2/{app['tenantId']}/federatedIdentityCredentials/{fic['id']}"})


def create_fic(emu, req: Request) -> Response:
    """POST /applications/{id}/federatedIdentityCredentials: 201."""
    app = find_app(emu, req)
    return _add_fic(emu, app, _body(req))


def list_fics(emu, req: Request) -> Response:
    """GET /applications/{id}/federatedIdentityCredentials."""
    app = find_app(emu, req)
    items = [render_fic(f) for f in app["federatedIdentityCredentials"] if _visible(emu, f)]
    return Response(200, _page(emu, req, items, _fic_context(app, entity=False)))


def _find_fic(app: dict, req: Request) -> dict | None:
    groups = req.match.groupdict()
    key = groups.get("fid") if groups.get("fid") is not None else _unquote_key(groups.get("fname") or "")
    by_name_only = groups.get("fid") is None
    for fic in app["federatedIdentityCredentials"]:
        if (not by_name_only and fic["id"].lower() == key.lower()) or fic["name"].lower() == key.lower():
            return fic
    return None


def _fic_key(req: Request) -> str:
    groups = req.match.groupdict()
    return groups.get("fid") if groups.get("fid") is not None else _unquote_key(groups.get("fname") or "")


def get_fic(emu, req: Request) -> Response:
    """GET .../federatedIdentityCredentials/{id or name} (or (name='..'))."""
    app = find_app(emu, req)
    fic = _find_fic(app, req)
    if fic is None or not _visible(emu, fic):
        raise _not_found(_fic_key(req))
    return Response(200, _entity(emu, _fic_context(app), render_fic(fic)))


def patch_fic(emu, req: Request) -> Response:
    """PATCH: 204 No Content; ``(name='x')`` + ``Prefer: create-if-missing`` creates (201)."""
    app = find_app(emu, req)
    body = _body(req)
    fic = _find_fic(app, req)
    if fic is None:
        if req.match.groupdict().get("fname") is not None and _prefers_create(req):
            body = dict(body)
            body.setdefault("name", _fic_key(req))
            return _add_fic(emu, app, body)
        raise _not_found(_fic_key(req))
    fields = _fic_fields(body, fic)
    _check_fic_unique(app, fields, fic)
    fic.update(fields)
    return Response(204)


def delete_fic(emu, req: Request) -> Response:
    """DELETE: 204."""
    app = find_app(emu, req)
    fic = _find_fic(app, req)
    if fic is None:
        raise _not_found(_fic_key(req))
    app["federatedIdentityCredentials"].remove(fic)
    return Response(204)


# ---------------------------------------------------------------------------- passwords
def _new_password(req: Request, owner: str) -> dict:
    body = _body(req, required=False)
    spec = body.get("passwordCredential") or {}
    if not isinstance(spec, dict):
        raise _bad_value("passwordCredential", "PasswordCredential")
    start = parse_time(spec.get("startDateTime"), "startDateTime") or clock.now()
    end = parse_time(spec.get("endDateTime"), "endDateTime") or plus_two_years(start)
    if end <= start:
        raise _bad_request("The endDateTime of a password credential must be later than its startDateTime.")
    display = spec.get("displayName")
    if display is not None and not isinstance(display, str):
        raise _bad_value("displayName", "PasswordCredential")
    secret = "".join(secrets.choice(SECRET_ALPHABET) for _index in range(SECRET_LENGTH))
    return {"value": secret, "endDateTime": end, "startDateTime": start, "keyId": str(uuid.uuid4()),
            "hint": secret[:3], "displayName": display, "owner": owner}


def _password_response(emu, item: dict) -> Response:
    body = render_password(item)
    body["secretText"] = item["value"]
    return Response(200, _entity(emu, "microsoft.graph.passwordCredential", body), {"Location": emu.base_url})


def _remove_password(req: Request, app: dict, owner: str) -> Response:
    body = _body(req)
    key_id = body.get("keyId")
    if not is_guid(key_id):
        raise _bad_value("keyId", "PasswordCredential")
    for item in app["secrets"]:
        if item.get("owner") == owner and item["keyId"].lower() == key_id.lower():
            app["secrets"].remove(item)
            return Response(204)
    raise _bad_request(f"No password credential with keyId '{key_id}' was found.")


def app_add_password(emu, req: Request) -> Response:
    """POST /applications/{id}/addPassword: 200 passwordCredential with secretText [G-PW]."""
    app = find_app(emu, req)
    item = _new_password(req, "application")
    app["secrets"].append(item)
    return _password_response(emu, item)


def app_remove_password(emu, req: Request) -> Response:
    """POST /applications/{id}/removePassword {keyId}: 204."""
    return _remove_password(req, find_app(emu, req), "application")


def _sp_app_for_credentials(emu, sp: dict) -> dict:
    if sp.get("servicePrincipalType") == "ManagedIdentity":
        raise _bad_request("Credentials of a managed identity's service principal cannot be changed.")
    app = emu.state.application(sp["tenantId"], sp.get("appId") or "")
    if app is None:
        raise _bad_request("The service principal has no application in this tenant.")
    return ensure_app(emu.state, app)


def sp_add_password(emu, req: Request) -> Response:
    """POST /servicePrincipals/{id}/addPassword: 200 (the secret also authenticates the app)."""
    sp = find_sp(emu, req)
    app = _sp_app_for_credentials(emu, sp)
    item = _new_password(req, f"servicePrincipal:{sp['id']}")
    app["secrets"].append(item)
    return _password_response(emu, item)


def sp_remove_password(emu, req: Request) -> Response:
    """POST /servicePrincipals/{id}/removePassword {keyId}: 204."""
    sp = find_sp(emu, req)
    return _remove_password(req, _sp_app_for_credentials(emu, sp), f"servicePrincipal:{sp['id']}")


# ---------------------------------------------------------------------------- service principals
def create_service_principal(emu, req: Request) -> Response:
    """POST /servicePrincipals {appId}: 201; 400 without a (replicated) app, 409 when one exists [G-SP]."""
    body = _body(req)
    app_id = body.get("appId")
    if not isinstance(app_id, str) or not app_id:
        raise _bad_request("Property 'appId' is required for resource 'ServicePrincipal'.")
    props = _check_props(body, SP_WRITABLE, "servicePrincipal", {"appId"})
    tid = _tenant(req)
    state = emu.state
    app = state.application(tid, app_id)
    if app is None or not _visible(emu, app):
        raise _bad_request(f"The appId '{app_id}' of the service principal does not reference a valid application object.")
    ensure_app(state, app)
    if app.get("principalId") and app["principalId"] in state.principals:
        raise HttpError(409, "Request_MultipleObjectsWithSameKeyValue",
                        f"The service principal cannot be created, updated, or restored because the service principal "
                        f"name {app['appId']} is already in use.")
    principal = state.add_principal({"type": "ServicePrincipal", "appId": app["appId"], "displayName": app["displayName"],
                                     "age": 0, "tenantId": tid})
    principal["servicePrincipalType"] = "Application"
    principal["graph"] = {k: copy.deepcopy(v) for k, v in props.items() if k != "displayName"}
    if isinstance(props.get("displayName"), str):
        principal["displayName"] = props["displayName"]
    app["principalId"] = principal["id"]
    return Response(201, _entity(emu, "servicePrincipals/$entity", render_sp(emu, principal, created=True)),
                    _location(emu, tid, principal["id"], "ServicePrincipal"))


def list_service_principals(emu, req: Request) -> Response:
    """GET /servicePrincipals[?$filter=appId eq '..' | servicePrincipalNames/any(c:c eq '..') | displayName eq]."""
    terms = _filter_terms(req.arg("$filter"), SP_FILTERS, "ServicePrincipal")
    items = [render_sp(emu, sp) for sp in tenant_sps(emu, _tenant(req))]
    items = [i for i in items if _matches(i, terms)]
    return Response(200, _page(emu, req, items, "servicePrincipals"))


def get_service_principal(emu, req: Request) -> Response:
    """GET /servicePrincipals/{id} | (appId='..')."""
    sp = find_sp(emu, req)
    return Response(200, _single(emu, req, "servicePrincipals/$entity", render_sp(emu, sp)))


def patch_service_principal(emu, req: Request) -> Response:
    """PATCH: 204."""
    sp = find_sp(emu, req)
    if sp.get("servicePrincipalType") == "ManagedIdentity":
        raise _bad_request("The service principal of a managed identity cannot be updated.")
    props = _check_props(_body(req), SP_WRITABLE, "servicePrincipal", set())
    graph = sp.setdefault("graph", {})
    for key, value in props.items():
        if key == "displayName":
            if not isinstance(value, str) or not value:
                raise _bad_value("displayName", "ServicePrincipal")
            sp["displayName"] = value
        else:
            graph[key] = copy.deepcopy(value)
    return Response(204)


def delete_service_principal(emu, req: Request) -> Response:
    """DELETE: 204; the app stays (without a service principal, so it cannot get tokens)."""
    sp = find_sp(emu, req)
    if sp.get("servicePrincipalType") == "ManagedIdentity":
        raise _bad_request("The service principal of a managed identity is deleted with the identity.")
    state = emu.state
    app = state.application(sp["tenantId"], sp.get("appId") or "")
    if app is not None:
        app["secrets"] = [s for s in app["secrets"] if s.get("owner") != f"servicePrincipal:{sp['id']}"]
        if app.get("principalId") == sp["id"]:
            app["principalId"] = None
    state.principals.pop(sp["id"], None)
    _ext(emu).deleted[sp["id"]] = {"kind": "servicePrincipal", "record": sp, "tenantId": sp["tenantId"],
                                   "deletedAt": clock.now()}
    return Response(204)


# ---------------------------------------------------------------------------- directory objects
def _directory_object(emu, tid: str, object_id: str) -> dict | None:
    key = (object_id or "").lower()
    principal = emu.state.principals.get(key)
    if principal is not None and principal["tenantId"] == tid and _visible(emu, principal):
        return render_principal(emu, principal)
    for app in tenant_apps(emu, tid):
        if app["id"].lower() == key:
            return {"@odata.type": "#microsoft.graph.application", **render_app(emu, app)}
    return None


def get_by_ids(emu, req: Request) -> Response:
    """POST /directoryObjects/getByIds {ids, types?}: the objects found (a read)."""
    body = _body(req)
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids) or len(ids) > 1000:
        raise _bad_value("ids", "DirectoryObject")
    types = body.get("types")
    wanted = None
    if types is not None:
        if not isinstance(types, list):
            raise _bad_value("types", "DirectoryObject")
        wanted = {f"#microsoft.graph.{t}".lower() for t in types if isinstance(t, str)}
    tid = _tenant(req)
    found = []
    for object_id in ids:
        obj = _directory_object(emu, tid, object_id)
        if obj is not None and (wanted is None or obj["@odata.type"].lower() in wanted):
            found.append(obj)
    return Response(200, {"@odata.context": _context(emu, "directoryObjects"), "value": found}, {"Location": emu.base_url})


def get_directory_object(emu, req: Request) -> Response:
    """GET /directoryObjects/{id}."""
    obj = _directory_object(emu, _tenant(req), req.group("oid"))
    if obj is None:
        raise _not_found(req.group("oid"))
    return Response(200, _entity(emu, "directoryObjects/$entity", obj))


def _deleted(emu, req: Request) -> dict:
    item = _ext(emu).deleted.get((req.group("oid") or "").lower())
    if item is None or item["tenantId"] != _tenant(req):
        raise _not_found(req.group("oid"))
    return item


def get_deleted_item(emu, req: Request) -> Response:
    """GET /directory/deletedItems/{id}."""
    item = _deleted(emu, req)
    if item["kind"] == "application":
        body = {"@odata.type": "#microsoft.graph.application", **render_app(emu, item["record"], item["deletedAt"])}
    else:
        body = {"@odata.type": "#microsoft.graph.servicePrincipal", **render_sp(emu, item["record"], item["deletedAt"])}
    return Response(200, _entity(emu, "directoryObjects/$entity", body))


def purge_deleted_item(emu, req: Request) -> Response:
    """DELETE /directory/deletedItems/{id}: 204 (permanent)."""
    item = _deleted(emu, req)
    del _ext(emu).deleted[item["record"]["id"]]
    return Response(204)


# ---------------------------------------------------------------------------- plumbing
def graph_fallback(_emu, req: Request) -> Response:
    """Graph answers an unknown segment with 400 BadRequest [CONTRACTS 2.3 shape]."""
    parts = req.path.strip("/").split("/")
    segment = parts[1] if len(parts) > 1 else ""
    raise HttpError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def decorate(req: Request, response: Response) -> None:
    """Graph response headers (OData JSON content type on successful JSON bodies)."""
    response.headers["request-id"] = req.request_id
    response.headers["client-request-id"] = req.header("client-request-id") or req.request_id
    if response.status < 400 and isinstance(response.body, (dict, list)):
        response.headers.setdefault("Content-Type", ODATA_JSON)
        response.headers.setdefault("OData-Version", "4.0")
    response.headers.setdefault("Cache-Control", "no-cache")


def register(router, _emu) -> None:
    """Microsoft Graph v1.0 routes."""
    v1 = r"/v1\.0"
    akey = r"(?:/(?P<aid>[^/()]+)|\((?P<akind>appId|uniqueName)=(?P<aval>'[^']*'|[^)']*)\))"
    skey = r"(?:/(?P<sid>[^/()]+)|\(appId=(?P<sval>'[^']*'|[^)']*)\))"
    apps = v1 + r"/applications"
    app = apps + akey
    fics = app + r"/federatedIdentityCredentials"
    fic = fics + r"(?:/(?P<fid>[^/()]+)|\(name=(?P<fname>'[^']*'|[^)']*)\))"
    sps = v1 + r"/servicePrincipals"
    sp = sps + skey
    action = r"/(?:microsoft\.graph\.)?"
    table = (
        ("GET", apps + r"/?", list_applications, None),
        ("POST", apps + r"/?", create_application, None),
        ("GET", app + r"/?", get_application, None),
        ("PATCH", app + r"/?", patch_application, None),
        ("DELETE", app + r"/?", delete_application, None),
        ("GET", fics + r"/?", list_fics, None),
        ("POST", fics + r"/?", create_fic, None),
        ("GET", fic + r"/?", get_fic, None),
        ("PATCH", fic + r"/?", patch_fic, None),
        ("DELETE", fic + r"/?", delete_fic, None),
        ("POST", app + action + r"addPassword/?", app_add_password, None),
        ("POST", app + action + r"removePassword/?", app_remove_password, None),
        ("GET", sps + r"/?", list_service_principals, None),
        ("POST", sps + r"/?", create_service_principal, None),
        ("GET", sp + r"/?", get_service_principal, None),
        ("PATCH", sp + r"/?", patch_service_principal, None),
        ("DELETE", sp + r"/?", delete_service_principal, None),
        ("POST", sp + action + r"addPassword/?", sp_add_password, None),
        ("POST", sp + action + r"removePassword/?", sp_remove_password, None),
        ("POST", v1 + r"/directoryObjects" + action + r"getByIds/?", get_by_ids, False),
        ("GET", v1 + r"/directoryObjects/(?P<oid>[^/()]+)/?", get_directory_object, None),
        ("GET", v1 + r"/directory/deletedItems/(?P<oid>[^/()]+)/?", get_deleted_item, None),
        ("DELETE", v1 + r"/directory/deletedItems/(?P<oid>[^/()]+)/?", purge_deleted_item, None),
    )
    for method, pattern, handler, write in table:
        router.add("graph", method, pattern, handler, pre=graph_pre, write=write)
    router.fallback("graph", graph_fallback, pre=graph_pre)
    router.decorator("graph", decorate)
