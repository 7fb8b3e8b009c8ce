# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM core: authentication, api-version checks, RBAC checks, subscriptions and resource groups."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from urllib.parse import quote, urlencode

from . import clock
from .scopes import Scope, ScopeError, parse_scope
from .tokens import TokenError
from .web import HttpError, Request, Response

# api-versions of Microsoft.Resources (subscriptions, resourceGroups), from the published
# azure-rest-api-specs version folders (resources/subscriptions specs); UNCONFIRMED as a complete list.
RESOURCES_API_VERSIONS = frozenset({
    "2014-04-01", "2014-04-01-preview", "2015-01-01", "2015-11-01", "2016-02-01", "2016-06-01", "2016-07-01",
    "2016-09-01", "2017-05-10", "2018-02-01", "2018-05-01", "2018-06-01", "2019-03-01", "2019-05-01", "2019-05-10",
    "2019-06-01", "2019-07-01", "2019-08-01", "2019-10-01", "2019-11-01", "2020-01-01", "2020-06-01", "2020-08-01",
    "2020-10-01", "2021-01-01", "2021-04-01", "2022-01-01", "2022-09-01", "2022-12-01", "2023-07-01", "2024-03-01",
    "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01",
})
# Audiences ARM accepts (the real list from its InvalidAuthenticationTokenAudience message) plus the emulator's URL.
ARM_AUDIENCES = ("https://management.core.windows.net/", "https://management.core.windows.net",
                 "https://management.azure.com/", "https://management.azure.com")
SKIP_TOKEN = "$skipToken"


def arm_error_parse(detail: str) -> HttpError:
    """ARM's answer to an unreadable JSON body."""
    return HttpError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {detail}")


def _www_authenticate(emu, error_description: str) -> dict:
    return {"WWW-Authenticate": f'Bearer authorization_uri="{emu.base_url}/", error="invalid_token", '
                                f'error_description="{error_description}"'}


def authenticate(emu, req: Request) -> dict:
    """Validate the bearer token for ARM; return its claims or raise the 401 ARM sends."""
    header = req.header("Authorization") or ""
    if not header:
        raise HttpError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                        _www_authenticate(emu, "The authentication failed because of missing 'Authorization' header."))
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpError(401, "AuthenticationFailed",
                        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                        _www_authenticate(emu, "The authentication failed because of invalid 'Authorization' header."))
    try:
        claims = emu.tokens.validate(token.strip())
    except TokenError as exc:
        if exc.kind == "expired":
            exp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(exc.claims.get("exp", 0)))
            now = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(clock.now()))
            raise HttpError(401, "ExpiredAuthenticationToken",
                            f"The access token expiry UTC time '{exp}' is earlier than current UTC time '{now}'.",
                            _www_authenticate(emu, "The access token has expired.")) from exc
        raise HttpError(401, "InvalidAuthenticationToken", "The access token is invalid.",
                        _www_authenticate(emu, "The access token is invalid.")) from exc
    # The emulator's own base URL is Microsoft Graph's audience (see metadata.py), never ARM's.
    accepted = {a.lower() for a in ARM_AUDIENCES}
    if str(claims.get("aud", "")).lower() not in accepted:
        allowed = ",".join(f"'{a}'" for a in ARM_AUDIENCES)
        raise HttpError(401, "InvalidAuthenticationTokenAudience",
                        f"The access token was issued for audience '{claims.get('aud')}'; ARM accepts only {allowed}.",
                        _www_authenticate(emu, "The access token has an invalid audience."))
    tid = str(claims.get("tid", "")).lower()
    if tid not in emu.state.tenants or claims.get("iss") != f"https://sts.windows.net/{tid}/":
        raise HttpError(401, "InvalidAuthenticationTokenTenant",
                        f"The access token issuer '{claims.get('iss')}' is not a tenant known to this service.",
                        _www_authenticate(emu, "The access token is from the wrong issuer."))
    req.claims = claims
    return claims


