# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A user-assigned managed identity: the desired-state logic of ``managed_identity``.

``ensure()`` takes a :class:`~._context.Context` and the module's options and returns ``dict(changed, before,
after)`` with the normalized identity (``{}`` when absent). The identity's region cannot change in place; its
tags are merged or replaced (``purge_tags``).
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, failing_to
from ansible_collections.azdo.identity.plugins.module_utils._msi import NAME_RE, identity_id


def _region(value):
    return (value or "").replace(" ", "").lower()


def desired_tags(current, tags, purge):
    if tags is None:
        return current
    tags = dict((str(k), str(v)) for k, v in tags.items())
    if purge:
        return tags
    merged = dict(current or {})
    merged.update(tags)
    return merged


def _result(changed, before, after):
    return dict(changed=changed, before=before or {}, after=after or {})


def ensure(ctx, params, subscription):
    if not NAME_RE.match(params["name"]):
        raise InputError("name '%s' is not a valid managed identity name: 3 to 128 letters, digits, '-' and '_', "
                         "starting with a letter or digit" % params["name"])
    resource_id = identity_id(subscription, params["resource_group"], params["name"])
    client = ctx.clients.identities
    with failing_to("read", "managed identity %s" % resource_id):
        current = client.get(resource_id)

    if params["state"] == "absent":
        if current is None:
            return _result(False, {}, {})
        if not ctx.check_mode:
            with failing_to("delete", "managed identity %s" % resource_id):
                client.delete(resource_id)
        return _result(True, current, {})

    if current is None:
        location = params["location"]
        if not location:
            with failing_to("read", "resource group %s" % params["resource_group"]):
                group = client.resource_group(subscription, params["resource_group"])
            if group is None:
                raise InputError("resource_group '%s' does not exist in subscription %s; create it first or fix the "
                                 "name" % (params["resource_group"], subscription))
            location = group.get("location")
        tags = desired_tags({}, params["tags"], params["purge_tags"])
        if ctx.check_mode:
            return _result(True, {}, dict(id=resource_id, name=params["name"], subscription_id=subscription,
                                          resource_group=params["resource_group"], location=location, tags=tags,
                                          client_id=None, principal_id=None, tenant_id=None))
        with failing_to("create", "managed identity %s" % resource_id):
            return _result(True, {}, client.put(resource_id, location, tags))

    if params["location"] and _region(params["location"]) != _region(current["location"]):
        raise InputError("location of managed identity %s is %s and cannot change to %s; delete and recreate it, or "
                         "drop the location option" % (resource_id, current["location"], params["location"]))
    tags = desired_tags(current["tags"], params["tags"], params["purge_tags"])
    if tags == (current["tags"] or {}):
        return _result(False, current, current)
    if ctx.check_mode:
        return _result(True, current, dict(current, tags=tags))
    with failing_to("update", "tags of managed identity %s" % resource_id):
        return _result(True, current, client.put(resource_id, current["location"], tags))


# The module's own options (its documentation lists them); shared with the callers that check many at once.
ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    resource_group=dict(type="str", required=True),
    location=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
