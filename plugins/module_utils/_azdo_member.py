# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A service principal or managed identity as a member of an Azure DevOps organization.

The desired-state logic of ``azdo_service_principal``: the member's access level (license) and its group in
each project, through the Member Entitlement Management API, and the Graph subject it adds. ``ensure()``
takes a :class:`~._context.Context` and the module's options and returns ``dict(changed, before, after)``
with the normalized entitlement (``{}`` when the principal is not a member). The service behaviour relied on
here is in docs/service-behaviour.md#azure-devops-service-principals-in-the-organization, with sources.
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils import _directory as directory
from ansible_collections.azdo.identity.plugins.module_utils._azdo import (
    ACCESS_LEVEL_NAMES, GROUP_NAMES, answer_id, descriptor_key, entitlement_of_answer, normalize_entitlement,
)
from ansible_collections.azdo.identity.plugins.module_utils._compare import is_guid
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, OperationError, failing_to
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Pending

# access_level choice -> accountLicenseType (docs/service-behaviour.md#access-levels-express-may-come-back-as-earlyadopter)
ACCESS_LEVELS = {"stakeholder": "stakeholder", "basic": "express", "express": "express",
                 "basic_test_plans": "advanced", "advanced": "advanced",
                 "visual_studio_subscriber": "professional", "professional": "professional"}
# Azure DevOps has answered an express request with earlyAdopter (the spec's examples); Microsoft's Terraform
# provider treats the two as equal, so a member reported as earlyAdopter already has what express asks for
# (same section).
SAME_LICENSE = {"express": ("express", "earlyAdopter")}
# group choice -> groupType (the GroupType values, same section)
GROUPS = {"reader": "projectReader", "contributor": "projectContributor", "administrator": "projectAdministrator"}
LICENSE_DISPLAY = {"express": "Basic", "stakeholder": "Stakeholder", "advanced": "Basic + Test Plans",
                   "professional": "Visual Studio Subscriber"}
ID_HELP = directory.OBJECT_ID_HELP


# ---------------------------------------------------------------------------------------------- input
def validate(params):
    """The first problem with the options, or ``None``; nothing here touches the network."""
    principal = (params.get("principal_id") or "").strip()
    if not is_guid(principal):
        return ("principal_id must be the object id (a GUID) of a service principal or managed identity; got '%s'"
                % params.get("principal_id"))
    if params.get("principal_timeout") is not None and params["principal_timeout"] < 0:
        return "principal_timeout must be zero or more seconds; got %s" % params["principal_timeout"]
    entitlements = params.get("project_entitlements")
    if params.get("state") == "absent":
        given = [name for name in ("access_level", "project_entitlements") if params.get(name) is not None]
        if params.get("purge_project_entitlements"):
            given.append("purge_project_entitlements")
        if given:
            return ("%s only apply with state=present; state=absent removes the service principal from the "
                    "organization with all its entitlements" % ", ".join(given))
        return None
    if params.get("purge_project_entitlements") and entitlements is None:
        return ("purge_project_entitlements=true needs project_entitlements (give project_entitlements: [] to remove "
                "the service principal from every project)")
    seen = {}
    for index, item in enumerate(entitlements or []):
        project = (item.get("project") or "").strip()
        if not project:
            return "project_entitlements[%d].project must name a project (its name or id)" % index
        key = project.lower()
        if key in seen:
            return ("project_entitlements lists project '%s' twice (items %d and %d); a principal has one group per "
                    "project" % (project, seen[key], index))
        seen[key] = index
    return None


def desired_license(params):
    return ACCESS_LEVELS[params["access_level"]] if params.get("access_level") else None


def license_matches(current, wanted):
    return current in SAME_LICENSE.get(wanted, (wanted,))


