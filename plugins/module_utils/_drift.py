# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which workload identity service connections differ from their desired state: reads only, many at once.

A connection of the workload_identity_service_connection role is in its desired state when each step of
the role (roles/workload_identity_service_connection/tasks/connection.yml) would change nothing. This
asks each step's own desired-state logic, in check mode, with the options the role's task gives it:
the same code decides here and in the role, so the answer cannot disagree with what a run would do.
Nothing is written (every step runs in check mode) and the items are checked ``concurrency`` at a time,
each thread on its own connections, all sharing one sign-in.

An item is reported as a problem (and the caller should write nothing) when a step refuses it before
any write, as the role would: an existing connection of another scheme or identity, an option out of
range. A read that fails marks the item as needing a run, with the reason; the run then reports it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.azdo.identity.plugins.module_utils import _federation as federation
from ansible_collections.azdo.identity.plugins.module_utils import _managed_identity as identity
from ansible_collections.azdo.identity.plugins.module_utils import _role_assignment as roles
from ansible_collections.azdo.identity.plugins.module_utils import _service_connection as connection
from ansible_collections.azdo.identity.plugins.module_utils._endpoint import normalize, scheme_refusal
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._context import Context
from ansible_collections.azdo.identity.plugins.module_utils._module import Clients, azdo_argument_spec, azure_argument_spec

SCHEME = "workload_identity_federation"
# The item keys the role passes to azdo_service_connection in its steps 2 and 5 (connection.yml); a unit test
# keeps this list equal to the role's task.
CONNECTION_KEYS = ("project", "name", "description", "environment", "environment_url", "scope_level", "subscription_id",
                   "subscription_name", "resource_group", "management_group_id", "management_group_name",
                   "ml_workspace_name", "ml_workspace_location", "allow_identity_change", "pipeline_permissions",
                   "ready_timeout")
IDENTITY_KEYS = ("name", "resource_group", "subscription_id", "location", "tags")


_VALIDATORS: dict = {}


def _validator(spec):
    """One validator per module spec (with the options every module takes), made on first use."""
    found = _VALIDATORS.get(id(spec))
    if found is None:
        full = azure_argument_spec()
        full.update(azdo_argument_spec())
        full.update(spec)
        found = _VALIDATORS[id(spec)] = ArgumentSpecValidator(full)
    return found


def options(spec, values, common, what):
    """The options a module with ``spec`` would get: ``values`` over the shared ``common`` ones, defaults filled in."""
    given = dict((k, v) for k, v in common.items() if v is not None)
    given.update((k, v) for k, v in values.items() if v is not None)
    result = _validator(spec).validate(given)
    if result.error_messages:
        raise InputError("the %s options: %s" % (what, "; ".join(result.error_messages)))
    return result.validated_parameters


def _pick(source, keys):
    return dict((k, source.get(k)) for k in keys if source.get(k) is not None)


def _existing_problem(ctx, item):
    """For an item whose identity does not exist yet: the role's refusal of the existing connection, if any.

    The checks of the service connection step need the identity's client id, so they are asked here directly:
    an existing connection of another scheme is never taken over (the role's own check), and one of this scheme
    uses another identity, which a run would refuse to replace unless allow_identity_change is set (the module's).
    Returns ``(problem or None, whether the connection exists)``.
    """
    azdo = ctx.clients.azdo
    project = connection.read_project(azdo, item["project"])
    found = connection.find_by_name(azdo, project["id"], item["name"])
    if found is None:
        return None, False
    have = normalize(found)
    if have["scheme"] != SCHEME:
        return scheme_refusal(have, project["name"], SCHEME), True
    if not item.get("allow_identity_change"):
        what = "service connection '%s' in project %s" % (have["name"], project["name"])
        change = "the client id of managed identity %s, which a run would create" % item["identity"]["name"]
        return connection.takeover_refusal(what, have, change, "allow_identity_change"), True
    return None, True


def check(ctx, item, common):
    """What the role would change for one item, as a list of sentences (empty: in its desired state)."""
    changes = []
    subscription = item["identity"].get("subscription_id") or common.get("subscription_id")
    result = identity.ensure(ctx, options(identity.ARGUMENT_SPEC, _pick(item["identity"], IDENTITY_KEYS), common,
                                          "identity"), subscription)
    mi = result["after"]
    if not mi.get("client_id"):
        problem, exists = _existing_problem(ctx, item)
        if problem:
            raise InputError(problem)
        changes.append("managed identity %s would be created" % mi["name"])
        changes.append("service connection would be %s" % ("pointed at it" if exists else "created"))
        return changes
    if result["changed"]:
        changes.append("managed identity %s: tags would change" % mi["name"])

    values = _pick(item, CONNECTION_KEYS)
    values.update(identity_client_id=mi["client_id"], draft=False)
    result = connection.ensure_options(ctx, options(connection.ARGUMENT_SPEC, values, common, "service connection"))
    after = result["after"]
    if not result["before"]:
        changes.append("service connection would be created")
        return changes
    if result["changed"]:
        changes.append("service connection would be %s" % ("updated" if after.get("is_ready") else "finished"))
    issuer, subject = after.get("workload_identity_federation_issuer"), after.get("workload_identity_federation_subject")
    if not subject:
        changes.append("federated credential: the connection has no subject yet")
        return changes
    credential = dict(identity=mi["id"], name=item["credential_name"], issuer=issuer, subject=subject)
    if federation.ensure(ctx, options(federation.ARGUMENT_SPEC, credential, common, "federated credential"))["changed"]:
        changes.append("federated credential %s would be created or updated" % item["credential_name"])
    for grant in item.get("role_assignments") or []:
        wanted = dict(scope=grant["scope"], role=grant["role"], principal_id=mi["principal_id"])
        if roles.ensure(ctx, options(roles.ARGUMENT_SPEC, wanted, common, "role assignment"))["changed"]:
            changes.append("role %s at %s would be assigned" % (grant["role"], grant["scope"]))
    return changes


def blank(item):
    """An item's entry in the module's ``connections`` before it is checked."""
    return dict(project=item.get("project"), name=item.get("name"), in_desired_state=False, changes=[], problem=None,
                error=None)


def check_all(contexts, items, common, concurrency):
    """Each item's state, in order: dict(project, name, in_desired_state, changes, problem, error).

    ``contexts()`` gives the calling thread its own check-mode Context (its own connections).
    """
    def one(item):
        out = blank(item)
        try:
            out["changes"] = check(contexts(), item, common)
        except InputError as exc:
            out["problem"] = str(exc)
        except ApiError as exc:
            out["error"] = exc.message if getattr(exc, "message", None) else str(exc)
        out["in_desired_state"] = not (out["changes"] or out["problem"] or out["error"])
        return out

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(items) or 1))) as pool:
        return list(pool.map(one, items))


class PerThread(object):
    """A check-mode Context per thread: one copy of the module wrapper each (own HTTP connections), shared sign-in."""

    def __init__(self, wrapper, progress):
        self._wrapper = wrapper
        self._progress = progress
        self._local = threading.local()

    def __call__(self):
        ctx = getattr(self._local, "ctx", None)
        if ctx is None:
            ctx = self._local.ctx = Context(Clients(self._wrapper.for_thread()), check_mode=True, progress=self._progress)
        return ctx