def arm_pre(emu, req: Request) -> None:
    """Checks every ARM call passes first: authentication, then presence of api-version."""
    authenticate(emu, req)
    if not req.arg("api-version"):
        raise HttpError(400, "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all requests.")


def require_api_version(req: Request, supported: frozenset, resource_type: str, provider: bool = False) -> str:
    """Reject api-versions the real resource type does not have."""
    version = req.arg("api-version") or ""
    if version in supported:
        return version
    listed = ", ".join(sorted(supported))
    if provider:
        namespace, _sep, type_name = resource_type.partition("/")
        raise HttpError(400, "NoRegisteredProviderFound",
                        f"No registered resource provider found for location 'global' and API version '{version}' for "
                        f"type '{type_name}' of namespace '{namespace}'. The supported api-versions are '{listed}'.")
    raise HttpError(400, "InvalidApiVersionParameter",
                    f"The api-version '{version}' is invalid. The supported versions are '{listed}'.")


def subscription_for(emu, req: Request, sub_id: str) -> dict:
    """The subscription, or the 404/401 ARM gives for a missing or foreign one."""
    sub = emu.state.subscriptions.get((sub_id or "").lower())
    if sub is None:
        raise HttpError(404, "SubscriptionNotFound", f"The subscription '{sub_id}' could not be found.")
    tid = str((req.claims or {}).get("tid", "")).lower()
    if sub["tenantId"] != tid:
        raise HttpError(401, "InvalidAuthenticationTokenTenant",
                        f"The access token is from the wrong issuer 'https://sts.windows.net/{tid}/'. It must match the "
                        f"tenant 'https://sts.windows.net/{sub['tenantId']}/' associated with this subscription.",
                        _www_authenticate(emu, "The access token is from the wrong issuer."))
    return sub


def parse_scope_or_404(raw: str) -> Scope:
    """Parse a scope from a URL or raise ARM's 404 for an unknown resource type."""
    try:
        return parse_scope(raw)
    except ScopeError as exc:
        raise HttpError(404, "InvalidResourceType", f"The scope '{raw or '/'}' is not a resource the emulator knows.") from exc


def check_scope(emu, req: Request, scope: Scope) -> None:
    """Subscription tenant check, then existence of resource group / resource / management group."""
    if scope.subscription:
        subscription_for(emu, req, scope.subscription)
    missing = emu.state.scope_exists(scope)
    if missing:
        raise HttpError(404, missing[0], missing[1])


def action_matches(pattern: str, action: str) -> bool:
    """RBAC action wildcard match (case-insensitive)."""
    regex = "^" + re.escape(pattern).replace(r"\*", ".*") + "$"
    return re.match(regex, action, re.IGNORECASE) is not None


def is_authorized(emu, claims: dict, action: str, scope: Scope) -> bool:
    """Whether the caller holds a role at or above ``scope`` granting ``action``."""
    state = emu.state
    callers = state.group_closure(str(claims.get("oid", "")))
    above = set(state.ancestors(scope))
    for assignment in state.role_assignments.values():
        if assignment["principalId"] not in callers or assignment["scopeKey"] not in above:
            continue
        role = state.role_definitions.get(assignment["roleDefinitionGuid"])
        for perm in (role or {}).get("permissions", []):
            if any(action_matches(p, action) for p in perm.get("actions", [])) and \
                    not any(action_matches(p, action) for p in perm.get("notActions", [])):
                return True
    return False


def authorize(emu, req: Request, action: str, scope: Scope) -> None:
    """Raise ARM's 403 AuthorizationFailed unless the caller may perform ``action`` on ``scope``."""
    if not emu.state.config["enforce_rbac"]:
        return
    claims = req.claims or {}
    if not is_authorized(emu, claims, action, scope):
        raise HttpError(403, "AuthorizationFailed",
                        f"Client '{claims.get('appid')}' (object id '{claims.get('oid')}') is not authorized to perform "
                        f"action '{action}' over scope '{scope.text}', or the scope is invalid. Newly granted access "
                        "may need fresh credentials.")


