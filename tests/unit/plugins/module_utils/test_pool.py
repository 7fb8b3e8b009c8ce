# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pool identity desired state: references, certificate rules, the PATCH body, and the LRO client
against a scripted pool service that applies PATCH bodies the way ARM may (merge or replace)."""

from __future__ import annotations

import copy
import json

import pytest

from fakes import FakeRaw

from ansible_collections.azdo.identity.plugins.module_utils._arm import ArmClient
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline
from ansible_collections.azdo.identity.plugins.module_utils._pool import (
    PoolClient, PoolInputError, certificate_problem, identity_change, normalize_pool, normalize_vault, patch_body,
    resolve_identity, resolve_pool, resolve_vault, secrets_change,
)
from ansible_collections.azdo.identity.plugins.module_utils import _pool_identity as pool_identity
from ansible_collections.azdo.identity.plugins.module_utils._pool_identity import (
    multiple_identities_warning, predict, public_view,
)

SUB = "00000000-0000-0000-0000-00000000000a"
RG = "/subscriptions/%s/resourceGroups/rg-build" % SUB
POOL_ID = RG + "/providers/Microsoft.DevOpsInfrastructure/pools/mdp-build"
MI = RG + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-build"
MI_OTHER = RG + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-other"
CERT = "https://kv-build.vault.azure.net/secrets/signing"
CERT2 = "https://kv-build.vault.azure.net/secrets/root-ca/0123456789abcdef0123456789abcdef"


def pool_body(identities=(), secrets=None, state="Succeeded", system=False):
    image = {"wellKnownImageName": "windows-2022/latest", "buffer": "*"}
    fabric = {"sku": {"name": "Standard_D4ads_v5"}, "images": [image],
              "osProfile": {"logonType": "Interactive"}, "storageProfile": {"osDiskStorageAccountType": "Premium"},
              "networkProfile": {"subnetId": RG + "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/agents"},
              "kind": "Vmss"}
    if secrets is not None:
        fabric["osProfile"]["secretsManagementSettings"] = secrets
    body = {"id": POOL_ID, "name": "mdp-build", "location": "westeurope", "tags": {"team": "build"},
            "properties": {"provisioningState": state, "maximumConcurrency": 4,
                           "organizationProfile": {"organizations": [{"url": "https://dev.azure.com/o", "parallelism": 4}],
                                                   "kind": "AzureDevOps"},
                           "agentProfile": {"kind": "Stateful", "maxAgentLifetime": "7.00:00:00"},
                           "devCenterProjectResourceId": RG + "/providers/Microsoft.DevCenter/projects/p",
                           "fabricProfile": fabric}}
    if identities or system:
        body["identity"] = {"type": ("SystemAssigned," if system else "") + ("UserAssigned" if identities else ""),
                            "userAssignedIdentities": dict((i, {"principalId": "p-" + i[-5:], "clientId": "c-" + i[-5:]})
                                                           for i in identities)}
        body["identity"]["type"] = body["identity"]["type"].rstrip(",")
    return body


def merge(target, patch):
    """RFC 7386, what ARM documents for PATCH."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def apply_patch(body, patch, semantics):
    """Apply a PoolUpdate body: "merge" (deep, null removes) or "replace" (each part sent replaces the pool's)."""
    after = copy.deepcopy(body)
    if semantics == "merge":
        if "identity" in patch:
            after["identity"] = merge(after.get("identity") or {}, patch["identity"])
        if "properties" in patch:
            after["properties"] = merge(after["properties"], patch["properties"])
    else:
        if "identity" in patch:
            ident = copy.deepcopy(patch["identity"])
            ident["userAssignedIdentities"] = dict((k, v) for k, v in (ident.get("userAssignedIdentities") or {}).items()
                                                   if v is not None)
            after["identity"] = ident
        for key, value in (patch.get("properties") or {}).items():
            after["properties"][key] = copy.deepcopy(value)
    ident = after.get("identity")
    if ident is not None:
        if "UserAssigned" not in ident.get("type", ""):
            ident.pop("userAssignedIdentities", None)
        for key, value in (ident.get("userAssignedIdentities") or {}).items():
            if not value:
                ident["userAssignedIdentities"][key] = {"principalId": "p-" + key[-5:], "clientId": "c-" + key[-5:]}
    return after


