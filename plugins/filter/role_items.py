# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters the collection's service connection roles run before their first write.

``role_items`` merges the role's defaults under every item, checks each one for what the role needs, and
fills in the names the role derives (the managed identity's, the federated credential's, the app's), so
that a missing project or a name with spaces fails (or works) before anything is created. It reports every
problem of every item at once. ``connection_conflicts`` compares the items with the connections that
already exist, so that a role never starts with a connection it may not change.
"""

from __future__ import annotations

import functools
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.azdo.identity.plugins.module_utils._endpoint import scheme_refusal

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Microsoft.ManagedIdentity name rules: userAssignedIdentities and federatedIdentityCredentials.
IDENTITY_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")
CREDENTIAL_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$")
ROLES = {
    "workload_identity_service_connection": dict(scheme="workload_identity_federation", grant="Contributor"),
    "app_registration_service_connection": dict(scheme="workload_identity_federation", grant="Contributor"),
    "secret_service_connection": dict(scheme="service_principal", grant="Reader"),
}


def _merge(base, top):
    out = dict(base or {})
    for key, value in (top or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def safe_name(text):
    """``text`` with every run of characters Azure resource names refuse replaced by one dash."""
    return re.sub(r"[^a-zA-Z0-9_-]+", "-", str(text)).strip("-_")


def _scope(item):
    if item.get("scope_level") == "management_group" or (item.get("management_group_id") and not item.get("subscription_id")):
        return "/providers/Microsoft.Management/managementGroups/%s" % item.get("management_group_id")
    scope = "/subscriptions/%s" % item.get("subscription_id")
    if item.get("resource_group") and item.get("scope_level") != "subscription":
        scope += "/resourceGroups/%s" % item["resource_group"]
    return scope


def _need(problems, item, where, role, key, text=None):
    """Whether ``item`` has ``key``; when not, a message naming it joins ``problems``."""
    if not str(item.get(key) or "").strip():
        problems.append("%s: %s is required; set it in the item or in %s_defaults" % (where, text or key, role))
        return False
    return True


def role_items(items, defaults=None, role=None, subscription_id=None, only=None):
    """The role's items, each merged over ``defaults`` and completed; raises naming every problem found."""
    if role not in ROLES:
        raise AnsibleFilterError("role_items: role must be one of %s" % ", ".join(sorted(ROLES)))
    if not isinstance(items, list):
        raise AnsibleFilterError("%s_items must be a list of connections" % role)
    problems, out, seen = [], [], {}
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            problems.append("%s_items[%d] must be a dict; got %r" % (role, index, raw))
            continue
        base = {"subscription_id": subscription_id} if subscription_id else {}
        item = _merge(_merge(base, defaults), raw)
        where = "%s_items[%d] (%s)" % (role, index, item.get("name") or "no name")

        need = functools.partial(_need, problems, item, where, role)
        need("name")
        need("project")
        if item.get("scope_level") == "management_group":
            need("management_group_id")
        elif need("subscription_id", "subscription_id (or AZURE_SUBSCRIPTION_ID)") and \
                not GUID_RE.match(str(item["subscription_id"])):
            problems.append("%s: subscription_id must be a subscription id (a GUID); got '%s'"
                            % (where, item["subscription_id"]))
        key = (str(item.get("project") or "").lower(), str(item.get("name") or "").lower())
        if key in seen:
            problems.append("%s: the same connection as item %d (project and name)" % (where, seen[key]))
        seen[key] = index
        name = str(item.get("name") or "")
        if item.get("role_assignments") is None:
            # Key absent: the documented default grant. An empty list means no grant at all.
            item["role_assignments"] = [{"role": ROLES[role]["grant"]}]
        item["role_assignments"] = [dict(r, scope=r.get("scope") or _scope(item)) for r in item["role_assignments"]]
        if role == "workload_identity_service_connection":
            identity = dict(item.get("identity") or {})
            identity.setdefault("name", "id-" + safe_name(name))
            identity.setdefault("subscription_id", item.get("subscription_id"))
            if not str(identity.get("resource_group") or "").strip():
                problems.append("%s: identity.resource_group is required; set it in the item or in %s_defaults"
                                % (where, role))
            if not IDENTITY_NAME_RE.match(str(identity["name"])):
                problems.append("%s: identity.name '%s' is not a valid managed identity name (3-128 letters, digits, "
                                "'-' or '_', starting with a letter or digit); set identity.name"
                                % (where, identity["name"]))
            item["identity"] = identity
        if role in ("app_registration_service_connection", "secret_service_connection"):
            application = dict(item.get("application") or {})
            application.setdefault("display_name", name)
            application.setdefault("unique_name", name)
            if role == "secret_service_connection":
                application.setdefault("secret_display_name", "azure-devops-" + name)
            item["application"] = application
        if ROLES[role]["scheme"] == "workload_identity_federation":
            item.setdefault("credential_name", safe_name(name))
            if name and not CREDENTIAL_NAME_RE.match(str(item["credential_name"])):
                problems.append("%s: credential_name '%s' is not a valid federated credential name (3-120 letters, "
                                "digits, '-' or '_', starting with a letter or digit); set credential_name"
                                % (where, item["credential_name"]))
        out.append(item)
    if problems:
        raise AnsibleFilterError("Nothing was changed; fix these first:\n- " + "\n- ".join(problems))
    if only is not None:
        keys = set(str(k) for k in ([only] if isinstance(only, str) else only))
        out = [item for item in out if "%s/%s" % (item.get("project"), item.get("name")) in keys]
    return out


def connection_conflicts(items, listed, scheme):
    """Messages for items whose connection already exists with another scheme.

    ``listed`` is ``{project: [connections as azdo_service_connection_info returns them]}``.
    """
    messages = []
    for item in items:
        for found in (listed or {}).get(item.get("project")) or []:
            if str(found.get("name") or "").lower() != str(item.get("name") or "").lower():
                continue
            if found.get("scheme") != scheme:
                messages.append(scheme_refusal(found, item.get("project"), scheme))
    return messages


class FilterModule(object):
    def filters(self):
        return {"role_items": role_items, "connection_conflicts": connection_conflicts}
