# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state of one federated identity credential, on a managed identity (ARM) or an app (Graph).

Both parents follow the same Entra rules: a name of 3-120 characters, at most 20 credentials,
exactly one audience, and one credential per issuer+subject. Entra compares issuer and subject
as exact strings, so ``https://host/x`` and ``https://host/x/`` are different issuers here too.

A managed identity refuses overlapping credential writes (HTTP 409), so writes to one parent are
serialized across the controller's processes (Ansible forks) with a lock file keyed by the parent,
and a 409 that still happens is retried; both waits draw from one deadline (``lock_timeout``).

:func:`ensure` is the desired-state logic of ``managed_identity_federation``; a parent is one of two
small adapters with the same methods (:class:`IdentityParent` over ARM, :class:`ApplicationParent`
over Microsoft Graph).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

from urllib.parse import urlsplit

from ansible_collections.azdo.identity.plugins.module_utils._compare import is_guid, normalize_id
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, failing_to
from ansible_collections.azdo.identity.plugins.module_utils._graph import normalize_fic as graph_fic
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._msi import resolve_identity
from ansible_collections.azdo.identity.plugins.module_utils._poll import Pending, poll, retry

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$")
MAX_CREDENTIALS = 20
MAX_LENGTH = 600
DEFAULT_AUDIENCE = "api://AzureADTokenExchange"
RESULT_KEYS = ("id", "name", "issuer", "subject", "audiences")


class FederationError(ApiError):
    """Bad input or a conflict found before any write."""


def validate(name, issuer, subject, audiences, state="present"):
    """A message naming the first bad option, or ``None``."""
    if not name or not NAME_RE.match(name):
        return ("name '%s' is not a valid federated credential name: 3 to 120 characters, letters, digits, '-' and "
                "'_', starting with a letter or digit" % name)
    if state != "present":
        return None
    if not issuer:
        return "issuer is required with state=present"
    parts = urlsplit(issuer)
    if parts.scheme != "https" or not parts.netloc:
        return "issuer must be an https URL such as https://login.microsoftonline.com/<tenant>/v2.0; got '%s'" % issuer
    if not subject or not subject.strip():
        return "subject is required with state=present and must not be empty"
    if len(issuer) > MAX_LENGTH or len(subject) > MAX_LENGTH:
        return "issuer and subject are limited to %d characters" % MAX_LENGTH
    if not audiences or len(audiences) != 1:
        return ("audiences must hold exactly one value (Entra accepts one audience per federated credential); "
                "got %d" % len(audiences or []))
    if not audiences[0] or len(audiences[0]) > MAX_LENGTH:
        return "audiences[0] must be a non-empty string of at most %d characters" % MAX_LENGTH
    return None


def public(credential):
    if not credential:
        return {}
    return dict((k, credential.get(k)) for k in RESULT_KEYS)


def same_settings(current, issuer, subject, audiences):
    return (current.get("issuer") == issuer and current.get("subject") == subject
            and sorted(current.get("audiences") or []) == sorted(audiences))


def plan(existing, name, issuer, subject, audiences, adopt=False):
    """Decide what to do with the parent's ``existing`` credentials.

    Returns ``(action, current)`` with action one of ``none``, ``create``, ``update``, ``adopt``.
    Raises :class:`FederationError` for a duplicate issuer+subject under another name (unless
    ``adopt``) and for a parent that already holds the maximum number of credentials.
    """
    by_name = [c for c in existing if (c.get("name") or "").lower() == name.lower()]
    current = by_name[0] if by_name else None
    twins = [c for c in existing if c is not current and c.get("issuer") == issuer and c.get("subject") == subject]
    if twins:
        if adopt:
            return "adopt", twins[0]
        raise FederationError(
            "Federated credential '%s' on the same parent already has issuer '%s' and subject '%s'; Entra allows "
            "one credential per issuer and subject. Use name '%s', remove that credential, or set adopt_existing=true "
            "to accept it as is" % (twins[0].get("name"), issuer, subject, twins[0].get("name")),
            code="DuplicateIssuerAndSubject")
    if current is not None:
        return ("none" if same_settings(current, issuer, subject, audiences) else "update"), current
    if len(existing) >= MAX_CREDENTIALS:
        raise FederationError(
            "The parent already holds %d federated credentials, the most Entra allows; remove one before adding '%s'"
            % (len(existing), name), code="TooManyFederatedCredentials")
    return "create", None


