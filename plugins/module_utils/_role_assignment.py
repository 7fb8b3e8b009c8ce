# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired-state logic for Azure role assignments, shared by every module that grants a role.

The assignment's name is a GUID derived from (scope, role, principal), so a retried or re-run
create lands on the same resource. An equal assignment made elsewhere under another name
(portal, CLI, Bicep) is found by listing the principal's assignments and adopted, never
duplicated; a 409 ``RoleAssignmentExists`` on create means the same and is handled the same.
The service behaviour relied on is in docs/service-behaviour.md#arm-role-assignments.
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._arm import ROLE_ASSIGNMENTS, role_guid, scope_kind
from ansible_collections.azdo.identity.plugins.module_utils._compare import (
    differences, ids_equal, is_guid, normalize_id, stable_guid,
)
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, failing_to
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._url import odata_quote
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline, retry

PRINCIPAL_TYPES = ("ServicePrincipal", "User", "Group", "ForeignGroup", "Device")
MUTABLE_FIELDS = ("description", "condition", "condition_version")
# What the role_assignment modules return for an assignment.
RESULT_KEYS = ("id", "name", "scope", "role_definition_id", "role_name", "principal_id", "principal_type",
               "description", "condition", "condition_version")


class RoleAssignmentError(InputError):
    """Bad input or an unresolvable role, raised before any write."""


def public_assignment(assignment):
    """The module-facing subset of a normalized assignment (empty for none)."""
    if not assignment:
        return {}
    return dict((k, assignment.get(k)) for k in RESULT_KEYS)


def clean_scope(scope):
    """The scope as given, with exactly one leading slash and no trailing slash (case kept)."""
    parts = [p for p in str(scope or "").strip().split("/") if p]
    return "/" + "/".join(parts)


def validate_scope(scope, option="scope"):
    """An error message for an unusable scope, or ``None``."""
    if not scope or not str(scope).strip().strip("/"):
        return "%s must be an Azure scope such as /subscriptions/<id>; got '%s'" % (option, scope)
    kind = scope_kind(clean_scope(scope))
    if kind in (None, "root"):
        return ("%s must be a subscription (/subscriptions/<id>), a resource group "
                "(/subscriptions/<id>/resourceGroups/<name>), a resource id, or a management group "
                "(/providers/Microsoft.Management/managementGroups/<name>); got '%s'" % (option, scope))
    if kind != "management_group":
        subscription = [p for p in clean_scope(scope).split("/") if p][1]
        if not is_guid(subscription):
            return "%s has '%s' where a subscription id (a GUID) belongs" % (option, subscription)
    return None


def resolve_role(arm, scope, role):
    """``dict(id, guid, role_name)`` for a role given by name, GUID or full role definition id."""
    value = str(role or "").strip()
    if not value:
        raise RoleAssignmentError("role must be a role name such as 'Contributor', a role definition GUID, "
                                  "or a full role definition id", code="InvalidRole")
    if is_guid(value) or "/providers/microsoft.authorization/roledefinitions/" in value.lower():
        guid = value.lower() if is_guid(value) else role_guid(value)
        if not is_guid(guid):
            raise RoleAssignmentError("role '%s' does not end in a role definition GUID" % value, code="InvalidRole")
        found = arm.role_definition(scope, guid)
        if found is None:
            raise RoleAssignmentError("role definition %s does not exist or is not assignable at %s" % (value, scope),
                                      code="RoleDefinitionDoesNotExist")
        return dict(id=found["id"], guid=guid, role_name=found["role_name"])
    matches = [d for d in arm.role_definitions_by_name(scope, value) if (d["role_name"] or "").lower() == value.lower()]
    if not matches:
        raise RoleAssignmentError("no role named '%s' is available at %s; check the spelling (names such as "
                                  "'Contributor' or 'Key Vault Secrets User') or pass the role definition GUID"
                                  % (value, scope), code="RoleDefinitionDoesNotExist")
    if len(matches) > 1:
        raise RoleAssignmentError("%d roles are named '%s' at %s; pass the role definition GUID instead: %s"
                                  % (len(matches), value, scope, ", ".join(m["name"] for m in matches)),
                                  code="AmbiguousRole")
    return dict(id=matches[0]["id"], guid=matches[0]["name"].lower(), role_name=matches[0]["role_name"])


