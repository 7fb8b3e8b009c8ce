# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every key a module returns is documented in its RETURN, and RETURN documents nothing it never returns.

The result of each module is built by a normalizer in module_utils; the test feeds each normalizer a body and
compares the keys of what comes out with the ``contains`` of the module's RETURN entry (issue 11 item 7).
"""

from __future__ import annotations

import ast
import os

import pytest
import yaml

from ansible_collections.azdo.identity.plugins.module_utils import (
    _drift, _endpoint, _federation, _issuer, _msi, _pool, _pool_identity,
)
from ansible_collections.azdo.identity.plugins.module_utils._arm import normalize_role_assignment
from ansible_collections.azdo.identity.plugins.module_utils._azdo import normalize_entitlement
from ansible_collections.azdo.identity.plugins.module_utils._graph import normalize_application
from ansible_collections.azdo.identity.plugins.module_utils._role_assignment import public_assignment

MODULES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")
GUID = "00000000-0000-0000-0000-000000000001"
MI_ID = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id" % GUID


def returned(module):
    with open(os.path.join(MODULES, module + ".py")) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "RETURN":
            return yaml.safe_load(node.value.value)
    raise AssertionError("%s has no RETURN" % module)


def documented(module, key):
    entry = returned(module)[key]
    assert entry.get("contains"), "%s: RETURN %s documents no keys" % (module, key)
    return set(entry["contains"])


def connection():
    return dict(_endpoint.normalize({"id": GUID, "type": "azurerm"}), pipeline_permissions={})


def app():
    out = dict((k, v) for k, v in normalize_application({"id": GUID}).items() if k != "passwords")
    return dict(out, service_principal_id=GUID, client_secret={})


def entitlement():
    return normalize_entitlement({"id": GUID, "servicePrincipal": {"originId": GUID}, "accessLevel": {},
                                  "projectEntitlements": []})


def assignment():
    body = {"id": "/subscriptions/%s/providers/Microsoft.Authorization/roleAssignments/%s" % (GUID, GUID),
            "name": GUID, "properties": {"scope": "/subscriptions/" + GUID, "principalId": GUID,
                                         "roleDefinitionId": "/providers/x/roleDefinitions/" + GUID}}
    return public_assignment(normalize_role_assignment(body, "Reader"))


def pool():
    body = {"id": GUID, "identity": {"type": "UserAssigned", "userAssignedIdentities": {MI_ID: {}}},
            "properties": {"provisioningState": "Succeeded"}}
    return _pool_identity.public_view(_pool.normalize_pool(body), MI_ID)


CASES = [
    ("azdo_service_connection", "service_connection", connection),
    ("azdo_service_connection_info", "service_connections",
     lambda: dict(_endpoint.normalize({"id": GUID}), convertible=True, not_convertible_reason=None, conversion_note=None)),
    ("app_registration", "app_registration", app),
    ("azdo_service_principal", "service_principal", entitlement),
    ("role_assignment", "role_assignment", assignment),
    ("role_assignment_info", "role_assignments", assignment),
    ("managed_identity", "managed_identity", lambda: _msi.normalize_identity({"id": MI_ID, "properties": {}})),
    ("managed_identity_federation", "federated_credential",
     # _federation.result adds the parent it wrote to
     lambda: dict(_federation.public(dict(id=GUID, name="n", issuer="i", subject="s", audiences=[])),
                  parent_id=MI_ID, parent_type="managed_identity")),
    ("managed_devops_pool_identity", "pool_identity", pool),
    ("azdo_service_connection_issuer", "service_connection", lambda: _issuer.view({"id": GUID})),
    ("azdo_service_connection_inventory", "service_connections",
     lambda: dict(_issuer.view({"id": GUID}), eligible=True, reason=None, identity=None, secret_expiry=None)),
    ("workload_identity_service_connection_drift", "connections", lambda: _drift.blank({})),
]


@pytest.mark.parametrize("module, key, build", CASES, ids=[c[0] for c in CASES])
def test_return_documents_exactly_what_the_module_returns(module, key, build):
    produced = set(build())
    docs = documented(module, key)
    assert sorted(produced - docs) == [], "returned but not documented"
    assert sorted(docs - produced) == [], "documented but never returned"


def test_every_module_is_covered():
    names = sorted(f[:-3] for f in os.listdir(MODULES) if f.endswith(".py") and not f.startswith("_"))
    assert names == sorted(c[0] for c in CASES)


@pytest.mark.parametrize("module", [c[0] for c in CASES])
def test_documentation_parses(module):
    """A YAML slip (an unquoted ``key: value`` inside a description) makes ansible-doc refuse the whole module."""
    with open(os.path.join(MODULES, module + ".py")) as handle:
        tree = ast.parse(handle.read())
    found = dict((node.targets[0].id, node.value.value) for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("DOCUMENTATION", "EXAMPLES", "RETURN"))
    assert sorted(found) == ["DOCUMENTATION", "EXAMPLES", "RETURN"]
    for name, text in found.items():
        assert yaml.safe_load(text), name