# ---------------------------------------------------------------------------------------------- planning
def plan(current, license_type, projects, purge):
    """JSON Patch operations that turn ``current`` (normalized) into the wanted state; ``[]`` when none.

    ``projects`` is a list of ``(project_id, project_name, group_type)`` or ``None`` (leave projects alone).
    """
    operations = []
    if license_type and not license_matches(current.get("account_license_type"), license_type):
        operations.append({"op": "replace", "path": "/accessLevel",
                           "value": {"accountLicenseType": license_type, "licensingSource": "account"}})
    if projects is None:
        return operations
    have = dict((p["project_id"], p) for p in current.get("project_entitlements") or [])
    wanted = set()
    for project_id, dummy_name, group_type in projects:
        wanted.add(project_id)
        existing = have.get(project_id)
        if existing is None or existing["group_type"] != group_type:
            operations.append({"op": "add", "path": "/projectEntitlements/%s" % project_id,
                               "value": {"group": {"groupType": group_type}, "projectRef": {"id": project_id}}})
    if purge:
        for project_id, existing in sorted(have.items()):
            if project_id not in wanted and not existing.get("inherited"):
                operations.append({"op": "remove", "path": "/projectEntitlements/%s" % project_id})
    return operations


def _project_entry(project_id, name, group_type):
    return dict(project_id=project_id, project_name=name, group=GROUP_NAMES.get(group_type, group_type),
                group_type=group_type, inherited=False)


def sort_projects(projects):
    return sorted(projects, key=lambda p: ((p.get("project_name") or "").lower(), p.get("project_id") or ""))


def predict(current, operations, names):
    """``current`` with ``operations`` applied, the way the service is expected to apply them."""
    after = dict(current)
    projects = dict((p["project_id"], dict(p)) for p in current.get("project_entitlements") or [])
    for operation in operations:
        path = operation["path"]
        if path == "/accessLevel":
            license_type = operation["value"]["accountLicenseType"]
            after.update(account_license_type=license_type, access_level=ACCESS_LEVEL_NAMES.get(license_type),
                         license_display_name=LICENSE_DISPLAY.get(license_type))
        elif operation["op"] == "remove":
            projects.pop(path.rsplit("/", 1)[-1], None)
        else:
            project_id = path.rsplit("/", 1)[-1]
            name = names.get(project_id) or (projects.get(project_id) or {}).get("project_name")
            projects[project_id] = _project_entry(project_id, name, operation["value"]["group"]["groupType"])
    after["project_entitlements"] = sort_projects(projects.values())
    return after


def create_body(principal_id, license_type, projects):
    return {"accessLevel": {"accountLicenseType": license_type, "licensingSource": "account"},
            "projectEntitlements": [{"group": {"groupType": group_type}, "projectRef": {"id": project_id}}
                                    for project_id, dummy_name, group_type in projects or []],
            "servicePrincipal": {"origin": "aad", "originId": principal_id, "subjectKind": "servicePrincipal"}}


def new_member(principal_id, directory_entry, license_type, projects):
    """The predicted result for a principal not yet in the organization."""
    directory_entry = directory_entry or {}
    return dict(id=None, descriptor=None, origin_id=principal_id, origin="aad",
                application_id=directory_entry.get("appId"), display_name=directory_entry.get("displayName"),
                access_level=ACCESS_LEVEL_NAMES.get(license_type), account_license_type=license_type,
                license_display_name=LICENSE_DISPLAY.get(license_type), status=None,
                project_entitlements=sort_projects(_project_entry(pid, name, group) for pid, name, group in projects or []))


# ---------------------------------------------------------------------------------------------- reading
def find_member(azdo, organization_url, principal_id):
    """``(subject, entitlement)`` of the organization member with this object id; ``(None, None)`` when not a member.

    Fails when ``principal_id`` is the client id of a member (the usual mistake).
    """
    subject = by_client_id = None
    with failing_to("list", "the service principals of organization %s" % organization_url):
        for item in azdo.graph_service_principals():
            if (item.get("originId") or "").lower() == principal_id:
                subject = item
                break
            if by_client_id is None and (item.get("applicationId") or "").lower() == principal_id:
                by_client_id = item
    if subject is None:
        if by_client_id is not None:
            raise InputError(
                "principal_id %s is the client (application) id of service principal '%s', not its object id. %s: "
                "use principal_id %s" % (principal_id, by_client_id.get("displayName"), ID_HELP,
                                         by_client_id.get("originId")))
        return None, None
    return subject, read_entitlement(azdo, subject, principal_id)


