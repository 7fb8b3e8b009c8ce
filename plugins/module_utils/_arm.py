# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A thin Azure Resource Manager client: URLs, api-versions and normalizers, nothing else.

Every function returns snake_case dicts; desired-state logic lives in the resource files.
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._url import odata_quote
from ansible_collections.azdo.identity.plugins.module_utils._compare import is_guid, last_segment, normalize_id
from ansible_collections.azdo.identity.plugins.module_utils._lro import wait_for_lro

AUTHORIZATION_API = "2022-04-01"
SUBSCRIPTIONS_API = "2022-12-01"
RESOURCE_GROUPS_API = "2022-09-01"
ROLE_ASSIGNMENTS = "providers/Microsoft.Authorization/roleAssignments"
ROLE_DEFINITIONS = "providers/Microsoft.Authorization/roleDefinitions"


def normalize_role_assignment(body, role_name=None):
    """The module-facing shape of an ARM role assignment."""
    if not body:
        return None
    props = body.get("properties") or {}
    return dict(
        id=body.get("id"),
        name=body.get("name"),
        scope=props.get("scope"),
        role_definition_id=props.get("roleDefinitionId"),
        role_name=role_name,
        principal_id=props.get("principalId"),
        principal_type=props.get("principalType"),
        description=props.get("description"),
        condition=props.get("condition"),
        condition_version=props.get("conditionVersion"),
        created_on=props.get("createdOn"),
        updated_on=props.get("updatedOn"),
    )


def normalize_role_definition(body):
    if not body:
        return None
    props = body.get("properties") or {}
    return dict(id=body.get("id"), name=body.get("name"), role_name=props.get("roleName"),
                role_type=props.get("type"), description=props.get("description"),
                assignable_scopes=props.get("assignableScopes") or [])


class ArmClient(object):
    """ARM calls over one :class:`RestClient` whose base URL is the cloud's ARM endpoint."""

    def __init__(self, rest):
        self.rest = rest

    # -------------------------------------------------------------- generic
    def get(self, resource_id, api_version, *segments):
        return self.rest.get(self.rest.resource_url(resource_id, *segments), api_version=api_version,
                             not_found_ok=True)

    def list(self, resource_id, api_version, *segments, **params):
        url = self.rest.resource_url(resource_id, *segments)
        return list(self.rest.paged(url, params=params, api_version=api_version))

    def collect(self, resource_id, api_version, *segments):
        """Every item of a child collection, or ``None`` when the parent resource does not exist."""
        return self.rest.collect(self.rest.resource_url(resource_id, *segments), api_version=api_version,
                                 not_found_ok=True)

    def put(self, resource_id, api_version, body, *segments):
        """PUT a resource and return the body ARM answers (200 updated, 201 created)."""
        return self.rest.request("PUT", self.rest.resource_url(resource_id, *segments), api_version=api_version,
                                 body=body, ok=(200, 201)).body

    def delete(self, resource_id, api_version, *segments):
        """DELETE a resource; one that is already gone (204 or 404) is success."""
        self.rest.request("DELETE", self.rest.resource_url(resource_id, *segments), api_version=api_version,
                          ok=(200, 204), not_found_ok=True)

    def update(self, resource_id, api_version, body, deadline, what):
        """PATCH ``body`` and follow the long-running operation to its end within ``deadline``.

        Only for absolute bodies (sending one twice has the effect of sending it once), so the PATCH may be
        resent after a 5xx or a dropped connection.
        """
        response = self.rest.request("PATCH", self.rest.resource_url(resource_id), api_version=api_version, body=body,
                                     ok=(200, 201, 202), safe=True)
        return wait_for_lro(self.rest, response, deadline, what)

    def resource_group(self, subscription_id, resource_group):
        """The resource group, or ``None`` when it does not exist."""
        return self.rest.get(self.rest.url("subscriptions", subscription_id, "resourcegroups", resource_group),
                             api_version=RESOURCE_GROUPS_API, not_found_ok=True)

    def subscription(self, subscription_id):
        """The subscription (``displayName``, ``state`` ...), or ``None`` when it does not exist or is not visible."""
        return self.rest.get(self.rest.url("subscriptions", subscription_id), api_version=SUBSCRIPTIONS_API,
                             not_found_ok=True)

    # -------------------------------------------------------------- role definitions
    def role_definitions_by_name(self, scope, role_name):
        url = self.rest.resource_url(scope) + "/" + ROLE_DEFINITIONS
        params = {"$filter": "roleName eq %s" % odata_quote(role_name)}
        found = self.rest.paged(url, params=params, api_version=AUTHORIZATION_API)
        return [normalize_role_definition(item) for item in found]

    def role_definition(self, scope, role_guid):
        url = self.rest.resource_url(scope) + "/" + ROLE_DEFINITIONS + "/" + role_guid
        return normalize_role_definition(self.rest.get(url, api_version=AUTHORIZATION_API, not_found_ok=True))

    # -------------------------------------------------------------- role assignments
    def assignment_url(self, scope, name):
        return self.rest.resource_url(scope) + "/" + ROLE_ASSIGNMENTS + "/" + name

    def role_assignment(self, scope, name, role_name=None):
        body = self.rest.get(self.assignment_url(scope, name), api_version=AUTHORIZATION_API, not_found_ok=True)
        return normalize_role_assignment(body, role_name)

    def role_assignments(self, scope, odata_filter=None):
        url = self.rest.resource_url(scope) + "/" + ROLE_ASSIGNMENTS
        params = {"$filter": odata_filter} if odata_filter else {}
        found = self.rest.paged(url, params=params, api_version=AUTHORIZATION_API)
        return [normalize_role_assignment(item) for item in found]

    def put_role_assignment(self, scope, name, properties, role_name=None):
        response = self.rest.request("PUT", self.assignment_url(scope, name), api_version=AUTHORIZATION_API,
                                     body={"properties": properties})
        return normalize_role_assignment(response.body, role_name)

    def delete_role_assignment(self, assignment_id):
        """Delete by full id; a 204 (already gone) is success, as the API documents."""
        url = self.rest.resource_url(assignment_id)
        self.rest.request("DELETE", url, api_version=AUTHORIZATION_API, ok=(200, 204))