def paged(emu, req: Request, items: list, extra_params: dict | None = None) -> dict:
    """One page of ``items`` with an absolute nextLink carrying api-version and $skipToken."""
    offset = 0
    token = req.arg(SKIP_TOKEN)
    if token:
        try:
            offset = int(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"])
        except (ValueError, KeyError, TypeError) as exc:
            raise HttpError(400, "InvalidSkipToken", "The $skipToken value is not valid.") from exc
    size = int(emu.state.config["page_size"])
    page = items[offset:offset + size]
    body = {"value": page}
    if offset + size < len(items):
        params = {"api-version": req.arg("api-version")}
        params.update(extra_params or {})
        params[SKIP_TOKEN] = base64.urlsafe_b64encode(json.dumps({"o": offset + size}).encode()).decode().rstrip("=")
        body["nextLink"] = f"{emu.base_url}{quote(req.path)}?{urlencode(params, quote_via=quote, safe='()$')}"
    return body


# ---------------------------------------------------------------------------- subscriptions
def _subscription_body(sub: dict) -> dict:
    return {
        "id": f"/subscriptions/{sub['subscriptionId']}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub["subscriptionId"],
        "tenantId": sub["tenantId"],
        "displayName": sub["displayName"],
        "state": sub["state"],
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                 "spendingLimit": "Off"},
    }


def list_subscriptions(emu, req: Request) -> Response:
    """GET /subscriptions: subscriptions of the caller's tenant where it holds any role."""
    require_api_version(req, RESOURCES_API_VERSIONS, "Microsoft.Resources/subscriptions")
    state = emu.state
    tid = str(req.claims.get("tid", "")).lower()
    callers = state.group_closure(str(req.claims.get("oid", "")))
    out = []
    for sub in sorted(state.subscriptions.values(), key=lambda s: s["displayName"].lower()):
        if sub["tenantId"] != tid:
            continue
        if state.config["enforce_rbac"]:
            scope = parse_scope(f"/subscriptions/{sub['subscriptionId']}")
            above = set(state.ancestors(scope))
            prefix = scope.key + "/"
            if not any(a["principalId"] in callers and (a["scopeKey"] in above or a["scopeKey"].startswith(prefix))
                       for a in state.role_assignments.values()):
                continue
        out.append(_subscription_body(sub))
    body = paged(emu, req, out)
    body["count"] = {"type": "Total", "value": len(out)}
    return Response(200, body)


def get_subscription(emu, req: Request) -> Response:
    """GET /subscriptions/{id}."""
    require_api_version(req, RESOURCES_API_VERSIONS, "Microsoft.Resources/subscriptions")
    sub = subscription_for(emu, req, req.group("sub"))
    authorize(emu, req, "Microsoft.Resources/subscriptions/read", parse_scope(f"/subscriptions/{sub['subscriptionId']}"))
    return Response(200, _subscription_body(sub))


# ---------------------------------------------------------------------------- resource groups
def _rg_body(rg: dict) -> dict:
    body = {"id": f"/subscriptions/{rg['subscriptionId']}/resourceGroups/{rg['name']}", "name": rg["name"],
            "type": "Microsoft.Resources/resourceGroups", "location": rg["location"]}
    if rg.get("managedBy"):
        body["managedBy"] = rg["managedBy"]
    if rg.get("tags"):
        body["tags"] = rg["tags"]
    body["properties"] = {"provisioningState": rg.get("provisioningState", "Succeeded")}
    return body


def _rg_common(emu, req: Request, action: str) -> tuple[dict, Scope]:
    require_api_version(req, RESOURCES_API_VERSIONS, "Microsoft.Resources/resourceGroups")
    sub = subscription_for(emu, req, req.group("sub"))
    scope = parse_scope(f"/subscriptions/{sub['subscriptionId']}/resourceGroups/{req.group('rg')}")
    authorize(emu, req, action, scope)
    return sub, scope


