# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime

import pytest

from ansible_collections.azdo.identity.plugins.module_utils._azdo import is_missing_endpoint, organization_url, service_url
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError, TransportError
from ansible_collections.azdo.identity.plugins.module_utils._service_connection import (
    ServiceConnectionError, convertible, create, desired_pipeline_permissions, normalize, parse_deadline,
    permission_patch, revert_blocked,
)


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
    assert permission_patch(current, None, {1}, False) is None
    assert permission_patch(current, None, {2}, False) == {"pipelines": [{"id": 2, "authorized": True}]}
    assert permission_patch(current, None, {2}, True) == {"pipelines": [{"id": 2, "authorized": True},
                                                                        {"id": 1, "authorized": False}]}
    assert permission_patch(current, True, {1}, False) == {"allPipelines": {"authorized": True}}
    assert desired_pipeline_permissions({"pipelines": ["7", "web"]}, {"web": 3})[1] == {7, 3}
    with pytest.raises(ServiceConnectionError):
        desired_pipeline_permissions({"pipelines": ["nope"]}, {})


class FakeAzdo(object):
    def __init__(self, error, found=None):
        self.error, self.found, self.posts = error, found, 0

    def create_endpoint(self, body):
        self.posts += 1
        raise self.error

    def endpoints_by_name(self, project_id, name):
        return [self.found] if self.found else []


def test_create_is_not_resent_after_a_lost_answer():
    azdo = FakeAzdo(TransportError("reset"), found=dict(endpoint(), name="sc"))
    assert create(azdo, "p0", "sc", {})["id"] == "e1" and azdo.posts == 1
    with pytest.raises(TransportError):
        create(FakeAzdo(TransportError("reset")), "p0", "sc", {})


def test_invisible_duplicate_is_named():
    error = ApiError("Service connection with name sc already exists. Only a user having Administrator/User role "
                     "permissions on service connection sc can see it.", status=400, code="DuplicateServiceConnection")
    with pytest.raises(ServiceConnectionError) as info:
        create(FakeAzdo(error), "p0", "sc", {})
    assert "not visible to this identity" in info.value.message


def test_normalize_never_has_secrets():
    body = endpoint()
    body["authorization"]["parameters"] = {"serviceprincipalkey": "x", "tenantid": "t",
                                           "scope": "/subscriptions/s/resourcegroups/rg"}
    out = normalize(body)
    assert "x" not in repr(out) and out["resource_group"] == "rg" and out["tenant_id"] == "t"
