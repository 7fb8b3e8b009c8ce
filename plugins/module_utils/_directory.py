# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What an id stands for in Microsoft Entra ID, read through Microsoft Graph.

Two questions recur across the collection:

* Is this ``principal_id`` really a principal's object id? The usual mistake is an app's client id
  (``appId``) or its application object id, which Azure RBAC and Azure DevOps accept as a GUID and then
  cannot resolve. ``GET /directoryObjects/{id}`` answers with the object's ``@odata.type``.
* Which identity is behind a connection's client id, and which federated credentials does it have? A
  managed identity's service principal lists its ARM resource id among its ``alternativeNames``; an app
  registration is addressed by ``applications(appId='...')``.

Both are best effort: a caller that may not read the directory (no Graph permission, another tenant)
gets ``None`` and carries on as it would without the check. See docs/service-behaviour.md#what-an-object-id-stands-for
and docs/service-behaviour.md#the-identitys-service-principal-names-its-resource.
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError

GRAPH_TYPES = {
    "#microsoft.graph.serviceprincipal": "ServicePrincipal",
    "#microsoft.graph.user": "User",
    "#microsoft.graph.group": "Group",
    "#microsoft.graph.device": "Device",
    "#microsoft.graph.application": "Application",
}
OBJECT_ID_HELP = ("Use the object id of the service principal (the Enterprise application's object id), or the "
                  "principal_id of a managed identity")
# Graph answers these when the caller may not ask (no permission, another tenant, no Graph in this cloud).
_NOT_ALLOWED = (401, 403)


def _quietly(call):
    """``call()``, or ``None`` when Graph cannot be asked; other errors are raised."""
    try:
        return call()
    except ApiError as exc:
        if exc.status in _NOT_ALLOWED or exc.status is None:
            return None
        raise


def principal_kind(body):
    """``ServicePrincipal``, ``User``, ``Group``, ``Device`` or ``Application`` for a directory object."""
    return GRAPH_TYPES.get(str((body or {}).get("@odata.type") or "").lower())


def lookup_principal(graph, principal_id):
    """What ``principal_id`` is: ``dict(kind, body, problem)``; ``None`` when Graph cannot tell.

    ``problem`` is a message (naming the id to use instead) when the id is an app registration's object
    id or a client id; ``kind`` is the directory type of a real principal.
    """
    found = _quietly(lambda: graph.directory_object(principal_id))
    if found:
        kind = principal_kind(found)
        if kind == "Application":
            owned = _quietly(lambda: graph.service_principal_by_app_id(found.get("appId"))) if found.get("appId") else None
            return dict(kind=kind, body=found, problem=_app_object_id_problem(principal_id, found, owned))
        return dict(kind=kind, body=found, problem=None)
    owner = _quietly(lambda: graph.service_principal_by_app_id(principal_id))
    if owner:
        return dict(kind="ClientId", body=owner, problem=(
            "principal_id %s is the client (application) id of '%s', not the object id of its service principal. "
            "%s: use principal_id %s" % (principal_id, owner.get("displayName"), OBJECT_ID_HELP, owner.get("id"))))
    app = _quietly(lambda: graph.application_by_app_id(principal_id))
    if app:
        return dict(kind="ClientId", body=app, problem=(
            "principal_id %s is the client (application) id of app registration '%s', not a principal's object "
            "id. Microsoft Graph shows no service principal for it (none exists, or one made moments ago is not "
            "visible yet): use the object id of its service principal, creating one if needed "
            "(azdo.identity.app_registration with service_principal: true)" % (principal_id, app.get("displayName"))))
    return None


def _app_object_id_problem(principal_id, app, owned):
    text = ("principal_id %s is the object id of the app registration '%s' (client id %s), not of its service "
            "principal. %s" % (principal_id, app.get("displayName"), app.get("appId"), OBJECT_ID_HELP))
    if owned:
        return text + ": use principal_id %s" % owned.get("id")
    return text + (". This app has no service principal in the tenant yet: create one (azdo.identity.app_registration "
                   "with service_principal: true) and use its object id")


def principal_problem(graph, principal_id, principal_type):
    """A message when ``principal_id`` is not a principal of ``principal_type`` (or not a principal at all)."""
    found = lookup_principal(graph, principal_id)
    if found is None:
        return None
    if found["problem"]:
        return found["problem"]
    if principal_type and found["kind"] and found["kind"] != principal_type:
        return ("principal_id %s is a %s ('%s'), but principal_type is %s: Azure refuses an assignment whose type "
                "does not match (UnmatchedPrincipalType). Set principal_type: %s"
                % (principal_id, found["kind"], found["body"].get("displayName"), principal_type, found["kind"]))
    return None


def identity_behind(graph, client_id):
    """The managed identity or app registration whose client id is ``client_id``.

    ``dict(kind='managed_identity', resource_id, display_name)`` or ``dict(kind='application', object_id,
    display_name, sign_in_audience)``; ``None`` when this caller cannot find it (unknown, another tenant, or no
    permission to read the directory).
    """
    sp = _quietly(lambda: graph.service_principal_by_app_id(client_id))
    if sp and str(sp.get("servicePrincipalType") or "").lower() == "managedidentity":
        resource_ids = [n for n in sp.get("alternativeNames") or [] if str(n).lower().startswith("/subscriptions/")]
        if resource_ids:
            return dict(kind="managed_identity", resource_id=resource_ids[0], display_name=sp.get("displayName"))
        return None
    app = _quietly(lambda: graph.application_by_app_id(client_id))
    if app:
        return dict(kind="application", object_id=app.get("id"), display_name=app.get("displayName"),
                    sign_in_audience=app.get("signInAudience"))
    return None


def federated_credentials_of(identity, graph, identities):
    """The federated credentials (``issuer``, ``subject``, ``audiences``, ``name``) of an identity found by
    :func:`identity_behind`; ``None`` when they cannot be read. ``identities`` is an IdentityClient (ARM)."""
    if identity["kind"] == "managed_identity":
        return _quietly(lambda: identities.federated_credentials(identity["resource_id"]))
    found = _quietly(lambda: graph.federated_credentials(identity["object_id"]))
    if found is None:
        return None
    return [dict(name=c.get("name"), issuer=c.get("issuer"), subject=c.get("subject"),
                 audiences=list(c.get("audiences") or [])) for c in found]


def describe_identity(identity):
    if identity["kind"] == "managed_identity":
        return "managed identity %s" % identity["resource_id"]
    return "app registration '%s' (object id %s)" % (identity["display_name"], identity["object_id"])