def assignment_name(scope, role, principal_id):
    return stable_guid(normalize_id(scope), role["guid"], principal_id)


def _matches(assignment, scope, role, principal_id):
    return (ids_equal(assignment.get("scope"), scope)
            and role_guid(assignment.get("role_definition_id")) == role["guid"]
            and (assignment.get("principal_id") or "").lower() == principal_id.lower())


def find_assignment(arm, scope, role, principal_id, allow_list_failure=False):
    """The existing assignment of ``role`` to ``principal_id`` exactly at ``scope``, or ``None``.

    Looks at the deterministic name first (one GET), then lists the principal's assignments.
    """
    name = assignment_name(scope, role, principal_id)
    found = arm.role_assignment(scope, name, role["role_name"])
    if found is not None and _matches(found, scope, role, principal_id):
        return found
    try:
        listed = arm.role_assignments(scope, "principalId eq %s" % odata_quote(principal_id))
    except ApiError as exc:
        if allow_list_failure and exc.status == 403:
            return None
        raise
    for item in listed:
        if _matches(item, scope, role, principal_id):
            item["role_name"] = role["role_name"]
            return item
    return None


def desired_assignment(scope, role, principal_id, principal_type, description=None, condition=None,
                       condition_version=None, name=None):
    name = name or assignment_name(scope, role, principal_id)
    return dict(
        id="%s/%s/%s" % (clean_scope(scope), ROLE_ASSIGNMENTS, name),
        name=name, scope=clean_scope(scope), role_definition_id=role["id"], role_name=role["role_name"],
        principal_id=principal_id, principal_type=principal_type, description=description,
        condition=condition, condition_version=(condition_version or "2.0") if condition else condition_version,
    )


def _properties(assignment):
    props = dict(roleDefinitionId=assignment["role_definition_id"], principalId=assignment["principal_id"],
                 principalType=assignment["principal_type"])
    if assignment.get("description") is not None:
        props["description"] = assignment["description"]
    if assignment.get("condition"):
        props["condition"] = assignment["condition"]
        props["conditionVersion"] = assignment.get("condition_version") or "2.0"
    return props


def _put_with_replication_retry(arm, scope, name, properties, role_name, deadline):
    """PUT, retrying ``PrincipalNotFound`` (a principal created moments ago) until ``deadline``
    (docs/service-behaviour.md#new-principals-are-not-visible-at-once)."""
    return retry(lambda: arm.put_role_assignment(scope, name, properties, role_name),
                 lambda exc: exc.has_code("PrincipalNotFound"), deadline,
                 "Principal %s is not visible to Azure RBAC yet (replication delay)" % properties["principalId"],
                 cap=15.0)


def ensure_present(arm, scope, role, principal_id, principal_type="ServicePrincipal", description=None,
                   condition=None, condition_version=None, check_mode=False, principal_timeout=300,
                   progress=None, principal_problem=None, deadline=None):
    """Make the assignment exist. Returns ``(changed, before, after)``; in check mode ``after`` is predicted.

    ``principal_problem()``, when given, is asked before an assignment is created (in check mode too) and returns
    a message when ``principal_id`` is not a principal of ``principal_type``: ARM accepts a client id as a GUID
    and, with ``principalType`` set, does not look it up, so the mistake would otherwise become a useless grant.

    ``deadline`` bounds the retries while a new principal replicates; without one, ``principal_timeout`` seconds
    (on the real clock) are allowed.
    """
    progress = progress or (lambda msg: None)
    scope = clean_scope(scope)
    existing = find_assignment(arm, scope, role, principal_id, allow_list_failure=True)
    desired = desired_assignment(scope, role, principal_id, principal_type, description, condition,
                                 condition_version, name=existing["name"] if existing else None)
    if existing is not None:
        wanted = dict((k, desired[k]) for k in MUTABLE_FIELDS)
        if wanted["condition"] and not wanted["condition_version"]:
            wanted["condition_version"] = "2.0"
        if not differences(wanted, existing):
            return False, existing, existing
        update = dict(existing)
        update.update(dict((k, v) for k, v in wanted.items() if v is not None))
        update["principal_type"] = existing.get("principal_type") or principal_type
        update["role_definition_id"] = existing.get("role_definition_id") or role["id"]
        if check_mode:
            return True, existing, update
        after = arm.put_role_assignment(existing["scope"] or scope, existing["name"], _properties(update),
                                        role["role_name"])
        return True, existing, after
    problem = principal_problem() if principal_problem is not None else None
    if problem:
        raise InputError(problem + ". Nothing was changed.")
    if check_mode:
        return True, None, desired
    try:
        if deadline is None:
            deadline = Deadline(principal_timeout, progress=progress, option="principal_timeout")
        after = _put_with_replication_retry(arm, scope, desired["name"], _properties(desired), role["role_name"],
                                            deadline)
    except ApiError as exc:
        if not exc.has_code("RoleAssignmentExists"):
            raise
        # An equal assignment exists under another name that the caller could not list before.
        adopted = find_assignment(arm, scope, role, principal_id, allow_list_failure=True)
        if adopted is None:
            progress("Azure reports the role assignment already exists, but it cannot be listed with this "
                     "identity's permissions; nothing was changed")
            return False, desired, desired
        return False, adopted, adopted
    return True, None, after


