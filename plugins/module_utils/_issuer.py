# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Moving a workload identity connection from the Azure DevOps issuer to the Microsoft Entra issuer.

The Azure DevOps issuer (``https://vstoken.dev.azure.com/<organization id>``) retires on 2027-07-01. A connection
moves in place (same id): Azure DevOps generates the Entra issuer and subject, the identity behind the connection
needs a federated credential with exactly those, and the connection is verified again. The request that asks
Azure DevOps to convert is not in the published specifications; docs/issuer-migration.md records what public
sources say and the forms this module tries (``FORMS``), each of which the emulator can be switched to.

:func:`classify` says whether a connection is in scope; :func:`ensure_entra` converts one, returning
``dict(changed, before, after, outcome, ...)`` where ``outcome`` is ``converted``, ``already_entra``,
``out_of_scope`` or ``handoff`` (the identity could not be given the credential by this caller: the result names
issuer, subject and audience for the identity's owner).
"""

from __future__ import annotations

import re

from ansible_collections.azdo.identity.plugins.module_utils import _directory as directory
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, OperationError, failing_to
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Pending

LEGACY_ISSUER_PREFIX = "https://vstoken.dev.azure.com/"
AUDIENCE = "api://AzureADTokenExchange"
WIF_SCHEME = "workloadidentityfederation"
# The only cloud in scope of the conversion (docs/issuer-migration.md#scope-of-the-retirement).
PUBLIC_ENVIRONMENT = "azurecloud"
MULTITENANT_AUDIENCES = ("azureadmultipleorgs", "azureadandpersonalmicrosoftaccount")
# Conversion request forms, tried in this order when the caller does not name one.
FORMS = ("issuer_type", "operation")
ALL_FORMS = ("issuer_type", "operation", "save")
HANDOFF_RE = re.compile(r"Issuer:\s*'([^']+)',\s*Subject identifier:\s*'([^']+)',\s*Audience:\s*'([^']+)'")
WRONG_FORM_MARKERS = ("neither an upgrade or a downgrade", "ArgumentException")


def _params(body):
    return ((body or {}).get("authorization") or {}).get("parameters") or {}


def issuer_kind(body):
    """``azure_devops`` or ``entra`` for a workload identity connection; ``None`` for any other scheme."""
    auth = (body or {}).get("authorization") or {}
    if str(auth.get("scheme") or "").lower() != WIF_SCHEME:
        return None
    issuer = str(_params(body).get("workloadIdentityFederationIssuer") or "")
    return "azure_devops" if issuer.lower().startswith(LEGACY_ISSUER_PREFIX) else "entra"


def view(body, project=None):
    """The module-facing record of a connection of any type (never a secret)."""
    if not body:
        return {}
    params = _params(body)
    status = body.get("operationStatus") or {}
    data = body.get("data") or {}
    return dict(
        id=body.get("id"), name=body.get("name"), type=body.get("type"),
        project=project or next(((r.get("projectReference") or {}).get("name")
                                 for r in body.get("serviceEndpointProjectReferences") or []), None),
        scheme=(body.get("authorization") or {}).get("scheme"), issuer_kind=issuer_kind(body),
        issuer=params.get("workloadIdentityFederationIssuer"), subject=params.get("workloadIdentityFederationSubject"),
        client_id=params.get("serviceprincipalid"), tenant_id=params.get("tenantid") or params.get("tenantId"),
        environment=data.get("environment"), is_ready=bool(body.get("isReady")),
        operation_state=status.get("state"))


def is_pending(body):
    """Whether Azure DevOps left the move half-way: Entra issuer shown, not ready, last operation Failed.

    That is what a conversion answers when the identity lacks the new credential in one of the possible behaviours
    (``azdo_issuer_manual_result: pending``, docs/issuer-migration.md section 3); the same request, sent again once
    the credential exists, finishes it. Such a connection is still to be moved, never "already on Entra".
    """
    status = (body or {}).get("operationStatus") or {}
    return issuer_kind(body) == "entra" and not (body or {}).get("isReady") and \
        str(status.get("state") or "").lower() == "failed"


def pending_handoff(body):
    """Issuer, subject and audience a pending connection waits for (status message first, else its parameters)."""
    found = _handoff_of(((body or {}).get("operationStatus") or {}).get("statusMessage"))
    if found:
        return found
    params = _params(body)
    return dict(issuer=params.get("workloadIdentityFederationIssuer"),
                subject=params.get("workloadIdentityFederationSubject"), audience=AUDIENCE)


def classify(body, identity=None):
    """``dict(eligible, reason)``: whether the connection is to be moved to the Entra issuer, and why not.

    ``identity`` is what :func:`~._directory.identity_behind` found (or ``None`` when it cannot be read).
    """
    kind = issuer_kind(body)
    if kind is None:
        scheme = (body.get("authorization") or {}).get("scheme")
        return dict(eligible=False, reason="it uses the %s scheme, not workload identity federation" % scheme)
    if is_pending(body):
        return dict(eligible=True, reason=None)
    if kind == "entra":
        return dict(eligible=False, reason="it already uses the Microsoft Entra issuer")
    environment = str((body.get("data") or {}).get("environment") or "AzureCloud")
    if environment.lower() != PUBLIC_ENVIRONMENT:
        return dict(eligible=False, reason="connections to %s keep the Azure DevOps issuer (only Azure public "
                                           "cloud moves)" % environment)
    if identity and identity.get("kind") == "application" and \
            str(identity.get("sign_in_audience") or "").lower() in MULTITENANT_AUDIENCES:
        return dict(eligible=False, reason="its app registration is multitenant (%s), which keeps the Azure DevOps "
                                           "issuer" % identity.get("sign_in_audience"))
    return dict(eligible=True, reason=None)


def entra_issuer(tenant_id):
    return "https://login.microsoftonline.com/%s/v2.0" % tenant_id


def _conversion(endpoint, form):
    """``(body, operation)`` of the request that asks Azure DevOps to move ``endpoint`` to the Entra issuer."""
    if form == "operation":
        body = {"id": endpoint["id"], "type": endpoint.get("type"),
                "authorization": {"scheme": "WorkloadIdentityFederation",
                                  "parameters": {"workloadIdentityFederationIssuerType": "EntraID"}},
                "serviceEndpointProjectReferences": endpoint.get("serviceEndpointProjectReferences") or []}
        return body, "ConvertAuthenticationScheme"
    body = dict(endpoint)
    if form == "issuer_type":
        auth = dict(body.get("authorization") or {})
        auth["parameters"] = dict(auth.get("parameters") or {}, workloadIdentityFederationIssuerType="EntraID")
        body["authorization"] = auth
    return body, None


def _handoff_of(text):
    found = HANDOFF_RE.search(text or "")
    return dict(issuer=found.group(1), subject=found.group(2), audience=found.group(3)) if found else None


class Conversion(object):
    """One connection's move, with what it needs from the caller: clients, deadline, and the identity found."""

    def __init__(self, ctx, project_id, endpoint, identity, form, deadline):
        self.ctx = ctx
        self.azdo = ctx.clients.azdo
        self.project_id = project_id
        self.endpoint = endpoint
        self.identity = identity
        self.forms = [form] if form else list(FORMS)
        self.form = form
        self.deadline = deadline
        # True once the connection is pending (Entra shown, Failed): an answer that leaves it Failed then means
        # "this form did not finish it", so the next form is tried before handing off again.
        self.retrying = is_pending(endpoint)
        self.what = "service connection '%s' (%s)" % (endpoint.get("name"), endpoint.get("id"))

    def read(self):
        with failing_to("read", self.what):
            return self.azdo.endpoint(self.project_id, self.endpoint["id"])

    def request(self):
        """Send the conversion; ``(current body, handoff or None)``. Tries the forms until one is taken."""
        for form in list(self.forms):
            body, operation = _conversion(self.endpoint, form)
            try:
                with failing_to("convert", self.what):
                    self.azdo.update_endpoint(self.endpoint["id"], body, operation=operation)
            except ApiError as exc:
                handoff = _handoff_of(exc.message)
                if handoff:
                    self.forms, self.form = [form], form
                    return self.read(), handoff
                # The state decides, not the answer: when the answer to an accepted request was lost, the resent
                # request finds the connection already moved (the operation form then answers 400 "already uses the
                # Microsoft Entra issuer"), and the move must count once, not fail.
                current = self.read()
                if issuer_kind(self.endpoint) == "azure_devops" and issuer_kind(current) == "entra":
                    self.forms, self.form = [form], form
                    return current, (pending_handoff(current) if is_pending(current) else None)
                if exc.status == 400 and any(m in (exc.message or "") + (exc.code or "") for m in WRONG_FORM_MARKERS) \
                        and len(self.forms) > 1:
                    continue
                raise
            current = self.read()
            if issuer_kind(current) == "entra":
                if is_pending(current):
                    if self.retrying and form != self.forms[-1]:
                        continue
                    self.forms, self.form = [form], form
                    return current, pending_handoff(current)
                self.forms, self.form = [form], form
                return current, None
        raise OperationError("Azure DevOps accepted the request to move %s to the Microsoft Entra issuer in none of "
                             "the forms tried (%s), and the connection still uses the Azure DevOps issuer. See "
                             "docs/issuer-migration.md; set conversion_form if your organization takes another"
                             % (self.what, ", ".join(self.forms)))

    def add_credential(self, handoff):
        """Give the identity the credential Azure DevOps asked for; ``False`` when this caller cannot."""
        identity = self.identity
        if identity is None:
            return False
        name = "azdo-entra-%s" % self.endpoint["id"]
        audiences = [handoff.get("audience") or AUDIENCE]
        try:
            if identity["kind"] == "managed_identity":
                self.ctx.clients.identities.put_federated_credential(identity["resource_id"], name, handoff["issuer"],
                                                                     handoff["subject"], audiences)
            else:
                self.ctx.clients.graph.create_federated_credential(identity["object_id"], {
                    "name": name, "issuer": handoff["issuer"], "subject": handoff["subject"], "audiences": audiences,
                    "description": "Azure DevOps service connection %s (Entra issuer)" % self.endpoint["id"]})
        except ApiError as exc:
            if exc.status in (401, 403, 404) or exc.has_code("Authorization_RequestDenied", "AuthorizationFailed"):
                return False
            if exc.status == 409 or "already exists" in (exc.message or "").lower():
                return True
            raise
        return True

    def wait_ready(self):
        def step():
            current = self.read()
            state = str((current.get("operationStatus") or {}).get("state") or "")
            if current.get("isReady"):
                return current
            if state.lower() == "failed":
                message = (current.get("operationStatus") or {}).get("statusMessage") or "no message"
                raise OperationError("Azure DevOps could not verify %s after moving it to the Microsoft Entra issuer: "
                                     "%s" % (self.what, message))
            return Pending("Waiting for Azure DevOps to verify %s on the Microsoft Entra issuer (%s)"
                           % (self.what, state or "not ready"))
        return self.ctx.poll(step, self.deadline, first=1.0, cap=10.0, option="ready_timeout")


def _legacy_credential_names(conversion, legacy):
    identity = conversion.identity
    found = directory.federated_credentials_of(identity, conversion.ctx.clients.graph, conversion.ctx.clients.identities) \
        if identity else None
    return [c for c in found or [] if c.get("issuer") == legacy["issuer"] and c.get("subject") == legacy["subject"]]


def _remove_legacy(conversion, legacy):
    removed = []
    for credential in _legacy_credential_names(conversion, legacy):
        identity = conversion.identity
        with failing_to("remove", "the Azure DevOps issuer credential '%s'" % credential.get("name")):
            if identity["kind"] == "managed_identity":
                conversion.ctx.clients.identities.delete_federated_credential(identity["resource_id"],
                                                                              credential["name"])
            else:
                conversion.ctx.clients.graph.delete_federated_credential(identity["object_id"],
                                                                         credential.get("id") or credential["name"])
        removed.append(credential.get("name"))
    return removed


def identity_of(ctx, body):
    """The identity behind a connection (best effort: ``None`` when the directory cannot be read here)."""
    client_id = _params(body).get("serviceprincipalid")
    if not client_id:
        return None
    try:
        graph = ctx.clients.graph
    except InputError:
        return None
    return directory.identity_behind(graph, client_id)


def ensure_entra(ctx, project, body, form=None, ready_timeout=300, remove_legacy_credential=False):
    """Move the connection ``body`` (read from ``project``) to the Entra issuer; see the module docstring."""
    if form and form not in ALL_FORMS:
        raise InputError("conversion_form must be one of %s; got '%s'" % (", ".join(ALL_FORMS), form))
    before = view(body, project["name"])
    identity = identity_of(ctx, body)
    scope = classify(body, identity)
    result = dict(changed=False, before=before, after=before, reason=scope["reason"], identity=identity,
                  handoff=None, removed_credentials=[], conversion_form=form)
    if not scope["eligible"]:
        result["outcome"] = "already_entra" if before["issuer_kind"] == "entra" else "out_of_scope"
        return result
    if ctx.check_mode:
        predicted = dict(before, issuer_kind="entra", issuer=entra_issuer(before["tenant_id"]), subject=None,
                         is_ready=True, operation_state="Ready")
        return dict(result, changed=True, after=predicted, outcome="converted")

    conversion = Conversion(ctx, project["id"], body, identity, form, ctx.deadline(ready_timeout))
    if is_pending(body):
        # A previous run (or the portal) started the move and Azure DevOps waits for the credential: no new request
        # until the identity has it.
        current, handoff = body, pending_handoff(body)
    else:
        current, handoff = conversion.request()
    if handoff is not None:
        ctx.progress("Azure DevOps asks for a federated credential with issuer %s and subject %s on %s"
                     % (handoff["issuer"], handoff["subject"], before["client_id"]))
        if not conversion.add_credential(handoff):
            after = view(current, project["name"])
            return dict(result, changed=after != before, after=after, outcome="handoff", conversion_form=conversion.form,
                        handoff=dict(handoff, connection=before["name"], connection_id=before["id"],
                                     project=project["name"], client_id=before["client_id"],
                                     tenant_id=before["tenant_id"]))
        conversion.endpoint = current
        conversion.retrying = True
        current, handoff = conversion.request()
        if handoff is not None:
            raise OperationError("Azure DevOps still asks for a federated credential with issuer %s and subject %s "
                                 "after it was added to the identity behind %s; run the task again in a few minutes "
                                 "(Entra may still be replicating it)" % (handoff["issuer"], handoff["subject"],
                                                                          conversion.what))
    current = conversion.wait_ready()
    result.update(changed=True, after=view(current, project["name"]), outcome="converted",
                  conversion_form=conversion.form)
    if remove_legacy_credential and identity:
        result["removed_credentials"] = _remove_legacy(conversion, before)
    return result


def secret_expiry(ctx, body):
    """End dates of the client secrets of the app behind a secret-based connection (``None`` when unreadable)."""
    client_id = _params(body).get("serviceprincipalid")
    if not client_id or str((body.get("authorization") or {}).get("scheme") or "").lower() != "serviceprincipal":
        return None
    try:
        app = ctx.clients.graph.application_by_app_id(client_id)
    except (InputError, ApiError):
        return None
    if not app:
        return None
    return sorted(c.get("endDateTime") for c in app.get("passwordCredentials") or [] if c.get("endDateTime"))


def inventory(ctx, projects, with_identities=True):
    """Every connection of ``projects`` (project bodies) with its issuer, scope and identity; one list."""
    out, seen = [], set()
    for project in projects:
        with failing_to("list", "service connections of project %s" % project["name"]):
            found = ctx.clients.azdo.endpoints(project["id"])
        for body in found:
            if body.get("id") in seen:
                continue  # shared with several projects: listed once, under the first
            seen.add(body.get("id"))
            identity = identity_of(ctx, body) if with_identities and issuer_kind(body) else None
            scope = classify(body, identity)
            record = dict(view(body, project["name"]), eligible=scope["eligible"], reason=scope["reason"],
                          identity=identity, secret_expiry=secret_expiry(ctx, body) if with_identities else None)
            out.append(record)
    return out