class PoolService(object):
    """One pool behind a FakeSession: GET, PATCH (202 + Location, polled ``polls`` times), failures on demand."""

    def __init__(self, body, semantics="merge", polls=2, fail=None, status_503=0, sync=False):
        self.body = body
        self.semantics = semantics
        self.polls = polls
        self.fail = fail
        self.status_503 = status_503
        self.sync = sync
        self.patches = []
        self.pending = 0

    def __call__(self, method, url, kwargs):
        path = url.split("?")[0]
        if method == "PATCH":
            if self.status_503:
                self.status_503 -= 1
                return FakeRaw(503, {"error": {"code": "ServiceUnavailable", "message": "busy"}})
            patch = json.loads(kwargs["data"])
            self.patches.append(patch)
            self.body = apply_patch(self.body, patch, self.semantics)
            if self.sync:
                return FakeRaw(200, self.body)
            self.pending = self.polls
            return FakeRaw(202, None, {"Location": "https://arm.example/operationResults/1", "Retry-After": "2"})
        if path.endswith("/operationResults/1"):
            if self.pending:
                self.pending -= 1
                return FakeRaw(202, None, {"Location": "https://arm.example/operationResults/1", "Retry-After": "2"})
            if self.fail:
                return FakeRaw(400, {"error": {"code": "PoolProvisioningFailed", "message": self.fail}})
            return FakeRaw(200, self.body)
        if method == "GET" and path.lower().endswith(POOL_ID.lower()):
            return FakeRaw(200, self.body)
        return FakeRaw(404, {"error": {"code": "ResourceNotFound", "message": url}})


def deadline(clock, seconds, messages=None):
    return Deadline(seconds, clock.clock, clock.sleep, messages.append if messages is not None else None, "timeout")


def client_for(make_client, service):
    rest, session = make_client(service)
    return PoolClient(ArmClient(rest)), session


# ---------------------------------------------------------------------------- references and input
def test_references_by_id_or_name():
    assert resolve_pool(POOL_ID.lower() + "/") == ("/subscriptions/%s/resourceGroups/rg-build/providers/"
                                                   "Microsoft.DevOpsInfrastructure/pools/mdp-build" % SUB)
    assert resolve_pool("mdp-build", SUB, "rg-build") == POOL_ID
    assert resolve_identity("id-build", SUB, "rg-build") == MI
    assert resolve_vault("kv-build", SUB, "rg-build").endswith("/providers/Microsoft.KeyVault/vaults/kv-build")


@pytest.mark.parametrize("call,words", [
    (lambda: resolve_pool("mdp-build", SUB, None), ["pool", "resource_group"]),
    (lambda: resolve_pool("mdp-build", None, "rg"), ["subscription_id"]),
    (lambda: resolve_pool("-bad", SUB, "rg"), ["pool", "invalid name"]),
    (lambda: resolve_pool(RG + "/providers/Microsoft.Compute/virtualMachines/vm"), ["pool", "DevOpsInfrastructure"]),
    (lambda: resolve_pool("/subscriptions/sub1/resourceGroups/rg/providers/Microsoft.DevOpsInfrastructure/pools/p"),
     ["subscription id"]),
    (lambda: resolve_identity("x", SUB, "rg"), ["identity", "invalid name"]),
    (lambda: resolve_identity("id-build", SUB, None), ["identity_resource_group"]),
    (lambda: resolve_vault("kv_bad!", SUB, "rg"), ["key_vault"]),
    (lambda: resolve_vault("kv", SUB, "rg"), ["key_vault"]),
])
def test_bad_references_name_the_option(call, words):
    with pytest.raises(PoolInputError) as info:
        call()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("uri,problem", [
    (CERT, None), (CERT2, None), (CERT + "/", None),
    ("http://kv-build.vault.azure.net/secrets/signing", "https"),
    ("https://kv-build.vault.azure.net/certificates/signing", "/secrets/"),
    ("https://kv-build.vault.azure.net/keys/signing", "/secrets/<name>"),
    ("https://kv-build.vault.azure.net/secrets/signing/v1", "version"),
    ("https://kv-build.vault.azure.net/secrets/sign_ing", "secret name"),
    ("https://kv-build.vault.azure.net/secrets/signing?api-version=7.4", "query"),
    ("kv-build/secrets/signing", "not a URL"),
])
def test_certificate_uris(uri, problem):
    found = certificate_problem(uri)
    assert (found is None) if problem is None else (problem in found)


def params(**overrides):
    base = dict(timeout=1800, principal_timeout=300, state="present", remove_key_vault_role=False,
                certificate_store_location=None, certificate_store_name=None, key_exportable=None,
                purge_certificates=False, key_vault="kv-build", certificates=[CERT], pool="mdp-build",
                resource_group="rg-build", subscription_id=SUB, identity="id-build", identity_resource_group=None,
                key_vault_resource_group=None, grant_key_vault_role=True)
    base.update(overrides)
    return base