def ensure_absent(arm, scope, role, principal_id, check_mode=False):
    """Remove the assignment wherever it is named. Returns ``(changed, before, after)``."""
    scope = clean_scope(scope)
    existing = find_assignment(arm, scope, role, principal_id)
    if existing is None:
        return False, None, None
    if not check_mode:
        arm.delete_role_assignment(existing["id"])
    return True, existing, None


# ---------------------------------------------------------------------------------------------- entry point
def validate(params):
    """The problem with the role_assignment options ``params``, before any request, or None."""
    problem = validate_scope(params["scope"])
    if problem:
        return problem
    if not is_guid(params["principal_id"]):
        return ("principal_id must be the object id (a GUID) of a service principal, managed identity, user or "
                "group; got '%s'" % params["principal_id"])
    if params["condition_version"] and not params["condition"]:
        return "condition_version is only meaningful with condition"
    if params["principal_timeout"] < 0:
        return "principal_timeout must be zero or more seconds; got %s" % params["principal_timeout"]
    return None


def ensure(ctx, params):
    """Make the assignment ``params`` describe exist (or not). Returns ``dict(changed, before, after)``."""
    problem = validate(params)
    if problem:
        raise InputError(problem)
    scope = clean_scope(params["scope"])
    principal_id = params["principal_id"].lower()
    arm = ctx.clients.arm
    with failing_to("resolve", "role '%s' at %s" % (params["role"], scope)):
        role = resolve_role(arm, scope, params["role"])
    what = "role assignment of '%s' to %s at %s" % (role["role_name"], principal_id, scope)
    if params["state"] == "absent":
        with failing_to("remove", what):
            changed, before, after = ensure_absent(arm, scope, role, principal_id, check_mode=ctx.check_mode)
    else:
        def principal_problem():
            # Best effort: a caller that may not read the directory skips the check (see _directory.py).
            from ansible_collections.azdo.identity.plugins.module_utils import _directory as directory  # pylint: disable=import-outside-toplevel
            try:
                graph = ctx.clients.graph
            except InputError:
                return None
            return directory.principal_problem(graph, principal_id, params["principal_type"])

        with failing_to("create or update", what):
            changed, before, after = ensure_present(
                arm, scope, role, principal_id, params["principal_type"], params["description"],
                params["condition"], params["condition_version"], check_mode=ctx.check_mode,
                principal_timeout=params["principal_timeout"], progress=ctx.progress,
                principal_problem=principal_problem)
    return dict(changed=changed, before=public_assignment(before), after=public_assignment(after))


# The module's own options (its documentation lists them); shared with the callers that check many at once.
ARGUMENT_SPEC = dict(
    scope=dict(type="str", required=True),
    role=dict(type="str", required=True, aliases=["role_definition"]),
    principal_id=dict(type="str", required=True),
    principal_type=dict(type="str", default="ServicePrincipal", choices=list(PRINCIPAL_TYPES)),
    description=dict(type="str"),
    condition=dict(type="str"),
    condition_version=dict(type="str", choices=["2.0"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    principal_timeout=dict(type="int", default=300),
)
