# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure-mgmt-authorization, unmodified, against the emulator: role definitions and role assignments.

Built as documented for another cloud: ``base_url``, ``credential_scopes`` and ``connection_verify`` (CA bundle);
the default profile's api-version for both operation groups is 2022-04-01, the stored spec's.
"""

from __future__ import annotations

import uuid

import pytest

from .official_support import Calls, assert_conformant, credential

authorization = pytest.importorskip("azure.mgmt.authorization")
models = pytest.importorskip("azure.mgmt.authorization.v2022_04_01.models")
exceptions = pytest.importorskip("azure.core.exceptions")

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
calls = Calls("Authorization (azure-mgmt-authorization)")


@pytest.fixture
def client(emu):
    assert emu.admin("DELETE", "/violations").status_code == 204
    info = emu.info
    return authorization.AuthorizationManagementClient(credential(info), info["subscription_id"],
                                                       base_url=info["base_url"],
                                                       credential_scopes=["https://management.azure.com/.default"],
                                                       connection_verify=info["ca_path"])


def test_role_definitions_by_role_name(emu, client):
    scope = f"/subscriptions/{emu.sub}"
    found = calls(lambda: list(client.role_definitions.list(scope, filter="roleName eq 'Reader'")))
    assert [(d.name, d.role_name, d.role_type) for d in found] == [(READER, "Reader", "BuiltInRole")]
    assert found[0].id == f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    assert "*/read" in found[0].permissions[0].actions
    got = calls(client.role_definitions.get, scope, READER)
    assert got.role_name == "Reader" and got.assignable_scopes == ["/"]
    all_roles = calls(lambda: list(client.role_definitions.list(scope)))  # several pages (page size 2)
    assert len(all_roles) > 10 and READER in {d.name for d in all_roles}
    assert calls(lambda: list(client.role_definitions.list(scope, filter="roleName eq 'No Such Role'"))) == []
    calls.fails(exceptions.ResourceNotFoundError, client.role_definitions.get, scope, str(uuid.uuid4()))
    assert_conformant(emu)


def test_role_assignment_lifecycle_and_conflict(emu, client):
    scope = emu.rg_path
    principal = emu.seed({"principals": [{"type": "ServicePrincipal", "displayName": "sp-official"}]})["principals"][0]["id"]
    role_id = f"/subscriptions/{emu.sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    name = str(uuid.uuid4())
    params = models.RoleAssignmentCreateParameters(role_definition_id=role_id, principal_id=principal,
                                                   principal_type="ServicePrincipal", description="from the SDK")
    created = calls(client.role_assignments.create, scope, name, params)
    assert (created.name, created.scope, created.principal_id, created.principal_type) == \
        (name, scope, principal, "ServicePrincipal")
    assert created.role_definition_id.lower().endswith(READER) and created.description == "from the SDK"
    got = calls(client.role_assignments.get, scope, name)
    assert got.id == created.id and got.created_by
    conflict = calls.fails(exceptions.ResourceExistsError, client.role_assignments.create, scope, str(uuid.uuid4()), params)
    assert conflict.status_code == 409 and conflict.error.code == "RoleAssignmentExists"
    assert conflict.error.message == "The role assignment already exists."
    mine = calls(lambda: list(client.role_assignments.list_for_scope(scope, filter=f"principalId eq '{principal}'")))
    assert [a.name for a in mine] == [name]
    at_scope = calls(lambda: list(client.role_assignments.list_for_scope(scope, filter="atScope()")))
    assert name in {a.name for a in at_scope} and emu.info["principal_id"] in {a.principal_id for a in at_scope}
    assigned = calls(lambda: list(client.role_assignments.list_for_scope(scope, filter=f"assignedTo('{principal}')")))
    assert [a.name for a in assigned] == [name]
    deleted = calls(client.role_assignments.delete, scope, name)
    assert deleted.name == name
    assert calls(client.role_assignments.delete, scope, name) is None  # 204 when already gone
    calls.fails(exceptions.ResourceNotFoundError, client.role_assignments.get, scope, name)
    assert_conformant(emu)


def test_principal_not_found_until_replicated(emu, client):
    scope = emu.rg_path
    fresh = emu.seed({"principals": [{"type": "ServicePrincipal", "displayName": "sp-new", "age": 0}]})["principals"][0]["id"]
    role_id = f"/subscriptions/{emu.sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    params = models.RoleAssignmentCreateParameters(role_definition_id=role_id, principal_id=fresh)
    emu.config(principal_type_bypasses_replication=False)
    early = calls.fails(exceptions.HttpResponseError, client.role_assignments.create, scope, str(uuid.uuid4()), params)
    assert early.status_code == 400 and early.error.code == "PrincipalNotFound"
    emu.advance(1.1)  # the session emulator's replication delay is 1 s
    # The SDK model fills in the spec's default principalType "User": once ARM can see the service principal it
    # compares the type and refuses (UnmatchedPrincipalType, README "Role assignments").
    mismatch = calls.fails(exceptions.HttpResponseError, client.role_assignments.create, scope, str(uuid.uuid4()), params)
    assert mismatch.status_code == 400 and mismatch.error.code == "UnmatchedPrincipalType"
    params = models.RoleAssignmentCreateParameters(role_definition_id=role_id, principal_id=fresh,
                                                   principal_type="ServicePrincipal")
    created = calls(client.role_assignments.create, scope, str(uuid.uuid4()), params)
    assert created.principal_type == "ServicePrincipal" and created.principal_id == fresh
    assert_conformant(emu)