def read_entitlement(azdo, subject, principal_id):
    """The entitlement of a Graph subject, through its storage key; ``None`` when it has none."""
    descriptor = subject.get("descriptor")
    with failing_to("read", "the Azure DevOps id of service principal %s (%s)" % (principal_id, descriptor)):
        key = azdo.storage_key(descriptor)
    candidate = key or descriptor_key(descriptor)
    body = None
    if candidate:
        with failing_to("read", "the entitlement of service principal %s" % principal_id):
            body = azdo.service_principal_entitlement(candidate)
    entitlement = normalize_entitlement(body)
    if entitlement is not None and entitlement["origin_id"] == principal_id:
        return entitlement
    if key:
        # In Graph, but without an entitlement (added through Graph only): adding one completes it.
        return None
    raise OperationError("Could not find the Azure DevOps id of service principal %s (descriptor %s): the "
                         "organization did not answer graph/storagekeys, and the id in the descriptor is not this "
                         "principal's" % (principal_id, descriptor))


def resolve_projects(azdo, organization_url, entitlements, current):
    """``[(project_id, name, group_type)]`` for the wanted projects, by id or name; fails naming an unknown one."""
    if entitlements is None:
        return None
    known = list((current or {}).get("project_entitlements") or [])
    resolved = []
    for index, item in enumerate(entitlements):
        ref = item["project"].strip()
        match = None
        for project in known:
            if ref.lower() in ((project.get("project_id") or "").lower(), (project.get("project_name") or "").lower()):
                match = (project["project_id"], project.get("project_name"))
                break
        if match is None:
            with failing_to("read", "project '%s'" % ref):
                body = azdo.project(ref)
            if not body or not body.get("id"):
                raise InputError("project_entitlements[%d].project: project '%s' was not found in organization %s, "
                                 "or the caller cannot see it" % (index, ref, organization_url))
            match = (body["id"].lower(), body.get("name"))
            known.append(dict(project_id=match[0], project_name=match[1]))
        if any(match[0] == r[0] for r in resolved):
            raise InputError("project_entitlements names project '%s' twice (by name and by id)" % (match[1] or ref))
        resolved.append((match[0], match[1], GROUPS[item["group"]]))
    return resolved


def directory_lookup(clients, principal_id):
    """What Microsoft Graph says about ``principal_id``: ``(service_principal, problem)``.

    ``problem`` names the id to use when ``principal_id`` is an app registration's object id, a client id or
    not a service principal at all. Both are ``None`` when Graph cannot be asked (a best-effort check).
    """
    try:
        found = directory.lookup_principal(clients.graph, principal_id)
    except InputError:  # no Microsoft Graph in this cloud
        return None, None
    if found is None:
        return None, None
    if found["problem"]:
        return None, found["problem"]
    if found["kind"] != "ServicePrincipal":
        return None, ("principal_id %s is a %s ('%s'), not a service principal or managed identity. %s"
                      % (principal_id, found["kind"], found["body"].get("displayName"), ID_HELP))
    return found["body"], None


def unknown_origin_message(principal_id, error):
    return ("Azure DevOps could not add principal_id %s: %s. %s of the Microsoft Entra tenant the organization is "
            "connected to; an app registration's object id or a client id is refused (the Enterprise application's "
            "page shows the right object id)" % (principal_id, (error.message or "").rstrip(". "), ID_HELP))


# ---------------------------------------------------------------------------------------------- writing
def add_member(ctx, organization_url, principal_id, license_type, projects, known_in_directory, principal_timeout):
    """POST the entitlement; while Graph knows the principal but Azure DevOps does not yet, wait and retry."""
    body = create_body(principal_id, license_type, projects)

    def step():
        try:
            return ctx.clients.azdo.add_service_principal_entitlement(body)
        except ApiError as exc:
            if not exc.has_code("EntitlementFailed"):
                raise
            error = InputError(unknown_origin_message(principal_id, exc))
            if known_in_directory and principal_id in (exc.message or "").lower():
                return Pending("Azure DevOps does not know service principal %s yet (created moments ago?)"
                               % principal_id, error=error)
            raise error

    with failing_to("add", "service principal %s to organization %s" % (principal_id, organization_url)):
        return ctx.poll(step, ctx.deadline(principal_timeout), first=1.0, cap=15.0, option="principal_timeout")


