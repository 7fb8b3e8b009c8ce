# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired-versus-current comparison shared by every module.

Azure resource ids are case-insensitive and may come back with or without a trailing slash
(docs/service-behaviour.md#resource-ids-are-case-insensitive; https://github.com/ansible-collections/azure/pull/1807
and https://github.com/ansible-collections/azure/pull/1869 fixed exactly those two mismatches), so every
id comparison goes through :func:`normalize_id`.
"""

from __future__ import annotations

import re
import uuid

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(value):
    return bool(value) and bool(GUID_RE.match(str(value)))


def normalize_id(value):
    """Lower case, one leading slash, no trailing slash, no doubled slashes."""
    if value is None:
        return None
    parts = [p for p in str(value).strip().split("/") if p]
    return ("/" + "/".join(parts)).lower()


def ids_equal(a, b):
    return normalize_id(a) == normalize_id(b)


def last_segment(resource_id):
    """The last path segment of an id (a role definition's GUID, a resource's name)."""
    if not resource_id:
        return None
    parts = [p for p in str(resource_id).split("/") if p]
    return parts[-1] if parts else None


def stable_guid(*parts):
    """A GUID derived only from ``parts`` (case-insensitively), so retries and re-runs pick the same name."""
    key = "|".join(str(p).lower() for p in parts)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "azdo.identity:" + key))


def differences(desired, current, ignore=(), id_keys=()):
    """Keys of ``desired`` whose value differs in ``current``.

    A ``None`` in ``desired`` means "not managed" and is skipped; keys in ``ignore`` (server-managed
    fields) are skipped; keys in ``id_keys`` compare as Azure ids. Returns ``{key: (current, desired)}``.
    """
    current = current or {}
    found = {}
    for key, want in desired.items():
        if want is None or key in ignore:
            continue
        have = current.get(key)
        if key in id_keys:
            same = ids_equal(have, want)
        elif isinstance(want, dict) and isinstance(have, dict):
            same = not differences(want, have)
        else:
            same = have == want
        if not same:
            found[key] = (have, want)
    return found
