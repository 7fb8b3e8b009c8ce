# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state of an Azure Resource Manager service connection: create, update, finish, convert,
share and authorize, returning the same normalized shape in every branch.

The rules that keep a tenant owner unsurprised (the service behaviour behind them is in
docs/service-behaviour.md#azure-devops-service-connections):

* a connection is looked up by name with ``includeFailed=true``, so a failed one is found, never duplicated;
* an existing connection keeps its scheme and identity unless the task allows the change explicitly
  (``allow_scheme_change``, ``allow_identity_change``); an omitted option changes nothing (``_endpoint``);
* a create is never resent after an ambiguous failure; the name is looked up instead;
* a secret-based connection is never updated without its secret (the service may drop a stored one);
* issuer and subject are always read from Azure DevOps, never computed;
* a present connection that is not a draft ends ready, or the task fails: a connection whose verification
  failed is finished again. Before finishing, the federated credential is looked for on the identity, so a
  missing one fails at once instead of after the whole ``ready_timeout``.
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils import _pipeline_permissions as permissions
from ansible_collections.azdo.identity.plugins.module_utils._auth import ENV_TENANT, env_first
from ansible_collections.azdo.identity.plugins.module_utils._directory import (
    describe_identity, federated_credentials_of, identity_behind,
)
from ansible_collections.azdo.identity.plugins.module_utils._endpoint import (
    ENVIRONMENTS, SCHEMES, SCOPE_LEVELS, Desired, convertible, normalize, operation_state, revert_blocked,
)
from ansible_collections.azdo.identity.plugins.module_utils._endpoint_options import complete
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, failing_to
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError, TransportError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Pending

AUDIENCE = "api://AzureADTokenExchange"
# What Azure DevOps quotes from Entra when the federated credential it presents is unknown (yet):
# docs/service-behaviour.md#verification-quotes-entras-error.
NOT_REPLICATED_MARKERS = ("AADSTS70021", "AADSTS700211", "AADSTS700213", "No matching federated identity record")
# A finish is a write: while Entra replicates a credential it is repeated at most this many times
# (docs/service-behaviour.md#a-new-credential-takes-a-moment-to-work).
FINISH_CALLS = 5


def read_project(azdo, reference):
    with failing_to("read", "project '%s'" % reference):
        found = azdo.project(reference)
    if not found or not found.get("id"):
        raise InputError("Project '%s' was not found in %s, or this identity cannot see it"
                         % (reference, azdo.organization_url))
    return found


def find_by_name(azdo, project_id, name):
    """The connection called ``name`` in the project (failed ones included), or ``None``."""
    for endpoint in azdo.endpoints_by_name(project_id, name):
        names = [endpoint.get("name") or ""]
        names += [r.get("name") or "" for r in endpoint.get("serviceEndpointProjectReferences") or []
                  if (r.get("projectReference") or {}).get("id") == project_id]
        if any(n.lower() == name.lower() for n in names):
            return endpoint
    return None


def is_not_replicated(text):
    return any(marker in (text or "") for marker in NOT_REPLICATED_MARKERS)


# ---------------------------------------------------------------------------------------------- entry point
def ensure_options(ctx, params):
    """:func:`ensure` for the azdo_service_connection options ``params``."""
    if params["ready_timeout"] <= 0:
        raise InputError("ready_timeout must be a positive number of seconds; got %s" % params["ready_timeout"])
    # The identity's tenant when identity_tenant_id is left out: the tenant used to sign in (option, or the
    # environment names azure-identity and AWX's Azure credential use).
    sign_in_tenant = params.get("tenant") or env_first(ENV_TENANT)
    return ensure(ctx, params, params.get("cloud_environment"), sign_in_tenant)


def ensure(ctx, params, cloud_environment, sign_in_tenant):
    """Make the connection ``params`` describe exist (or not). Returns ``dict(changed, before, after)``."""
    azdo = ctx.clients.azdo
    project = read_project(azdo, params["project"])
    what = "service connection '%s' in project %s" % (params["name"], project["name"])
    with failing_to("look up", what):
        existing = find_by_name(azdo, project["id"], params["name"])
    before = normalize(existing)
    if params["state"] == "absent":
        changed = existing is not None
        if changed and not ctx.check_mode:
            with failing_to("delete", what):
                azdo.delete_endpoint(existing["id"], [project["id"]])
        return dict(changed=changed, before=before, after={})

    want = complete(params, before, cloud_environment, sign_in_tenant)
    wanted_permissions = None
    if want.get("pipeline_permissions"):
        wanted_permissions = _pipelines(azdo, project, want["pipeline_permissions"])
    extra_projects = [read_project(azdo, p) for p in want.get("share_with_projects") or []]
    deadline = ctx.deadline(want["ready_timeout"])
    if existing is None:
        changed, after = _create(ctx, want, project, deadline, what)
    else:
        changed, after = _update(ctx, want, project, existing, deadline, what)
    shared, after = _share(ctx, want, project, extra_projects, after, what)
    if wanted_permissions is not None:
        with failing_to("authorize", "pipelines for %s" % what):
            authorized, after["pipeline_permissions"] = permissions.ensure(
                azdo, project["id"], after.get("id"), wanted_permissions, ctx.check_mode, ctx.sleep)
        shared = shared or authorized
    return dict(changed=changed or shared, before=before, after=after)


def _pipelines(azdo, project, spec):
    by_name = {}
    if permissions.names_needed(spec):
        with failing_to("list", "pipelines of project %s" % project["name"]):
            by_name = dict((p.get("name"), p.get("id")) for p in azdo.pipelines(project["id"]) or [])
    return permissions.desired(spec, by_name)


# ---------------------------------------------------------------------------------------------- create
def _create(ctx, want, project, deadline, what):
    desired = Desired(want, project, _subscription_name(ctx, want))
    if ctx.check_mode:
        return True, desired.predicted(want["draft"])
    with failing_to("create", what):
        created = _post(ctx.clients.azdo, project["id"], want["name"], desired.body(want["draft"]), what)
    if not want["draft"]:
        created = _await_ready(ctx, project, created, deadline, what)
    return True, normalize(created)


def _subscription_name(ctx, want):
    if want.get("subscription_name") or want["scope_level"] == "management_group":
        return want.get("subscription_name")
    try:
        with failing_to("read", "subscription %s" % want["subscription_id"]):
            body = ctx.clients.arm.subscription(want["subscription_id"])
    except ApiError as exc:
        raise InputError("subscription_name is needed for a new connection and could not be read from Azure Resource "
                         "Manager (%s); pass subscription_name" % exc.message)
    if not body or not body.get("displayName"):
        raise InputError("subscription_name is needed for a new connection and subscription %s was not found in Azure "
                         "Resource Manager; pass subscription_name" % want["subscription_id"])
    return body["displayName"]


def _post(azdo, project_id, name, body, what):
    """POST once. After an answer that may hide a success (no answer, or a 5xx), look the name up instead of
    sending again; a duplicate name is reported as such (docs/service-behaviour.md#creating-a-connection,
    docs/service-behaviour.md#duplicate-connection-names)."""
    try:
        return azdo.create_endpoint(body)
    except ApiError as exc:
        if isinstance(exc, TransportError) or (exc.status or 0) >= 500:
            found = find_by_name(azdo, project_id, name)
            if found is not None:
                return found
            raise ApiError("the request got no usable answer (%s), and no connection of that name exists afterwards, "
                           "so it was most likely not created. Running the task again is safe: it looks the name up "
                           "first and never creates a second connection" % exc.describe(), status=exc.status,
                           code=exc.code or "NoAnswer", request_id=exc.request_id)
        if exc.status in (400, 409) and "already exists" in (exc.message or "").lower():
            raise InputError("A service connection named '%s' already exists in this project but is not visible to "
                             "this identity (it may be failed, or restricted to other users): %s. Use another name, "
                             "or ask a project administrator to grant access to it or delete it." % (name, exc.message))
        raise


# ---------------------------------------------------------------------------------------------- update
def takeover_refusal(what, have, change, option):
    return ("%s already exists with scheme %s (creation mode %s), signing in as client id %s in tenant %s. This task "
            "asks for %s. The module never changes the %s of an existing connection unless asked: its pipelines would "
            "sign in differently from then on, and the current identity would keep its role assignments. Set %s: "
            "true to change it in place, or choose another name. Nothing was changed."
            % (what[0].upper() + what[1:], have["scheme"], have["creation_mode"] or "unknown", have["client_id"] or "-",
               have["tenant_id"] or "-", change, "scheme" if option == "allow_scheme_change" else "identity", option))


def _update(ctx, want, project, existing, deadline, what):
    have = normalize(existing)
    want_scheme = SCHEMES[want["scheme"]]
    if (have["authorization_scheme"] or "").lower() != want_scheme.lower():
        if not want.get("allow_scheme_change"):
            raise InputError(takeover_refusal(what, have, "scheme %s" % want["scheme"], "allow_scheme_change"))
        return _change_scheme(ctx, want, project, existing, have, deadline, what)
    if want.get("identity_client_id") and (
            (have["client_id"] or "").lower() != want["identity_client_id"].lower()
            or (have["tenant_id"] or "").lower() != want["identity_tenant_id"].lower()) and \
            not want.get("allow_identity_change"):
        raise InputError(takeover_refusal(what, have, "client id %s in tenant %s" % (
            want["identity_client_id"], want["identity_tenant_id"]), "allow_identity_change"))
    desired = Desired(want, project)
    mutable, immutable = desired.changes(existing)
    if immutable:
        fields = ", ".join("%s (%s -> %s)" % (k, v[0], v[1]) for k, v in sorted(immutable.items()))
        raise InputError("Cannot change %s of existing %s: Azure DevOps does not allow it. Delete the connection "
                         "(state=absent) and create it again." % (fields, what))
    state = have["operation_state"] or ""
    finishing = not want["draft"] and state != "inprogress" and (have["is_draft"] or not have["is_ready"])
    rotate = want.get("rotate_secret") and want["scheme"] == "service_principal"
    if not (mutable or finishing or rotate):
        if not want["draft"] and state == "inprogress" and not ctx.check_mode:
            return False, normalize(_await_ready(ctx, project, existing, deadline, what))
        return False, have
    if want["scheme"] == "service_principal" and not (want.get("service_principal_secret") or want.get("certificate")):
        raise InputError("Updating secret-based %s needs service_principal_secret or certificate: Azure DevOps may drop "
                         "a stored secret that an update leaves out (changes: %s)"
                         % (what, ", ".join(sorted(mutable)) or "finish"))
    body = desired.updated_body(existing, finish=finishing)
    if ctx.check_mode:
        predicted = normalize(body)
        if finishing:
            predicted.update(is_ready=True, is_draft=False, operation_state="ready", operation_message=None)
        return True, predicted
    if finishing:
        return True, normalize(_finish(ctx, want, project, body, have, deadline, what))
    with failing_to("update", what):
        updated = ctx.clients.azdo.update_endpoint(existing["id"], body)
    return True, normalize(updated or body)


def _change_scheme(ctx, want, project, existing, have, deadline, what):
    scheme = want["scheme"]
    if scheme == "workload_identity_federation" and have["scheme"] == "service_principal":
        allowed, reason = convertible(existing)
        if not allowed:
            raise InputError("Cannot convert %s to workload identity federation: %s" % (what, reason))
        action = "convert"
    elif scheme == "service_principal" and have["scheme"] == "workload_identity_federation":
        reason = revert_blocked(existing)
        if reason:
            raise InputError("Cannot revert %s to a secret: %s" % (what, reason))
        action = "revert"
    else:
        raise InputError("Cannot change %s from scheme %s to %s in place; delete it (state=absent) and create it again"
                         % (what, have["scheme"], scheme))
    if ctx.check_mode:
        predicted = dict(have, scheme=scheme, authorization_scheme=SCHEMES[scheme])
        if action == "convert":
            predicted.update(workload_identity_federation_issuer=None, workload_identity_federation_subject=None)
        return True, predicted
    azdo = ctx.clients.azdo
    fresh = dict(existing)
    fresh["authorization"] = dict(existing.get("authorization") or {}, scheme=SCHEMES[scheme])
    fresh["data"] = dict((k, v) for k, v in (existing.get("data") or {}).items() if k != "revertSchemeDeadline")
    with failing_to(action, what):
        converted = azdo.update_endpoint(existing["id"], fresh, operation="ConvertAuthenticationScheme")
        if not converted or converted.get("authorization") is None:
            converted = azdo.endpoint(project["id"], existing["id"]) or existing
    return True, normalize(_await_ready(ctx, project, converted, deadline, what))


# ---------------------------------------------------------------------------------------------- finish, readiness
def credential_status(clients, client_id, issuer, subject):
    """``("present" | "missing" | None, identity)``: whether the identity behind ``client_id`` has a federated
    credential with exactly ``issuer`` and ``subject``; ``None`` when this caller cannot tell."""
    try:
        identity = identity_behind(clients.graph, client_id)
        if identity is None:
            return None, None
        found = federated_credentials_of(identity, clients.graph, clients.identities)
    except (ApiError, InputError):
        return None, None
    if found is None:
        return None, identity
    match = any(c.get("issuer") == issuer and c.get("subject") == subject for c in found)
    return ("present" if match else "missing"), identity


def _finish(ctx, want, project, body, have, deadline, what):
    """PUT ``isReady: true``, repeated (a few times) while Entra replicates the credential; then wait for ready."""
    azdo = ctx.clients.azdo
    status, identity = None, None
    if want["scheme"] == "workload_identity_federation" and have["workload_identity_federation_subject"]:
        issuer, subject = have["workload_identity_federation_issuer"], have["workload_identity_federation_subject"]
        status, identity = credential_status(ctx.clients, have["client_id"], issuer, subject)
        if status == "missing":
            raise InputError(
                "Cannot finish %s: %s (client id %s) has no federated credential with issuer '%s' and subject '%s' "
                "(audience %s), so Azure DevOps cannot verify it. Add that credential (azdo.identity."
                "managed_identity_federation with the issuer and subject this module returns for the draft), then run "
                "the task again. Nothing was changed." % (what, describe_identity(identity), have["client_id"],
                                                          issuer, subject, AUDIENCE))
    if status == "present":
        waiting = ("Azure DevOps cannot verify %s yet: the federated credential exists on %s, Entra is still "
                   "replicating it" % (what, describe_identity(identity)))
    else:
        waiting = ("Azure DevOps cannot verify %s yet: the federated credential could not be checked from here, so it "
                   "may be missing or still replicating" % what)

    def step():
        try:
            answer = azdo.update_endpoint(body["id"], body)
        except ApiError as exc:
            if exc.status in (400, 409) and is_not_replicated(exc.message):
                return Pending(waiting, error=exc)
            raise
        state, message = operation_state(answer)
        if state == "failed":
            error = ApiError("Azure DevOps could not verify the connection: %s" % message, code="VerificationFailed")
            if is_not_replicated(message):
                return Pending(waiting, error=error)
            raise error
        return answer

    with failing_to("finish", what):
        finished = ctx.poll(step, deadline, first=5.0, cap=60.0, max_calls=FINISH_CALLS, option="ready_timeout")
    return _await_ready(ctx, project, finished or body, deadline, what)


def _await_ready(ctx, project, body, deadline, what):
    state, dummy = operation_state(body)
    if body.get("isReady") and state != "inprogress":
        return body
    azdo = ctx.clients.azdo

    def step():
        current = azdo.endpoint(project["id"], body["id"])
        if current is None:
            raise ApiError("the connection disappeared while waiting for it to be ready", code="NotFound")
        state, message = operation_state(current)
        if state == "failed":
            raise ApiError("Azure DevOps reports the connection failed: %s" % (message or "no message"), code="Failed")
        if current.get("isReady") and state != "inprogress":
            return current
        if state not in ("inprogress", ""):
            raise ApiError("Azure DevOps reports the connection is not ready (state %s): %s"
                           % (state, message or "no message"), code="NotReady")
        return Pending("Waiting for %s to be ready (Azure DevOps reports %s)" % (what, state or "not ready"))

    with failing_to("wait for", "%s to be ready" % what):
        return ctx.poll(step, deadline, first=1.0, cap=10.0, option="ready_timeout")


# ---------------------------------------------------------------------------------------------- sharing
def _share(ctx, want, project, extra_projects, after, what):
    if want.get("share_with_projects") is None and not want.get("purge_shared_projects"):
        return False, after
    current = set(p["id"] for p in after.get("projects") or [])
    wanted = set([project["id"]] + [p["id"] for p in extra_projects])
    add = [p for p in extra_projects if p["id"] not in current]
    remove = sorted(current - wanted) if want.get("purge_shared_projects") else []
    if not add and not remove:
        return False, after
    projects = [p for p in after.get("projects") or [] if p["id"] not in remove]
    projects += [dict(id=p["id"], name=p["name"]) for p in add]
    azdo = ctx.clients.azdo
    if not ctx.check_mode and after.get("id"):
        if add:
            references = [{"projectReference": {"id": p["id"], "name": p["name"]}, "name": want["name"],
                           "description": want.get("description") or ""} for p in add]
            with failing_to("share", "%s with %s" % (what, ", ".join(p["name"] for p in add))):
                azdo.share_endpoint(after["id"], references)
        if remove:
            with failing_to("stop sharing", "%s with %s" % (what, ", ".join(remove))):
                azdo.delete_endpoint(after["id"], remove)
    return True, dict(after, projects=projects, is_shared=len(projects) > 1)


# The module's own options (its documentation lists them); shared with the callers that check many at once.
ARGUMENT_SPEC = dict(
    project=dict(type="str", required=True),
    name=dict(type="str", required=True),
    description=dict(type="str"),
    service_management_reference=dict(type="str"),
    scheme=dict(type="str", default="workload_identity_federation", choices=list(SCHEMES)),
    identity_client_id=dict(type="str"),
    identity_tenant_id=dict(type="str"),
    service_principal_secret=dict(type="str", no_log=True),
    certificate=dict(type="str", no_log=True),
    rotate_secret=dict(type="bool", default=False, no_log=False),
    environment=dict(type="str", choices=list(ENVIRONMENTS)),
    environment_url=dict(type="str"),
    scope_level=dict(type="str", choices=list(SCOPE_LEVELS)),
    subscription_name=dict(type="str"),
    resource_group=dict(type="str"),
    management_group_id=dict(type="str"),
    management_group_name=dict(type="str"),
    ml_workspace_name=dict(type="str"),
    ml_workspace_location=dict(type="str"),
    share_with_projects=dict(type="list", elements="str"),
    purge_shared_projects=dict(type="bool", default=False),
    draft=dict(type="bool", default=False),
    pipeline_permissions=dict(type="dict", options=dict(
        all_pipelines=dict(type="bool"),
        pipelines=dict(type="list", elements="str"),
        purge=dict(type="bool", default=False),
    )),
    allow_scheme_change=dict(type="bool", default=False),
    allow_identity_change=dict(type="bool", default=False),
    ready_timeout=dict(type="int", default=300),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