def _rg_missing(name: str) -> HttpError:
    return HttpError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def list_resource_groups(emu, req: Request) -> Response:
    """GET /subscriptions/{s}/resourcegroups."""
    require_api_version(req, RESOURCES_API_VERSIONS, "Microsoft.Resources/resourceGroups")
    sub = subscription_for(emu, req, req.group("sub"))
    authorize(emu, req, "Microsoft.Resources/subscriptions/resourceGroups/read",
              parse_scope(f"/subscriptions/{sub['subscriptionId']}"))
    groups = [_rg_body(rg) for rg in sorted(emu.state.resource_groups.values(), key=lambda r: r["name"].lower())
              if rg["subscriptionId"] == sub["subscriptionId"]]
    return Response(200, paged(emu, req, groups))


def get_resource_group(emu, req: Request) -> Response:
    """GET/HEAD /subscriptions/{s}/resourcegroups/{rg}; HEAD answers 204/404 without a body."""
    sub, _scope = _rg_common(emu, req, "Microsoft.Resources/subscriptions/resourceGroups/read")
    rg = emu.state.resource_group(sub["subscriptionId"], req.group("rg"))
    if req.method == "HEAD":
        return Response(204 if rg else 404)
    if rg is None:
        raise _rg_missing(req.group("rg"))
    return Response(200, _rg_body(rg))


def put_resource_group(emu, req: Request) -> Response:
    """PUT: 201 create, 200 update; location is required and immutable."""
    sub, _scope = _rg_common(emu, req, "Microsoft.Resources/subscriptions/resourceGroups/write")
    name = req.group("rg")
    if len(name) > 90 or name.endswith(".") or not re.fullmatch(r"[-\w._()]+", name):
        raise HttpError(400, "InvalidResourceGroup", f"The provided resource group name '{name}' has these invalid "
                        "characters or length; allowed are up to 90 letters, digits, '-', '_', '.', '(', ')' "
                        "and it cannot end with '.'.")
    body = req.json(arm_error_parse) or {}
    if not isinstance(body, dict):
        raise arm_error_parse("expected a JSON object")
    location = body.get("location")
    if not location:
        raise HttpError(400, "LocationRequired", "The location property is required for this definition.")
    existing = emu.state.resource_group(sub["subscriptionId"], name)
    if existing is not None:
        if existing["location"].replace(" ", "").lower() != str(location).replace(" ", "").lower():
            raise HttpError(400, "InvalidResourceGroupLocation",
                            f"Invalid resource group location '{location}'. The Resource group already exists in "
                            f"location '{existing['location']}'.")
        existing["tags"] = body.get("tags")
        if "managedBy" in body:
            existing["managedBy"] = body.get("managedBy")
        return Response(200, _rg_body(existing))
    rg = emu.state.add_resource_group({"name": name, "location": str(location).replace(" ", "").lower(),
                                       "tags": body.get("tags"), "managedBy": body.get("managedBy"),
                                       "subscriptionId": sub["subscriptionId"]})
    return Response(201, _rg_body(rg))


def patch_resource_group(emu, req: Request) -> Response:
    """PATCH: update tags / managedBy."""
    sub, _scope = _rg_common(emu, req, "Microsoft.Resources/subscriptions/resourceGroups/write")
    rg = emu.state.resource_group(sub["subscriptionId"], req.group("rg"))
    if rg is None:
        raise _rg_missing(req.group("rg"))
    body = req.json(arm_error_parse) or {}
    if "tags" in body:
        rg["tags"] = body["tags"]
    if "managedBy" in body:
        rg["managedBy"] = body["managedBy"]
    return Response(200, _rg_body(rg))


