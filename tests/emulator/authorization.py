# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft.Authorization: role definitions and role assignments at any scope [CONTRACTS 4]."""

from __future__ import annotations

import re

from . import clock
from .arm_resources import (arm_error_parse, arm_pre, authorize, check_scope, paged, parse_scope_or_404,
                            require_api_version)
from .scopes import Scope
from .state import PRINCIPAL_TYPES, now_stamp
from .web import HttpError, Request, Response, is_guid

# Version folders of the Microsoft.Authorization specs (UNCONFIRMED as complete lists).
ROLE_ASSIGNMENT_VERSIONS = frozenset({
    "2015-07-01", "2017-10-01-preview", "2018-01-01-preview", "2018-09-01-preview", "2020-03-01-preview",
    "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview", "2022-04-01",
})
ROLE_DEFINITION_VERSIONS = frozenset({
    "2015-07-01", "2018-01-01-preview", "2022-04-01", "2022-05-01-preview",
})
RA_TYPE = "Microsoft.Authorization/roleAssignments"
RD_TYPE = "Microsoft.Authorization/roleDefinitions"
PROVIDER = "/providers/Microsoft.Authorization"
ROLE_DEF_ID_RE = re.compile(r"^(?:/subscriptions/(?P<sub>[^/]+))?/providers/Microsoft\.Authorization/roleDefinitions/"
                            r"(?P<guid>[0-9a-fA-F-]{36})/?$", re.IGNORECASE)
FILTER_TERM_RE = {
    "atScope": re.compile(r"^atScope\(\)$", re.IGNORECASE),
    "principalId": re.compile(r"^principalId\s+eq\s+'(?P<v>[^']*)'$", re.IGNORECASE),
    "assignedTo": re.compile(r"^assignedTo\('(?P<v>[^']*)'\)$", re.IGNORECASE),
    "roleName": re.compile(r"^roleName\s+eq\s+'(?P<v>[^']*)'$", re.IGNORECASE),
    "type": re.compile(r"^type\s+eq\s+'(?P<v>[^']*)'$", re.IGNORECASE),
}


def role_definition_id(guid: str, sub: str | None) -> str:
    """Role definition id as ARM renders it: subscription-prefixed when asked below a subscription."""
    if sub:
        return f"/subscriptions/{sub}{PROVIDER}/roleDefinitions/{guid}"
    return f"{PROVIDER}/roleDefinitions/{guid}"


def assignment_id(scope_text: str, name: str) -> str:
    """Full id of a role assignment."""
    return f"{'' if scope_text == '/' else scope_text}{PROVIDER}/roleAssignments/{name}"


def render_assignment(ra: dict, sub: str | None, *, created_by_null: bool = False) -> dict:
    """RoleAssignment body; key order follows the recorded responses."""
    props = {
        "roleDefinitionId": role_definition_id(ra["roleDefinitionGuid"], sub),
        "principalId": ra["principalId"],
        "principalType": ra["principalType"],
        "scope": ra["scope"],
        "condition": ra["condition"],
        "conditionVersion": ra["conditionVersion"],
        "createdOn": ra["createdOn"],
        "updatedOn": ra["updatedOn"],
        "createdBy": None if created_by_null else ra["createdBy"],
        "updatedBy": ra["updatedBy"],
        "delegatedManagedIdentityResourceId": ra["delegatedManagedIdentityResourceId"],
        "description": ra["description"],
    }
    return {"properties": props, "id": assignment_id(ra["scope"], ra["name"]), "type": RA_TYPE, "name": ra["name"]}


def render_definition(role: dict, sub: str | None) -> dict:
    """RoleDefinition body."""
    props = {
        "roleName": role["roleName"],
        "type": role["type"],
        "description": role["description"],
        "assignableScopes": role["assignableScopes"],
        "permissions": role["permissions"],
        "createdOn": role.get("createdOn"),
        "updatedOn": role.get("updatedOn"),
        "createdBy": None,
        "updatedBy": None,
    }
    return {"properties": props, "id": role_definition_id(role["name"], sub), "type": RD_TYPE, "name": role["name"]}