@contextlib.contextmanager
def parent_lock(parent_id, deadline):
    """Serialize writes to one parent across the processes of this host (Ansible forks, parallel tasks).

    Waiting for the lock draws from ``deadline`` (its clock and sleep), like every other wait of the task.
    """
    if fcntl is None:
        yield
        return
    directory = os.path.join(tempfile.gettempdir(), "azdo-identity-locks-%d" % os.getuid())
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError:
        yield
        return
    digest = hashlib.sha256(normalize_id(parent_id).encode("utf-8")).hexdigest()[:32]
    handle = open(os.path.join(directory, digest + ".lock"), "a")
    try:
        def step():
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except (IOError, OSError):
                return Pending("Waiting for other tasks writing federated credentials to %s" % parent_id,
                               error=FederationError("Other tasks kept writing federated credentials to %s" % parent_id,
                                                     code="LockTimeout"))

        poll(step, deadline, first=0.05, cap=0.5, announce_after=10.0)
        yield
    finally:
        handle.close()


def is_concurrency_conflict(exc):
    return exc.status == 409


def write_with_conflict_retry(call, deadline, parent_id):
    """Run one credential write, retrying the 409 a managed identity returns for overlapping writes."""
    return retry(call, is_concurrency_conflict, deadline,
                 "Another write to %s was in progress (HTTP 409)" % parent_id, cap=5.0)


# ---------------------------------------------------------------------------------------------- parents
class IdentityParent(object):
    """A user-assigned managed identity, over an ``IdentityClient``."""

    kind = "managed_identity"

    def __init__(self, identities, resource_id):
        self.client = identities
        self.id = resource_id
        self.label = "managed identity %s" % resource_id

    def credentials(self):
        found = self.client.federated_credentials(self.id)
        if found is None:
            raise InputError("The managed identity %s does not exist; create it first (azdo.identity.managed_identity)"
                             " or fix identity/resource_group/subscription_id" % self.id)
        return found

    def write(self, name, issuer, subject, audiences, current, deadline):
        return write_with_conflict_retry(
            lambda: self.client.put_federated_credential(self.id, name, issuer, subject, audiences), deadline, self.id)

    def delete(self, current, deadline):
        write_with_conflict_retry(lambda: self.client.delete_federated_credential(self.id, current["name"]), deadline,
                                  self.id)


class ApplicationParent(object):
    """An app registration, over a ``GraphClient``; found by object id or application (client) id."""

    kind = "application"

    def __init__(self, graph, reference):
        self.graph = graph
        app = None
        if is_guid(reference):
            app = graph.application(reference) or graph.application_by_app_id(reference)
        if app is None:
            raise InputError("No app registration has object id or application id '%s'; check the application option"
                             % reference)
        self.id = app["id"]
        self.label = "app registration %s (%s)" % (app.get("displayName"), app.get("appId"))

    def credentials(self):
        return [graph_fic(item) for item in self.graph.federated_credentials(self.id)]

    def write(self, name, issuer, subject, audiences, current, deadline):
        body = {"name": name, "issuer": issuer, "subject": subject, "audiences": list(audiences)}
        if current is None:
            try:
                return graph_fic(self.graph.create_federated_credential(self.id, body))
            except ApiError as exc:
                if exc.status != 409:
                    raise
                # The name is taken by a credential the list did not show yet (Graph's read-after-write lag,
                # docs/service-behaviour.md#reads-lag-behind-writes): wait until it shows, then compare.
                current = self._wait_for(name, deadline, exc)
                if same_settings(current, issuer, subject, audiences):
                    raise AlreadyThere(current)
        del body["name"]  # immutable
        self.graph.update_federated_credential(self.id, current["id"] or current["name"], body)
        return dict(current, issuer=issuer, subject=subject, audiences=list(audiences))

    def delete(self, current, deadline):
        self.graph.delete_federated_credential(self.id, current["id"] or current["name"])

    def _wait_for(self, name, deadline, conflict):
        def step():
            found = [c for c in self.credentials() if (c["name"] or "").lower() == name.lower()]
            return found[0] if found else Pending("Microsoft Graph reports credential '%s' exists but does not list it "
                                                  "yet" % name, error=conflict)
        return poll(step, deadline, first=1.0, cap=5.0)


