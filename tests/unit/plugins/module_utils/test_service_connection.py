# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service connection's desired-state logic over an in-memory Azure DevOps (no HTTP).

Items of issue 10 that failed on f86db6e are named in the tests' docstrings; the integration suite runs the
same rules against the emulator.
"""

from __future__ import annotations

import copy
import datetime

import pytest

from fakes import FakeClock

from ansible_collections.azdo.identity.plugins.module_utils._azdo import is_missing_endpoint, organization_url, service_url
from ansible_collections.azdo.identity.plugins.module_utils._context import Context
from ansible_collections.azdo.identity.plugins.module_utils._endpoint import (
    convertible, normalize, parse_deadline, revert_blocked,
)
from ansible_collections.azdo.identity.plugins.module_utils._endpoint_options import complete
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError, TransportError
from ansible_collections.azdo.identity.plugins.module_utils._pipeline_permissions import desired, patch_for
from ansible_collections.azdo.identity.plugins.module_utils._service_connection import ensure

TENANT = "11111111-1111-1111-1111-111111111111"
SUB = "22222222-2222-2222-2222-222222222222"
CLIENT = "33333333-3333-3333-3333-333333333333"
OTHER = "44444444-4444-4444-4444-444444444444"
PROJECT = {"id": "p0", "name": "web"}
ISSUER = "https://login.microsoftonline.com/%s/v2.0" % TENANT


def endpoint(scheme="ServicePrincipal", mode="Automatic", projects=1, environment="AzureCloud", deadline=None):
    data = {"creationMode": mode, "environment": environment}
    if deadline:
        data["revertSchemeDeadline"] = deadline
    return {"id": "e1", "name": "sc", "type": "azurerm", "authorization": {"scheme": scheme, "parameters": {}},
            "data": data, "isShared": projects > 1,
            "serviceEndpointProjectReferences": [{"projectReference": {"id": "p%d" % i, "name": "P%d" % i}}
                                                 for i in range(projects)]}


@pytest.mark.parametrize("body", [None, {}, {"id": None, "authorization": {}}, {"id": "x", "authorization": None}])
def test_every_missing_endpoint_shape_is_absent(body):
    assert is_missing_endpoint(body)


def test_organization_urls():
    assert organization_url("contoso") == "https://dev.azure.com/contoso"
    assert organization_url(url="https://dev.azure.com/contoso/") == "https://dev.azure.com/contoso"
    with pytest.raises(ValueError):
        organization_url(url="https://dev.azure.com/contoso/project")
    assert service_url("https://dev.azure.com/contoso", "vssps") == "https://vssps.dev.azure.com/contoso"
    assert service_url("https://contoso.visualstudio.com", "vsaex") == "https://contoso.vsaex.visualstudio.com"
    assert service_url("https://tfs.local/DefaultCollection", "vsaex") == "https://tfs.local/DefaultCollection"


def test_convertible_rules():
    assert convertible(endpoint()) == (True, None)
    allowed, note = convertible(endpoint(mode="Manual"))
    assert allowed and "federated credential" in note
    assert not convertible(endpoint(projects=2))[0]
    assert "Azure Stack" in convertible(endpoint(environment="AzureStack"))[1]
    assert not convertible(endpoint(scheme="WorkloadIdentityFederation"))[0]


def test_revert_deadline():
    now = datetime.datetime(2026, 11, 22, tzinfo=datetime.timezone.utc)
    assert "not converted" in revert_blocked(endpoint("WorkloadIdentityFederation"), now)
    assert revert_blocked(endpoint("WorkloadIdentityFederation", deadline="2026-11-29T00:00:00.123Z"), now) is None
    assert "passed" in revert_blocked(endpoint("WorkloadIdentityFederation", deadline="2026-11-21T23:59:59Z"), now)
    assert parse_deadline("2026-11-29T00:00:00.1234567Z").year == 2026


def test_pipeline_permission_patch():
    current = {"allPipelines": {"authorized": False}, "pipelines": [{"id": 1, "authorized": True}]}
    assert patch_for(current, None, {1}, False) is None
    assert patch_for(current, None, {2}, False) == {"pipelines": [{"id": 2, "authorized": True}]}
    assert patch_for(current, None, {2}, True) == {"pipelines": [{"id": 2, "authorized": True},
                                                                 {"id": 1, "authorized": False}]}
    assert patch_for(current, True, {1}, False) == {"allPipelines": {"authorized": True}}
    assert desired({"pipelines": ["7", "web"]}, {"web": 3})[1] == {7, 3}
    with pytest.raises(InputError):
        desired({"pipelines": ["nope"]}, {})


def test_normalize_never_has_secrets():
    body = endpoint()
    body["authorization"]["parameters"] = {"serviceprincipalkey": "x", "tenantid": "t",
                                           "scope": "/subscriptions/s/resourcegroups/rg"}
    out = normalize(body)
    assert "x" not in repr(out) and out["resource_group"] == "rg" and out["tenant_id"] == "t"


# ---------------------------------------------------------------------------------------------- a fake service
class FakeAzdo(object):
    """Endpoints in memory, verified on finish against ``trusted`` (issuer, subject) pairs, as the emulator's
    ``azdo_finish_without_fic: failed`` does: a failed verification leaves the connection Failed, not a draft."""

    organization_url = "https://dev.azure.com/contoso"

    def __init__(self):
        self.endpoints = {}
        self.trusted = set()
        self.calls = []
        self.fail_post = None
        self.lose_post = False

    @property
    def writes(self):
        return [c for c in self.calls if c[0] in ("POST", "PUT", "PATCH", "DELETE")]

    def project(self, ref):
        return dict(PROJECT) if ref in ("web", "p0") else None

    def endpoints_by_name(self, project_id, name):
        self.calls.append(("GET", "byname", name))
        return [copy.deepcopy(e) for e in self.endpoints.values() if e["name"].lower() == name.lower()]

    def endpoint(self, project_id, endpoint_id):
        self.calls.append(("GET", endpoint_id))
        return copy.deepcopy(self.endpoints.get(endpoint_id))

    def _verify(self, body):
        params = body["authorization"]["parameters"]
        ok = (params.get("workloadIdentityFederationIssuer"), params.get("workloadIdentityFederationSubject")) in \
            self.trusted or body["authorization"]["scheme"] != "WorkloadIdentityFederation"
        body["isReady"] = ok
        body["operationStatus"] = {"state": "Ready" if ok else "Failed",
                                   "statusMessage": "" if ok else "AADSTS70021: No matching federated identity record"}

    def create_endpoint(self, body):
        self.calls.append(("POST", body["name"]))
        if self.fail_post:
            raise self.fail_post
        body = copy.deepcopy(body)
        body["id"] = "e%d" % (len(self.endpoints) + 1)
        params = body["authorization"]["parameters"]
        if body["authorization"]["scheme"] == "WorkloadIdentityFederation":
            params.update(workloadIdentityFederationIssuer=ISSUER,
                          workloadIdentityFederationSubject="/eid1/c/pub/t/x/sc/org/%s" % body["id"])
        body["operationStatus"] = {"state": "Ready", "statusMessage": ""}
        body["isReady"] = str(body["data"].get("isDraft")) != "True"
        self.endpoints[body["id"]] = body
        if self.lose_post:
            raise TransportError("Connection aborted")
        return copy.deepcopy(body)

    def update_endpoint(self, endpoint_id, body, operation=None):
        self.calls.append(("PUT", endpoint_id, operation))
        stored = self.endpoints[endpoint_id]
        new = copy.deepcopy(body)
        for key in ("workloadIdentityFederationIssuer", "workloadIdentityFederationSubject"):
            if key in stored["authorization"]["parameters"]:
                new["authorization"]["parameters"][key] = stored["authorization"]["parameters"][key]
        if stored.get("data", {}).get("isDraft") and not new["data"].get("isDraft") or not stored.get("isReady"):
            if new.get("isReady"):
                self._verify(new)
        self.endpoints[endpoint_id] = new
        return copy.deepcopy(new)

    def delete_endpoint(self, endpoint_id, project_ids):
        self.calls.append(("DELETE", endpoint_id))
        self.endpoints.pop(endpoint_id, None)


class FakeGraph(object):
    """Knows one managed identity, CLIENT, whose federated credentials are ``credentials``."""

    def __init__(self, credentials):
        self.credentials = credentials

    def service_principal_by_app_id(self, app_id):
        if app_id == CLIENT:
            return {"id": "sp", "servicePrincipalType": "ManagedIdentity", "displayName": "id-web",
                    "alternativeNames": ["isExplicit=True", "/subscriptions/%s/resourcegroups/rg/providers/"
                                         "Microsoft.ManagedIdentity/userAssignedIdentities/id-web" % SUB]}
        return None

    def application_by_app_id(self, app_id):
        return None


class FakeIdentities(object):
    def __init__(self, graph):
        self.graph = graph

    def federated_credentials(self, resource_id):
        return self.graph.credentials


class Clients(object):
    def __init__(self, azdo, credentials):
        self.azdo = azdo
        self.graph = FakeGraph(credentials)
        self.identities = FakeIdentities(self.graph)
        self.arm = None


def params(**overrides):
    out = dict(project="web", name="sc-web", description=None, service_management_reference=None,
               scheme="workload_identity_federation", identity_client_id=CLIENT, identity_tenant_id=None,
               service_principal_secret=None, certificate=None, rotate_secret=False, environment=None,
               environment_url=None, scope_level=None, subscription_id=SUB, subscription_name="Sub",
               resource_group=None, management_group_id=None, management_group_name=None, ml_workspace_name=None,
               ml_workspace_location=None, share_with_projects=None, purge_shared_projects=False, draft=False,
               pipeline_permissions=None, allow_scheme_change=False, allow_identity_change=False, ready_timeout=300,
               state="present")
    out.update(overrides)
    return out


def run(azdo, credentials=None, check_mode=False, cloud="AzureCloud", clock=None, **overrides):
    clock = clock or FakeClock()
    context = Context(Clients(azdo, credentials), check_mode=check_mode,
                      sleep=clock.sleep, clock=clock.clock)
    return ensure(context, params(**overrides), cloud, TENANT)


def draft_then_trust(azdo, **overrides):
    """A draft, and its federated credential added where the fake identity and the fake service see it."""
    made = run(azdo, draft=True, **overrides)["after"]
    pair = (made["workload_identity_federation_issuer"], made["workload_identity_federation_subject"])
    return made, pair


# ---------------------------------------------------------------------------------------------- behaviour
def test_draft_finish_and_idempotent_rerun():
    azdo = FakeAzdo()
    made, pair = draft_then_trust(azdo)
    assert made["is_draft"] and made["workload_identity_federation_subject"]
    azdo.trusted.add(pair)
    done = run(azdo, credentials=[dict(issuer=pair[0], subject=pair[1])])
    assert done["changed"] and done["after"]["is_ready"] and not done["after"]["is_draft"]
    azdo.calls = []
    again = run(azdo, credentials=[dict(issuer=pair[0], subject=pair[1])])
    assert not again["changed"] and azdo.writes == []


def test_finish_without_the_credential_fails_at_once_naming_it():
    """Issue 10 item 7 (failed on f86db6e: 30 PUTs over ready_timeout while saying 'may still be replicating')."""
    azdo = FakeAzdo()
    made, pair = draft_then_trust(azdo)
    azdo.calls = []
    with pytest.raises(InputError) as info:
        run(azdo, credentials=[dict(issuer=pair[0], subject="something else")])
    assert pair[1] in str(info.value) and "managed identity" in str(info.value)
    assert azdo.writes == []


def test_finish_while_replicating_is_bounded():
    """Issue 10 item 7: when the credential exists but Entra has not replicated it, few writes, one budget."""
    azdo = FakeAzdo()
    made, pair = draft_then_trust(azdo)
    clock = FakeClock()
    azdo.calls = []
    with pytest.raises(ApiError) as info:
        run(azdo, credentials=[dict(issuer=pair[0], subject=pair[1])], clock=clock)
    puts = [c for c in azdo.writes if c[0] == "PUT"]
    assert len(puts) == 5 and sum(clock.sleeps) < 300
    assert "Failed to finish" in info.value.message and "AADSTS70021" in info.value.message


def test_a_failed_connection_is_finished_again():
    """Issue 10 item 6 (failed on f86db6e: the re-run reported ok for a Failed, non-draft connection)."""
    azdo = FakeAzdo()
    made, pair = draft_then_trust(azdo)
    with pytest.raises(ApiError):
        run(azdo)  # the identity cannot be read from here: finished anyway, and verification fails
    stored = normalize(azdo.endpoints[made["id"]])
    assert not stored["is_draft"] and stored["operation_state"] == "failed"
    with pytest.raises(ApiError):  # a re-run does not call it done
        run(azdo)
    azdo.trusted.add(pair)
    done = run(azdo)
    assert done["changed"] and done["after"]["is_ready"]


def test_draft_true_does_not_convert_an_existing_secret_connection():
    """Issue 10 item 2 (failed on f86db6e: the connection was converted and re-pointed; draft was ignored)."""
    azdo = FakeAzdo()
    run(azdo, scheme="service_principal", identity_client_id=OTHER, service_principal_secret="s3cret")
    azdo.calls = []
    with pytest.raises(InputError) as info:
        run(azdo, draft=True)
    text = str(info.value)
    assert "scheme service_principal" in text and OTHER in text and "allow_scheme_change" in text
    assert azdo.writes == []


def test_an_existing_connection_is_not_repointed_to_another_identity():
    """Issue 10 item 2."""
    azdo = FakeAzdo()
    made, pair = draft_then_trust(azdo, identity_client_id=OTHER)
    azdo.calls = []
    with pytest.raises(InputError) as info:
        run(azdo, draft=True)
    assert "allow_identity_change" in str(info.value) and OTHER in str(info.value) and azdo.writes == []
    changed = run(azdo, draft=True, allow_identity_change=True)
    assert changed["changed"] and changed["after"]["client_id"] == CLIENT


def test_leaving_out_resource_group_never_widens_the_scope():
    """Issue 10 item 4 (failed on f86db6e: the scope was widened to the whole subscription)."""
    azdo = FakeAzdo()
    made, pair = draft_then_trust(azdo, resource_group="rg-web")
    azdo.calls = []
    same = run(azdo, draft=True, description="new text")
    assert same["after"]["resource_group"] == "rg-web" and same["changed"]
    widened = run(azdo, draft=True, scope_level="subscription")
    assert widened["after"]["resource_group"] is None
    with pytest.raises(InputError):
        run(azdo, draft=True, scope_level="subscription", resource_group="rg-web")


def test_environment_follows_the_cloud_and_custom_clouds_must_say():
    """Issue 10 item 8 (failed on f86db6e: environment stayed AzureCloud in US Government)."""
    azdo = FakeAzdo()
    gov = run(azdo, draft=True, cloud="AzureUSGovernment")["after"]
    assert gov["environment"] == "AzureUSGovernment" and gov["url"] == "https://management.usgovcloudapi.net/"
    with pytest.raises(InputError) as info:
        run(azdo, name="sc-custom", draft=True, cloud="https://management.local.azurestack.external")
    assert "environment" in str(info.value)
    assert complete(params(name="x", environment="AzureStack", scheme="service_principal",
                           environment_url="https://management.local/"), {}, "AzureCloud", TENANT)["environment"] == \
        "AzureStack"


def test_a_lost_create_answer_says_a_rerun_is_safe():
    """Issue 10 item 10 (failed on f86db6e: the raw 'Connection aborted' error)."""
    azdo = FakeAzdo()
    azdo.fail_post = TransportError("Connection aborted")
    with pytest.raises(ApiError) as info:
        run(azdo, draft=True)
    assert "Running the task again is safe" in info.value.message
    azdo.fail_post, azdo.lose_post = None, True
    found = run(azdo, draft=True)  # created, but the answer lost: found by name, not sent again
    assert found["after"]["id"] and len([c for c in azdo.writes if c[0] == "POST"]) == 2


def test_check_mode_sends_no_write_and_predicts():
    azdo = FakeAzdo()
    predicted = run(azdo, check_mode=True)
    assert predicted["changed"] and predicted["after"]["id"] is None and azdo.writes == []