def parse_filter(text: str | None, allowed: tuple) -> dict:
    """Split an OData ``$filter`` of ``and``-joined terms into {term: value}."""
    if not text or not text.strip():
        return {}
    terms: dict = {}
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        for name in allowed:
            match = FILTER_TERM_RE[name].match(part.strip())
            if match:
                terms[name] = match.groupdict().get("v", True)
                break
        else:
            raise _unsupported_filter(text, allowed)
    return terms


def _unsupported_filter(text: str, allowed: tuple) -> HttpError:
    names = {"atScope": "atScope()", "principalId": "principalId eq '{value}'", "assignedTo": "assignedTo('{value}')",
             "roleName": "roleName eq '{value}'", "type": "type eq '{value}'"}
    return HttpError(400, "UnsupportedQuery", f"The filter '{text}' is not supported; use "
                     + " or ".join(names[a] for a in allowed) + ".")


def _scope_from_request(emu, req: Request) -> Scope:
    scope = parse_scope_or_404(req.group("scope"))
    check_scope(emu, req, scope)
    return scope


# ---------------------------------------------------------------------------- role definitions
def list_role_definitions(emu, req: Request) -> Response:
    """GET {scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=roleName eq '..' and type eq '..']."""
    require_api_version(req, ROLE_DEFINITION_VERSIONS, RD_TYPE, provider=True)
    scope = _scope_from_request(emu, req)  # built-in definitions are readable by any caller: no RBAC check
    terms = parse_filter(req.arg("$filter"), ("roleName", "type"))
    roles = sorted(emu.state.role_definitions.values(), key=lambda r: r["roleName"].lower())
    if "roleName" in terms:
        roles = [r for r in roles if r["roleName"].lower() == terms["roleName"].lower()]
    if "type" in terms:
        roles = [r for r in roles if r["type"].lower() == terms["type"].lower()]
    items = [render_definition(r, scope.subscription) for r in roles]
    extra = {"$filter": req.arg("$filter")} if req.arg("$filter") else None
    return Response(200, paged(emu, req, items, extra))


def get_role_definition(emu, req: Request) -> Response:
    """GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid} (also the full id)."""
    require_api_version(req, ROLE_DEFINITION_VERSIONS, RD_TYPE, provider=True)
    scope = _scope_from_request(emu, req)  # built-in definitions are readable by any caller: no RBAC check
    role = emu.state.role_definitions.get(req.group("guid").lower())
    if role is None:
        raise HttpError(404, "RoleDefinitionDoesNotExist",
                        f"The specified role definition with ID '{req.group('guid')}' does not exist.")
    return Response(200, render_definition(role, scope.subscription))


# ---------------------------------------------------------------------------- role assignments
def _find_assignment(emu, scope: Scope, name: str) -> dict | None:
    ra = emu.state.role_assignments.get(name.lower())
    if ra is None or ra["scopeKey"] != scope.key:
        return None
    return ra


def get_role_assignment(emu, req: Request) -> Response:
    """GET one assignment: 200, or 404 RoleAssignmentNotFound."""
    require_api_version(req, ROLE_ASSIGNMENT_VERSIONS, RA_TYPE, provider=True)
    scope = _scope_from_request(emu, req)
    authorize(emu, req, f"{RA_TYPE}/read", scope)
    ra = _find_assignment(emu, scope, req.group("name"))
    if ra is None:
        raise HttpError(404, "RoleAssignmentNotFound", f"The role assignment '{req.group('name')}' is not found.")
    return Response(200, render_assignment(ra, scope.subscription))


def delete_role_assignment(emu, req: Request) -> Response:
    """DELETE: 200 with the deleted assignment, 204 when there is none."""
    require_api_version(req, ROLE_ASSIGNMENT_VERSIONS, RA_TYPE, provider=True)
    scope = _scope_from_request(emu, req)
    authorize(emu, req, f"{RA_TYPE}/delete", scope)
    ra = _find_assignment(emu, scope, req.group("name"))
    if ra is None:
        return Response(204)
    del emu.state.role_assignments[ra["name"]]
    ra["updatedOn"] = now_stamp()
    ra["updatedBy"] = req.claims.get("oid")
    return Response(200, render_assignment(ra, scope.subscription))