class AlreadyThere(Exception):
    """A create found the credential already made with the wanted settings (by an earlier, unlisted write)."""

    def __init__(self, credential):
        super(AlreadyThere, self).__init__(credential.get("name"))
        self.credential = credential


def result(parent, credential):
    """``federated_credential`` as returned: the credential and its parent, or ``{}``."""
    if not credential:
        return {}
    out = public(credential)
    out.update(parent_id=parent.id, parent_type=parent.kind)
    return out


# ---------------------------------------------------------------------------------------------- entry point
def _parent(ctx, params):
    if params.get("identity"):
        try:
            resource_id = resolve_identity(params["identity"], params.get("subscription_id"), params.get("resource_group"))
        except ValueError as exc:
            raise InputError(str(exc))
        return IdentityParent(ctx.clients.identities, resource_id)
    with failing_to("read", "app registration %s" % params["application"]):
        return ApplicationParent(ctx.clients.graph, params["application"])


def _decide(parent, params, what):
    with failing_to("read", "the federated credentials of %s" % parent.label):
        existing = parent.credentials()
    if params["state"] == "absent":
        current = [c for c in existing if (c["name"] or "").lower() == params["name"].lower()]
        return ("delete" if current else "none"), (current[0] if current else None)
    try:
        return plan(existing, params["name"], params["issuer"], params["subject"], params["audiences"],
                    params.get("adopt_existing"))
    except FederationError as exc:
        raise InputError("Cannot create %s: %s" % (what, exc.message))


def ensure(ctx, params):
    """Make the credential ``params`` describe exist (or not) on its parent. Returns ``dict(changed, before, after)``.

    Input is checked before any request. Outside check mode, the decision and the write happen under the
    parent's lock, so parallel tasks see each other's writes; the lock and the 409 retries share one deadline.
    """
    problem = validate(params["name"], params["issuer"], params["subject"], params["audiences"], params["state"])
    if problem:
        raise InputError(problem)
    if params["lock_timeout"] <= 0:
        raise InputError("lock_timeout must be a positive number of seconds; got %s" % params["lock_timeout"])
    parent = _parent(ctx, params)
    what = "federated credential '%s' on %s" % (params["name"], parent.label)
    if ctx.check_mode:
        action, current = _decide(parent, params, what)
        return _outcome(parent, params, action, current, None)
    deadline = ctx.deadline(params["lock_timeout"], option="lock_timeout")
    with parent_lock(parent.id, deadline):
        action, current = _decide(parent, params, what)
        after = None
        if action in ("create", "update"):
            try:
                with failing_to(action, what):
                    after = parent.write(params["name"], params["issuer"], params["subject"], params["audiences"],
                                         current, deadline)
            except AlreadyThere as there:
                action, current = "none", there.credential
        elif action == "delete":
            with failing_to("delete", what):
                parent.delete(current, deadline)
    return _outcome(parent, params, action, current, after)


def _outcome(parent, params, action, current, after):
    before = result(parent, current)
    if action in ("none", "adopt"):
        return dict(changed=False, before=before, after=before)
    if action == "delete":
        return dict(changed=True, before=before, after={})
    if after is None:  # check mode: the prediction
        after = dict(current or {}, name=(current or {}).get("name") or params["name"], issuer=params["issuer"],
                     subject=params["subject"], audiences=list(params["audiences"]))
        after.setdefault("id", None)
    return dict(changed=True, before=before, after=result(parent, after))


# The module's own options (its documentation lists them); shared with the callers that check many at once.
ARGUMENT_SPEC = dict(
    identity=dict(type="str"),
    resource_group=dict(type="str"),
    application=dict(type="str"),
    name=dict(type="str", required=True),
    issuer=dict(type="str"),
    subject=dict(type="str"),
    audiences=dict(type="list", elements="str", default=["api://AzureADTokenExchange"]),
    adopt_existing=dict(type="bool", default=False),
    lock_timeout=dict(type="int", default=300),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
