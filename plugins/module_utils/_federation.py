# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state of one federated identity credential, on a managed identity (ARM) or an app (Graph).

Both parents follow the same Entra rules: a name of 3-120 characters, at most 20 credentials,
exactly one audience, and one credential per issuer+subject. Entra compares issuer and subject
as exact strings, so ``https://host/x`` and ``https://host/x/`` are different issuers here too.

A managed identity refuses overlapping credential writes (HTTP 409), so writes to one parent are
serialized across the controller's processes (Ansible forks) with a lock file keyed by the parent,
and a 409 that still happens is retried.
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
    fcntl = None

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    urlsplit = None

from ansible_collections.azdo.identity.plugins.module_utils._compare import normalize_id
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
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