def _validate_body(req: Request, name: str) -> dict:
    if not is_guid(name):
        raise HttpError(400, "InvalidRoleAssignmentId",
                        f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.")
    body = req.json(arm_error_parse)
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict) or not props.get("roleDefinitionId") or not props.get("principalId"):
        raise HttpError(400, "InvalidCreateRoleAssignmentRequest",
                        f"The request to create role assignment '{name}' is not valid: properties.roleDefinitionId "
                        "and properties.principalId are required.")
    if not is_guid(props["principalId"]):
        raise HttpError(400, "InvalidPrincipalId",
                        f"The Principal ID '{props['principalId']}' is not valid. Principal ID must be a GUID.")
    if not ROLE_DEF_ID_RE.match(str(props["roleDefinitionId"])):
        raise HttpError(400, "InvalidRoleDefinitionId",
                        f"The role definition ID '{props['roleDefinitionId']}' is not valid.")
    ptype = props.get("principalType")
    if ptype is not None and ptype not in PRINCIPAL_TYPES:
        raise HttpError(400, "InvalidPrincipalType",
                        f"The principal type '{ptype}' is not valid; use one of {', '.join(PRINCIPAL_TYPES)}.")
    return props


def _principal_not_found(tenant_id: str, principal_id: str) -> HttpError:
    # Message as quoted in CONTRACTS 4.2 [I-PNF] / recorded in test_container_create_with_msi_scope.yaml.
    return HttpError(400, "PrincipalNotFound",
                     f"Principal {principal_id.replace('-', '')} does not exist in the directory "
                     f"{tenant_id}. Check that you have the correct principal ID. If you are creating "
                     "this principal and then immediately assigning a role, this error might be related to a "
                     "replication delay. In this case, set the role assignment principalType property to a value, "
                     "such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype")


def _unmatched_principal_type(principal_id: str, actual: str, sent: str) -> HttpError:
    # Code and message as quoted from a failed deployment in Azure/modern-web-app-pattern-dotnet#129 (2023-04-18),
    # including the service's spelling "PrinciaplType" and the space before the comma. UNCONFIRMED: the HTTP
    # status (400; the thread quotes the deployment error, not the status line) and the id's spelling (the thread
    # redacts it; the id is echoed as sent).
    return HttpError(400, "UnmatchedPrincipalType",
                     f"The PrincipalId '{principal_id}' has type '{actual}' , which is different from "
                     f"specified PrinciaplType '{sent}'.")