def delete_resource_group(emu, req: Request) -> Response:
    """DELETE: 202 + Location to poll; the group, its resources and role assignments are removed."""
    sub, scope = _rg_common(emu, req, "Microsoft.Resources/subscriptions/resourceGroups/delete")
    state = emu.state
    rg = state.resource_group(sub["subscriptionId"], req.group("rg"))
    if rg is None:
        raise _rg_missing(req.group("rg"))
    prefix = scope.key + "/"
    for key in [k for k in state.resources if k.startswith(prefix)]:
        del state.resources[key]
    for name in [n for n, a in state.role_assignments.items() if a["scopeKey"] == scope.key or a["scopeKey"].startswith(prefix)]:
        del state.role_assignments[name]
    del state.resource_groups[(sub["subscriptionId"], rg["name"].lower())]
    op_id = uuid.uuid4().hex.upper()
    state.operations[op_id] = {"done_at": clock.now() + float(state.config["lro_duration"]),
                               "subscription": sub["subscriptionId"]}
    location = (f"{emu.base_url}/subscriptions/{sub['subscriptionId']}/operationresults/"
                f"{op_id}?api-version={req.arg('api-version')}")
    return Response(202, None, {"Location": location, "Retry-After": str(state.config["lro_retry_after"])})


def operation_result(emu, req: Request) -> Response:
    """GET the Location of an ARM async operation: 202 while running, then 200."""
    subscription_for(emu, req, req.group("sub"))
    op = emu.state.operations.get(req.group("op").upper())
    if op is None:
        raise HttpError(404, "NotFound", f"Operation '{req.group('op')}' was not found.")
    if clock.now() < op["done_at"]:
        return Response(202, None, {"Location": f"{emu.base_url}{req.path}?{req.query_string}",
                                    "Retry-After": str(emu.state.config["lro_retry_after"])})
    return Response(200)


def arm_fallback(_emu, req: Request) -> Response:
    """Any ARM path the emulator does not implement."""
    raise HttpError(404, "InvalidResourceType",
                    f"The resource type for path '{req.path}' could not be found (not emulated).")


def decorate(req: Request, response: Response) -> None:
    """Standard ARM response headers."""
    headers = response.headers
    headers.setdefault("Cache-Control", "no-cache")
    headers.setdefault("Pragma", "no-cache")
    headers.setdefault("Expires", "-1")
    headers["x-ms-request-id"] = req.request_id
    headers["x-ms-correlation-request-id"] = req.header("x-ms-correlation-request-id") or req.request_id
    headers["x-ms-routing-request-id"] = f"EMULATOR:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(clock.now()))}:{req.request_id}"
    client_request_id = req.header("x-ms-client-request-id")
    if client_request_id:
        headers["x-ms-client-request-id"] = client_request_id
    if req.method in ("PUT", "PATCH", "POST"):
        headers.setdefault("x-ms-ratelimit-remaining-subscription-writes", "1199")
    elif req.method == "DELETE":
        headers.setdefault("x-ms-ratelimit-remaining-subscription-deletes", "14999")
    else:
        headers.setdefault("x-ms-ratelimit-remaining-subscription-reads", "11999")


def register(router, _emu) -> None:
    """Routes for subscriptions and resource groups."""
    sub = r"/subscriptions/(?P<sub>[^/]+)"
    router.add("arm", "GET", r"/subscriptions/?", list_subscriptions, pre=arm_pre)
    router.add("arm", "GET", sub + r"/?", get_subscription, pre=arm_pre)
    router.add("arm", "GET", sub + r"/resourcegroups/?", list_resource_groups, pre=arm_pre)
    rg = sub + r"/resourcegroups/(?P<rg>[^/]+)/?"
    router.add("arm", ("GET", "HEAD"), rg, get_resource_group, pre=arm_pre)
    router.add("arm", "PUT", rg, put_resource_group, pre=arm_pre)
    router.add("arm", "PATCH", rg, patch_resource_group, pre=arm_pre)
    router.add("arm", "DELETE", rg, delete_resource_group, pre=arm_pre)
    router.add("arm", "GET", sub + r"/operationresults/(?P<op>[^/]+)", operation_result, pre=arm_pre)
    router.fallback("arm", arm_fallback, pre=arm_pre)
    router.decorator("arm", decorate)