@pytest.mark.parametrize("overrides,words", [
    (dict(timeout=0), ["timeout"]),
    (dict(principal_timeout=-1), ["principal_timeout"]),
    (dict(remove_key_vault_role=True), ["remove_key_vault_role", "state=absent"]),
    (dict(state="absent", key_exportable=True), ["key_exportable", "state=present"]),
    (dict(state="absent", purge_certificates=True), ["purge_certificates"]),
    (dict(state="absent", remove_key_vault_role=True, key_vault=None), ["remove_key_vault_role", "key_vault"]),
    (dict(key_vault=None), ["certificates", "key_vault"]),
    (dict(certificates=["https://kv-build.vault.azure.net/certificates/c"]), ["certificates", "/secrets/"]),
])
def test_module_validation_before_any_request(overrides, words):
    message = pool_identity.validate(params(**overrides))
    for word in words:
        assert word in message


def test_module_references_reject_a_certificate_of_another_vault():
    assert pool_identity.validate(params(certificates=["https://kv-other.vault.azure.net/secrets/c"])) is None
    with pytest.raises(PoolInputError) as info:
        pool_identity.references(params(certificates=["https://kv-other.vault.azure.net/secrets/c"]))
    assert "key_vault 'kv-build'" in str(info.value)
    pool_id, identity_id, vault_id = pool_identity.references(params(pool=POOL_ID, resource_group=None, subscription_id=None))
    assert (pool_id, identity_id) == (POOL_ID, MI) and vault_id.startswith(RG)


def test_vault_permission_model():
    assert normalize_vault({"id": "v", "properties": {"enableRbacAuthorization": True}})["rbac"] is True
    assert normalize_vault({"id": "v", "properties": {"enableRbacAuthorization": False}})["rbac"] is False
    assert normalize_vault({"id": "v", "properties": {}})["rbac"] is False  # missing: access policies
    assert normalize_vault({"id": "v", "properties": {"enableRbacAuthorization": None}})["rbac"] is False


# ---------------------------------------------------------------------------- desired state
def test_attach_keeps_other_identities_and_is_idempotent():
    pool = normalize_pool(pool_body([MI_OTHER]))
    block, remaining = identity_change(pool, MI, True)
    assert block == {"type": "UserAssigned", "userAssignedIdentities": {MI_OTHER: {}, MI: {}}}
    assert remaining == [MI_OTHER, MI]
    assert "2 user-assigned identities" in multiple_identities_warning("mdp-build", remaining)
    attached = normalize_pool(pool_body([MI.upper()]))
    assert identity_change(attached, MI, True) == (None, [MI.upper()])
    assert multiple_identities_warning("mdp-build", [MI]) is None


def test_attach_keeps_a_system_assigned_identity():
    block = identity_change(normalize_pool(pool_body(system=True)), MI, True)[0]
    assert block["type"] == "SystemAssigned,UserAssigned"
    detach = identity_change(normalize_pool(pool_body([MI], system=True)), MI, False)[0]
    assert detach == {"type": "SystemAssigned"}


def test_detach_sends_null_for_the_removed_identity_only():
    pool = normalize_pool(pool_body([MI_OTHER, MI.lower()]))
    block, remaining = identity_change(pool, MI, False)
    assert block == {"type": "UserAssigned", "userAssignedIdentities": {MI_OTHER: {}, MI.lower(): None}}
    assert remaining == [MI_OTHER]
    assert identity_change(normalize_pool(pool_body([MI])), MI, False)[0] == {"type": "None"}
    assert identity_change(normalize_pool(pool_body([MI_OTHER])), MI, False) == (None, [MI_OTHER])


def test_secrets_add_purge_remove_and_noop():
    have = {"observed_certificates": [CERT2], "certificate_store_location": "LocalMachine",
            "certificate_store_name": "My", "key_exportable": False}
    added = secrets_change(have, True, [CERT])
    assert added["observed_certificates"] == [CERT2, CERT] and added["certificate_store_name"] == "My"
    assert secrets_change(have, True, [CERT2.upper()]) is None  # same URI, other case
    assert secrets_change(have, True, None) is None
    assert secrets_change(have, True, [CERT], purge=True)["observed_certificates"] == [CERT]
    assert secrets_change(have, True, [], purge=True)["observed_certificates"] == []
    assert secrets_change(have, True, None, key_exportable=True)["key_exportable"] is True
    assert secrets_change(have, True, None, store_name="My") is None
    assert secrets_change(have, False, [CERT2])["observed_certificates"] == []
    assert secrets_change(have, False, [CERT]) is None
    assert secrets_change(None, False, [CERT]) is None
    fresh = secrets_change(None, True, [CERT])
    assert fresh == {"observed_certificates": [CERT], "certificate_store_location": None,
                     "certificate_store_name": None, "key_exportable": False}