def put_role_assignment(emu, req: Request) -> Response:
    """PUT: create (201), update (201 as recorded; configurable), or the real error for each conflict."""
    require_api_version(req, ROLE_ASSIGNMENT_VERSIONS, RA_TYPE, provider=True)
    name = req.group("name").lower()
    props = _validate_body(req, name)
    scope = _scope_from_request(emu, req)
    authorize(emu, req, f"{RA_TYPE}/write", scope)
    state = emu.state
    rd_match = ROLE_DEF_ID_RE.match(str(props["roleDefinitionId"]))
    guid = rd_match.group("guid").lower()
    if guid not in state.role_definitions:
        raise HttpError(400, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{guid}' does not exist.")
    principal_id = props["principalId"].lower()
    caller = req.claims.get("oid")
    now = now_stamp()
    existing = state.role_assignments.get(name)
    if existing is not None:
        if existing["scopeKey"] != scope.key or existing["principalId"] != principal_id \
                or existing["roleDefinitionGuid"] != guid:
            raise HttpError(400, "RoleAssignmentUpdateNotPermitted",
                            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
        for key in ("description", "condition", "conditionVersion"):
            existing[key] = props.get(key)
        if props.get("principalType"):
            existing["principalType"] = props["principalType"]
        existing["updatedOn"] = now
        existing["updatedBy"] = caller
        status = int(state.config["role_assignment_update_status"])
        return Response(status, render_assignment(existing, scope.subscription, created_by_null=True))
    ptype = props.get("principalType")
    principal = state.principal_visible(principal_id, clock.now())
    if principal is not None and principal["tenantId"] != str(req.claims.get("tid")):
        principal = None  # another tenant's object is not in this directory
    if principal is None and not (ptype is not None and state.config["principal_type_bypasses_replication"]):
        # Without principalType ARM must find the principal in its (replicated) directory view.
        raise _principal_not_found(str(req.claims.get("tid")), principal_id)
    if principal is not None and ptype is not None and ptype != principal["type"] \
            and state.config["unmatched_principal_type_check"]:
        # A principal ARM can see is compared with the principalType sent. One it cannot see (unknown GUID, not
        # replicated yet) is accepted with the type as sent when principalType bypasses the lookup: ARM has
        # nothing to compare with, so a client id or a typo becomes a useless grant (the collection checks
        # the type through Graph before the PUT for that reason).
        raise _unmatched_principal_type(principal_id, principal["type"], ptype)
    for other in state.role_assignments.values():
        if other["scopeKey"] == scope.key and other["principalId"] == principal_id and other["roleDefinitionGuid"] == guid:
            raise HttpError(409, "RoleAssignmentExists", "The role assignment already exists.")
    record = {
        "name": name, "scope": state.canonical_scope_text(scope), "scopeKey": scope.key, "roleDefinitionGuid": guid,
        "principalId": principal_id, "principalType": ptype or (principal["type"] if principal else "User"),
        "description": props.get("description"), "condition": props.get("condition"),
        "conditionVersion": props.get("conditionVersion"),
        "delegatedManagedIdentityResourceId": props.get("delegatedManagedIdentityResourceId"),
        "createdOn": now, "updatedOn": now, "createdBy": caller, "updatedBy": caller, "seq": state.next_seq(),
    }
    state.role_assignments[name] = record
    return Response(201, render_assignment(record, scope.subscription, created_by_null=True))


def list_role_assignments(emu, req: Request) -> Response:
    """GET {scope}/.../roleAssignments with $filter atScope(), principalId eq, assignedTo() (and-combined)."""
    require_api_version(req, ROLE_ASSIGNMENT_VERSIONS, RA_TYPE, provider=True)
    scope = _scope_from_request(emu, req)
    authorize(emu, req, f"{RA_TYPE}/read", scope)
    text = req.arg("$filter")
    terms = parse_filter(text, ("atScope", "principalId", "assignedTo"))
    if "principalId" in terms and "assignedTo" in terms:
        raise _unsupported_filter(text, ("atScope", "principalId", "assignedTo"))
    if "atScope" in terms and "principalId" in terms and emu.state.config["reject_atscope_and_principalid"]:
        raise HttpError(400, "UnsupportedQuery",
                        f"The filter '{text}' is not supported: atScope() cannot be combined with principalId eq; "
                        "use atScope() and assignedTo('{objectId}').")
    state = emu.state
    above = set(state.ancestors(scope))
    principals = None
    if "principalId" in terms:
        principals = {terms["principalId"].lower()}
    elif "assignedTo" in terms:
        principals = state.group_closure(terms["assignedTo"])
    items = []
    for ra in sorted(state.role_assignments.values(), key=lambda r: r["seq"]):
        if principals is not None and ra["principalId"] not in principals:
            continue
        at_or_above = ra["scopeKey"] in above
        if "atScope" in terms:
            if not at_or_above:
                continue
        elif not at_or_above and scope.key not in state.ancestors(parse_scope_or_404(ra["scope"])):
            continue
        items.append(render_assignment(ra, scope.subscription))
    extra = {"$filter": text} if text else None
    return Response(200, paged(emu, req, items, extra))


def register(router, _emu) -> None:
    """Routes for role definitions and role assignments at any scope."""
    scope = r"(?P<scope>(?:/[^/]+)*?)"
    ra = scope + r"/providers/Microsoft\.Authorization/roleAssignments"
    rd = scope + r"/providers/Microsoft\.Authorization/roleDefinitions"
    router.add("arm", "GET", ra + r"/?", list_role_assignments, pre=arm_pre)
    router.add("arm", "GET", ra + r"/(?P<name>[^/]+)/?", get_role_assignment, pre=arm_pre)
    router.add("arm", "PUT", ra + r"/(?P<name>[^/]+)/?", put_role_assignment, pre=arm_pre)
    router.add("arm", "DELETE", ra + r"/(?P<name>[^/]+)/?", delete_role_assignment, pre=arm_pre)
    router.add("arm", "GET", rd + r"/?", list_role_definitions, pre=arm_pre)
    router.add("arm", "GET", rd + r"/(?P<guid>[^/]+)/?", get_role_definition, pre=arm_pre)