def apply_patch(azdo, entitlement_id, operations, principal_id, want):
    """PATCH; when refused, read back: an earlier attempt whose answer was lost may have done it already."""
    try:
        with failing_to("update", "the entitlement of service principal %s" % principal_id):
            answer = azdo.update_service_principal_entitlement(entitlement_id, operations)
    except ApiError:
        with failing_to("read", "the entitlement of service principal %s" % principal_id):
            again = normalize_entitlement(azdo.service_principal_entitlement(entitlement_id))
        if again is not None and not plan(again, *want):
            return again
        raise
    updated = normalize_entitlement(entitlement_of_answer(answer))
    if updated is None:
        with failing_to("read", "the entitlement of service principal %s" % principal_id):
            updated = normalize_entitlement(azdo.service_principal_entitlement(entitlement_id))
    return updated


def _result(changed, before, after):
    return dict(changed=changed, before=before or {}, after=after or {})


def ensure_absent(ctx, organization_url, principal_id, subject, current):
    if subject is None:
        return _result(False, {}, {})
    before = current or dict(id=None, descriptor=subject.get("descriptor"), origin_id=principal_id,
                             display_name=subject.get("displayName"), project_entitlements=[])
    if not ctx.check_mode:
        with failing_to("remove", "service principal %s from organization %s" % (principal_id, organization_url)):
            if current is not None:
                ctx.clients.azdo.delete_service_principal_entitlement(current["id"])
            else:
                ctx.clients.azdo.delete_graph_service_principal(subject["descriptor"])
    return _result(True, before, {})


def ensure(ctx, params, organization_url):
    """Make the principal's membership match ``params`` (the module's options); see the module docstring."""
    problem = validate(params)
    if problem:
        raise InputError(problem)
    azdo = ctx.clients.azdo
    principal_id = params["principal_id"].strip().lower()
    subject, current = find_member(azdo, organization_url, principal_id)
    if params["state"] == "absent":
        return ensure_absent(ctx, organization_url, principal_id, subject, current)

    projects = resolve_projects(azdo, organization_url, params["project_entitlements"], current)
    if current is None:
        license_type = desired_license(params) or ACCESS_LEVELS["basic"]
        found, mistake = directory_lookup(ctx.clients, principal_id)
        if mistake:
            raise InputError(mistake + ". Nothing was changed.")
        if ctx.check_mode:
            return _result(True, {}, new_member(principal_id, found, license_type, projects))
        answer = add_member(ctx, organization_url, principal_id, license_type, projects, found is not None, params["principal_timeout"])
        created = normalize_entitlement(entitlement_of_answer(answer))
        if created is None:
            with failing_to("read", "the entitlement of service principal %s" % principal_id):
                created = normalize_entitlement(azdo.service_principal_entitlement(answer_id(answer)))
        if created is None:
            raise OperationError("Azure DevOps accepted service principal %s but returned no entitlement for it; run "
                                 "the task again to read it" % principal_id)
        # Converge once: the add may not apply everything the body asked for (the spec's examples show answers
        # with other access levels and without the projects requested).
        missing = plan(created, license_type, projects, False)
        if missing:
            created = apply_patch(azdo, created["id"], missing, principal_id, (license_type, projects, False))
        return _result(True, {}, created)

    want = (desired_license(params), projects, params["purge_project_entitlements"])
    operations = plan(current, *want)
    if not operations:
        return _result(False, current, current)
    if ctx.check_mode:
        names = dict((pid, name) for pid, name, dummy in projects or [])
        return _result(True, current, predict(current, operations, names))
    return _result(True, current, apply_patch(azdo, current["id"], operations, principal_id, want))