@pytest.mark.parametrize("semantics", ["merge", "replace"])
def test_patch_changes_only_the_owned_parts_under_either_patch_semantics(semantics):
    before_body = pool_body([MI_OTHER], secrets={"observedCertificates": [CERT2], "keyExportable": False})
    pool = normalize_pool(before_body)
    block = identity_change(pool, MI, True)[0]
    secrets = secrets_change(pool["secrets"], True, [CERT], store_location="LocalMachine", store_name="My")
    body = patch_body(pool, block, secrets)
    assert set(body) == {"identity", "properties"} and set(body["properties"]) == {"fabricProfile"}
    after_body = apply_patch(before_body, body, semantics)
    # everything the module does not own is exactly as it was
    for key in ("maximumConcurrency", "organizationProfile", "agentProfile", "devCenterProjectResourceId"):
        assert after_body["properties"][key] == before_body["properties"][key]
    assert after_body["tags"] == before_body["tags"]
    fabric_before = dict(before_body["properties"]["fabricProfile"])
    fabric_after = dict(after_body["properties"]["fabricProfile"])
    assert fabric_after.pop("osProfile")["logonType"] == fabric_before.pop("osProfile")["logonType"] == "Interactive"
    assert fabric_after == fabric_before
    after = normalize_pool(after_body)
    assert sorted(after["user_assigned_identities"]) == sorted([MI_OTHER, MI])
    assert after["secrets"] == {"observed_certificates": [CERT2, CERT], "certificate_store_location": "LocalMachine",
                                "certificate_store_name": "My", "key_exportable": False}
    # check mode predicts exactly what the service ends with
    predicted = predict(pool, block, MI, {"principal_id": "p-build", "client_id": "c-build"}, secrets)
    assert predicted["secrets"] == after["secrets"]
    assert sorted(predicted["user_assigned_identities"]) == sorted(after["user_assigned_identities"])
    # and a detach under the same semantics removes only that identity
    detach = patch_body(after, identity_change(after, MI, False)[0], None)
    assert list(normalize_pool(apply_patch(after_body, detach, semantics))["user_assigned_identities"]) == [MI_OTHER]


def test_identity_only_change_does_not_touch_the_fabric_profile():
    pool = normalize_pool(pool_body())
    body = patch_body(pool, identity_change(pool, MI, True)[0], None)
    assert body == {"identity": {"type": "UserAssigned", "userAssignedIdentities": {MI: {}}}}


def test_public_view_is_the_owned_part_only():
    pool = normalize_pool(pool_body([MI], secrets={"observedCertificates": [CERT], "keyExportable": True}))
    view = public_view(pool, MI.lower(), None, {"id": "/ra/1"}, {"id": "/kv"})
    assert view["identity_attached"] and view["identity_id"] == MI
    assert view["principal_id"] == "p-build" and view["client_id"] == "c-build"
    assert view["certificates"]["key_exportable"] is True and view["role_assignment_id"] == "/ra/1"
    assert "fabric_profile" not in view and "tags" not in view
    assert public_view(None, MI) == {}


# ---------------------------------------------------------------------------- the PATCH and its LRO
def test_patch_follows_the_location_until_done(make_client, clock):
    service = PoolService(pool_body(), polls=3)
    client, session = client_for(make_client, service)
    pool = client.get_pool(POOL_ID)
    body = patch_body(pool, identity_change(pool, MI, True)[0], None)
    after = client.patch_pool(POOL_ID, body, deadline(clock, 600), "the update")
    assert MI in after["user_assigned_identities"]
    assert [s["method"] for s in session.sent] == ["GET", "PATCH", "GET", "GET", "GET", "GET", "GET"]
    assert len(clock.sleeps) == 4 and all(2.0 <= s <= 2.3 for s in clock.sleeps)  # Retry-After honoured


def test_patch_is_resent_after_503_because_the_body_is_absolute(make_client, clock):
    service = PoolService(pool_body(), polls=0, status_503=2)
    client, session = client_for(make_client, service)
    pool = client.get_pool(POOL_ID)
    client.patch_pool(POOL_ID, patch_body(pool, identity_change(pool, MI, True)[0], None), deadline(clock, 600), "the update")
    assert [s["method"] for s in session.sent].count("PATCH") == 3 and len(service.patches) == 1


