# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._compare import (
    differences, ids_equal, is_guid, last_segment, normalize_id, stable_guid,
)


def test_ids_compare_case_and_trailing_slash_insensitively():
    assert ids_equal("/subscriptions/ABC/resourceGroups/RG/", "/subscriptions/abc/resourcegroups/rg")
    assert ids_equal("subscriptions/abc", "/subscriptions/abc//")
    assert not ids_equal("/subscriptions/abc/resourceGroups/rg1", "/subscriptions/abc/resourceGroups/rg")
    assert normalize_id(None) is None


def test_stable_guid_is_deterministic_and_case_insensitive():
    a = stable_guid("/subscriptions/S", "ROLE", "P")
    assert a == stable_guid("/subscriptions/s", "role", "p")
    assert a != stable_guid("/subscriptions/s", "role", "q")
    assert is_guid(a)


def test_differences_ignores_unmanaged_and_server_fields():
    current = {"description": "old", "condition": None, "createdOn": "x", "scope": "/Subscriptions/A/"}
    desired = {"description": "new", "condition": None, "createdOn": "y", "scope": "/subscriptions/a"}
    assert differences(desired, current, ignore=("createdOn",), id_keys=("scope",)) == {"description": ("old", "new")}
    assert differences({"tags": {"a": "1"}}, {"tags": {"a": "1", "b": "2"}}) == {}
    assert last_segment("/x/roleDefinitions/abc/") == "abc"
