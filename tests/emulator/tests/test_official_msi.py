# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure-mgmt-msi, unmodified, against the emulator: user-assigned identities and federated credentials.

The client is built as its documentation shows for another cloud: ``base_url`` (the ARM endpoint),
``credential_scopes`` and ``connection_verify`` (the CA bundle), with an azure-identity credential.
"""

from __future__ import annotations

import pytest

from .official_support import Calls, assert_conformant, credential

msi = pytest.importorskip("azure.mgmt.msi")
exceptions = pytest.importorskip("azure.core.exceptions")

ISSUER = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0"
AUDIENCE = "api://AzureADTokenExchange"
calls = Calls("Managed Identity (azure-mgmt-msi)")


@pytest.fixture
def client(emu):
    assert emu.admin("DELETE", "/violations").status_code == 204
    emu.config(fic_concurrency_conflicts=False)
    info = emu.info
    return msi.ManagedServiceIdentityClient(credential(info), info["subscription_id"], base_url=info["base_url"],
                                            credential_scopes=["https://management.azure.com/.default"],
                                            connection_verify=info["ca_path"])


def test_identity_lifecycle(emu, client):
    rg = emu.info["resource_group"]
    created = calls(client.user_assigned_identities.create_or_update, rg, "id-official",
                    {"location": "eastus", "tags": {"owner": "tests"}})
    assert created.name == "id-official" and created.location == "eastus" and created.tags == {"owner": "tests"}
    assert created.type == "Microsoft.ManagedIdentity/userAssignedIdentities"
    assert created.tenant_id == emu.info["tenant_id"] and created.client_id and created.principal_id
    got = calls(client.user_assigned_identities.get, rg, "id-official")
    assert (got.id, got.client_id, got.principal_id) == (created.id, created.client_id, created.principal_id)
    updated = calls(client.user_assigned_identities.update, rg, "id-official", {"tags": {"owner": "ci"}})
    assert updated.tags == {"owner": "ci"}
    calls(client.user_assigned_identities.create_or_update, rg, "id-official-2", {"location": "eastus"})
    calls(client.user_assigned_identities.create_or_update, rg, "id-official-3", {"location": "eastus"})
    by_group = calls(lambda: [i.name for i in client.user_assigned_identities.list_by_resource_group(rg)])
    assert sorted(by_group) == ["id-official", "id-official-2", "id-official-3"]  # two pages of two (page size 2)
    by_sub = calls(lambda: [i.name for i in client.user_assigned_identities.list_by_subscription()])
    assert set(by_group) <= set(by_sub)
    assert calls(client.user_assigned_identities.delete, rg, "id-official") is None
    missing = calls.fails(exceptions.ResourceNotFoundError, client.user_assigned_identities.get, rg, "id-official")
    assert missing.error.code == "ResourceNotFound"
    assert calls(client.user_assigned_identities.delete, rg, "id-official") is None  # 204: already gone
    assert_conformant(emu)


def test_federated_identity_credentials(emu, client):
    rg = emu.info["resource_group"]
    calls(client.user_assigned_identities.create_or_update, rg, "id-fic", {"location": "eastus"})
    fics = client.federated_identity_credentials
    created = calls(fics.create_or_update, rg, "id-fic", "fic-one",
                    {"issuer": ISSUER, "subject": "sc://org/project/one", "audiences": [AUDIENCE]})
    assert (created.name, created.issuer, created.subject, created.audiences) == \
        ("fic-one", ISSUER, "sc://org/project/one", [AUDIENCE])
    assert created.type == "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
    calls(fics.create_or_update, rg, "id-fic", "fic-two", {"issuer": ISSUER, "subject": "sc://org/project/two",
                                                           "audiences": [AUDIENCE]})
    calls(fics.create_or_update, rg, "id-fic", "fic-three", {"issuer": ISSUER, "subject": "sc://org/project/3",
                                                             "audiences": [AUDIENCE]})
    replaced = calls(fics.create_or_update, rg, "id-fic", "fic-one",
                     {"issuer": ISSUER, "subject": "sc://org/project/renamed", "audiences": [AUDIENCE]})
    assert replaced.subject == "sc://org/project/renamed"
    assert calls(fics.get, rg, "id-fic", "fic-two").subject == "sc://org/project/two"
    listed = calls(lambda: sorted(f.name for f in fics.list(rg, "id-fic", top=2)))  # follows the nextLink
    assert listed == ["fic-one", "fic-three", "fic-two"]
    duplicate = calls.fails(exceptions.HttpResponseError, fics.create_or_update, rg, "id-fic", "fic-dup",
                            {"issuer": ISSUER, "subject": "sc://org/project/two", "audiences": [AUDIENCE]})
    assert duplicate.status_code == 400
    assert calls(fics.delete, rg, "id-fic", "fic-two") is None
    calls.fails(exceptions.ResourceNotFoundError, fics.get, rg, "id-fic", "fic-two")
    orphan = calls.fails(exceptions.ResourceNotFoundError, fics.create_or_update, rg, "id-none", "fic-x",
                         {"issuer": ISSUER, "subject": "s", "audiences": [AUDIENCE]})
    assert "parent user-assigned identity" in orphan.message
    assert_conformant(emu)