def test_synchronous_patch_answer(make_client, clock):
    service = PoolService(pool_body(), sync=True)
    client, session = client_for(make_client, service)
    pool = client.get_pool(POOL_ID)
    after = client.patch_pool(POOL_ID, patch_body(pool, identity_change(pool, MI, True)[0], None), deadline(clock, 600), "u")
    assert MI in after["user_assigned_identities"] and [s["method"] for s in session.sent] == ["GET", "PATCH", "GET"]


def test_failed_provisioning_carries_the_service_message(make_client, clock):
    service = PoolService(pool_body(), polls=1, fail="image could not be prepared")
    client = client_for(make_client, service)[0]
    pool = client.get_pool(POOL_ID)
    with pytest.raises(ApiError) as info:
        client.patch_pool(POOL_ID, patch_body(pool, identity_change(pool, MI, True)[0], None), deadline(clock, 600), "u")
    assert info.value.code == "PoolProvisioningFailed" and "image could not be prepared" in info.value.message


def test_pool_left_failed_is_reported(make_client, clock):
    service = PoolService(pool_body(), sync=True)
    service.body["properties"]["provisioningState"] = "Failed"
    client = client_for(make_client, service)[0]
    pool = normalize_pool(pool_body())
    with pytest.raises(ApiError) as info:
        client.patch_pool(POOL_ID, patch_body(pool, identity_change(pool, MI, True)[0], None), deadline(clock, 600), "the update")
    assert "provisioning state Failed" in info.value.message


def test_lro_timeout(make_client, clock):
    service = PoolService(pool_body(), polls=1000)
    client = client_for(make_client, service)[0]
    pool = client.get_pool(POOL_ID)
    with pytest.raises(ApiError) as info:
        client.patch_pool(POOL_ID, patch_body(pool, identity_change(pool, MI, True)[0], None), deadline(clock, 30), "the update")
    assert info.value.code == "OperationTimeout" and clock.now - 1000.0 == pytest.approx(30)
    assert "Timed out after 30s (timeout=30s): Waiting for the update to finish" in info.value.message


def test_wait_until_idle_polls_a_busy_pool_then_times_out(make_client, clock):
    states = iter(["Updating", "Updating", "Succeeded"])
    service = PoolService(pool_body())

    def handler(method, url, kwargs):
        service.body["properties"]["provisioningState"] = next(states)
        return service(method, url, kwargs)

    client = client_for(make_client, handler)[0]
    messages = []
    idle = client.wait_until_idle(normalize_pool(pool_body(state="Provisioning")), deadline(clock, 600, messages),
                                  "Pool p")
    assert idle["provisioning_state"] == "Succeeded" and len(messages) == 1 and len(clock.sleeps) == 3
    assert [round(s) for s in clock.sleeps] == [1, 2, 4]  # growing, 10% jitter at most
    busy = client_for(make_client, PoolService(pool_body(state="Updating")))[0]
    started = clock.now
    with pytest.raises(ApiError) as info:
        busy.wait_until_idle(normalize_pool(pool_body(state="Updating")), deadline(clock, 20, messages), "Pool p")
    assert info.value.code == "OperationTimeout" and "after 20s (timeout=20s)" in info.value.message
    assert clock.now - started == pytest.approx(20)


def test_one_budget_for_waiting_and_updating(make_client, clock):
    """The wait for a running operation and the update's own operation draw from one deadline: together
    they end at ``timeout``, not at twice it."""
    states = iter(["Updating"] * 3 + ["Succeeded"] * 1000)
    service = PoolService(pool_body(), polls=1000)

    def handler(method, url, kwargs):
        if method == "GET" and "operationResults" not in url:
            service.body["properties"]["provisioningState"] = next(states)
        return service(method, url, kwargs)

    client = client_for(make_client, handler)[0]
    budget = deadline(clock, 60)
    pool = client.wait_until_idle(normalize_pool(pool_body(state="Updating")), budget, "Pool p")
    spent = clock.now - 1000.0
    assert spent > 0
    with pytest.raises(ApiError) as info:
        client.patch_pool(POOL_ID, patch_body(pool, identity_change(pool, MI, True)[0], None), budget, "the update")
    assert clock.now - 1000.0 == pytest.approx(60) and "after 60s (timeout=60s)" in info.value.message