def role_guid(role_definition_id):
    return (last_segment(role_definition_id) or "").lower()


def scope_kind(scope):
    """'subscription', 'resource_group', 'management_group', 'resource' or 'root' for an ARM scope."""
    parts = [p.lower() for p in normalize_id(scope).split("/") if p]
    if not parts:
        return "root"
    if parts[:3] == ["providers", "microsoft.management", "managementgroups"] and len(parts) == 4:
        return "management_group"
    if parts[0] == "subscriptions":
        if len(parts) == 2:
            return "subscription"
        if len(parts) == 4 and parts[2] == "resourcegroups":
            return "resource_group"
        if len(parts) >= 6 and len(parts) % 2 == 0:
            return "resource"
    return None


# The one input-error type of the collection, under the name this module has always raised.
ResourceInputError = InputError


def resource_id(subscription_id, resource_group, provider, rtype, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s" % (
        subscription_id, resource_group, provider, rtype, name)


def parse_resource_id(value, provider, rtype):
    """``(subscription, resource_group, name)`` of a ``provider/rtype`` resource id, or ``None``."""
    parts = [p for p in str(value or "").strip().split("/") if p]
    if (len(parts) == 8 and parts[0].lower() == "subscriptions" and parts[2].lower() == "resourcegroups"
            and parts[4].lower() == "providers" and parts[5].lower() == provider.lower()
            and parts[6].lower() == rtype.lower()):
        return parts[1], parts[3], parts[7]
    return None


def resolve_reference(value, option, provider, rtype, name_re, example, subscription_id=None, resource_group=None,
                      rg_option="resource_group"):
    """The full resource id for ``value``: a resource id, or a name with a resource group and subscription.

    Raises :class:`ResourceInputError` naming ``option`` (or the option that is missing) and how to fix it.
    """
    value = str(value or "").strip()
    if not value:
        raise ResourceInputError("%s is required" % option)
    if "/" in value:
        parsed = parse_resource_id(value, provider, rtype)
        if parsed is None:
            raise ResourceInputError("%s '%s' is not a %s/%s resource id (%s)" % (option, value, provider, rtype, example))
        if not is_guid(parsed[0]):
            raise ResourceInputError("%s '%s' has '%s' where a subscription id (a GUID) belongs" % (option, value, parsed[0]))
        sub, group, name = parsed
    else:
        name = value
        missing = [n for n, v in ((rg_option, resource_group), ("subscription_id", subscription_id)) if not v]
        if missing:
            raise ResourceInputError("%s '%s' is a name, so %s must be set too (or give the full resource id: %s)"
                                     % (option, value, " and ".join(missing), example))
        if not is_guid(subscription_id):
            raise ResourceInputError("subscription_id must be a subscription id (a GUID); got '%s'" % subscription_id)
        sub, group = subscription_id, resource_group
    if not name_re.match(name):
        raise ResourceInputError("%s has an invalid name '%s'" % (option, name))
    return resource_id(sub, group, provider, rtype, name)
