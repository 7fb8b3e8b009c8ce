# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Azure DevOps Python SDK (azure-devops 7.1), unmodified, against the emulated organization.

``Connection(base_url=<organization URL>, creds=BasicAuthentication('', PAT))`` as the SDK's README shows (or msrest's
``BasicTokenAuthentication`` with an Entra token from azure-identity); the CA comes from ``REQUESTS_CA_BUNDLE`` (set
by the ``emu`` fixture), which ``requests`` under msrest honours. Every client first asks the location service for
its resource area and resource locations, then addresses the routes it was given.
"""

from __future__ import annotations

import uuid

import pytest

from .official_support import Calls, assert_conformant, credential

connection_module = pytest.importorskip("azure.devops.connection")
devops_exceptions = pytest.importorskip("azure.devops.exceptions")
msrest_auth = pytest.importorskip("msrest.authentication")
se_models = pytest.importorskip("azure.devops.v7_1.service_endpoint.models")
pp_models = pytest.importorskip("azure.devops.v7_1.pipeline_permissions.models")
mem_models = pytest.importorskip("azure.devops.v7_1.member_entitlement_management.models")

ADO_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
calls = Calls("Azure DevOps (azure-devops)")


@pytest.fixture
def conn(emu):
    assert emu.admin("DELETE", "/violations").status_code == 204
    return connection_module.Connection(base_url=emu.info["organization_url"],
                                        creds=msrest_auth.BasicAuthentication("", emu.info["azdo_pat"]))


def wif_endpoint(emu, name: str) -> se_models.ServiceEndpoint:
    info = emu.info
    project = se_models.ProjectReference(id=info["project_id"], name=info["project_name"])
    return se_models.ServiceEndpoint(
        name=name, type="AzureRM", url="https://management.azure.com/", description="created by the SDK",
        authorization=se_models.EndpointAuthorization(scheme="WorkloadIdentityFederation", parameters={
            "tenantid": info["tenant_id"], "serviceprincipalid": info["client_id"]}),
        data={"subscriptionId": info["subscription_id"], "subscriptionName": info["subscription_name"],
              "environment": "AzureCloud", "scopeLevel": "Subscription", "creationMode": "Manual"},
        is_shared=False, is_ready=True,
        service_endpoint_project_references=[se_models.ServiceEndpointProjectReference(project_reference=project, name=name)])


def test_projects(emu, conn):
    core = conn.clients_v7_1.get_core_client()
    projects = calls(core.get_projects)
    assert emu.info["project_name"] in {p.name for p in projects}
    project = calls(core.get_project, emu.info["project_name"])
    assert project.id == emu.info["project_id"] and project.state == "wellFormed"
    assert calls(core.get_project, emu.info["project_id"]).name == emu.info["project_name"]
    missing = calls.fails(devops_exceptions.AzureDevOpsServiceError, core.get_project, "no-such-project")
    assert "VS800075" in str(missing)
    assert_conformant(emu)


def test_workload_identity_endpoint_lifecycle(emu, conn):
    info = emu.info
    endpoints = conn.clients_v7_1.get_service_endpoint_client()
    created = calls(endpoints.create_service_endpoint, wif_endpoint(emu, "sc-sdk"))
    params = created.authorization.parameters
    assert created.authorization.scheme == "WorkloadIdentityFederation" and created.is_ready
    assert params["workloadIdentityFederationIssuer"] == f"https://login.microsoftonline.com/{info['tenant_id']}/v2.0"
    assert params["workloadIdentityFederationSubject"].endswith(f"/sc/{info['organization_id']}/{created.id}")
    by_name = calls(endpoints.get_service_endpoints_by_names, info["project_name"], ["sc-sdk"])
    assert [e.id for e in by_name] == [created.id]
    assert by_name[0].authorization.parameters["workloadIdentityFederationSubject"] == params["workloadIdentityFederationSubject"]
    details = calls(endpoints.get_service_endpoint_details, info["project_name"], created.id)
    assert details.name == "sc-sdk" and details.data["scopeLevel"] == "Subscription"
    details.description = "updated by the SDK"
    updated = calls(endpoints.update_service_endpoint, details, created.id)
    assert updated.description == "updated by the SDK"
    assert updated.authorization.parameters["workloadIdentityFederationIssuer"] == params["workloadIdentityFederationIssuer"]
    listed = calls(endpoints.get_service_endpoints, info["project_name"], type="azurerm")
    assert created.id in {e.id for e in listed}
    calls(endpoints.delete_service_endpoint, created.id, [info["project_id"]])
    assert calls(endpoints.get_service_endpoints_by_names, info["project_name"], ["sc-sdk"]) == []
    assert_conformant(emu)


def test_pipeline_permissions(emu, conn):
    info = emu.info
    endpoint = calls(conn.clients_v7_1.get_service_endpoint_client().create_service_endpoint, wif_endpoint(emu, "sc-pp"))
    pipelines = calls(conn.clients_v7_1.get_pipelines_client().list_pipelines, info["project_name"])
    pipeline_id = sorted(p.id for p in pipelines)[0]
    permissions = conn.clients_v7_1.get_pipeline_permissions_client()
    before = calls(permissions.get_pipeline_permissions_for_resource, info["project_name"], "endpoint", endpoint.id)
    assert before.resource.id == endpoint.id and not before.pipelines
    change = pp_models.ResourcePipelinePermissions(pipelines=[pp_models.PipelinePermission(id=pipeline_id, authorized=True)])
    after = calls(permissions.update_pipeline_permisions_for_resource, change, info["project_name"], "endpoint", endpoint.id)
    assert [(p.id, p.authorized) for p in after.pipelines] == [(pipeline_id, True)]
    everyone = pp_models.ResourcePipelinePermissions(all_pipelines=pp_models.Permission(authorized=True))
    assert calls(permissions.update_pipeline_permisions_for_resource, everyone, info["project_name"], "endpoint",
                 endpoint.id).all_pipelines.authorized is True
    again = calls(permissions.get_pipeline_permissions_for_resource, info["project_name"], "endpoint", endpoint.id)
    assert again.all_pipelines.authorized and [p.id for p in again.pipelines] == [pipeline_id]
    assert_conformant(emu)


def test_service_principal_entitlements_and_graph(emu, conn):
    info = emu.info
    identity = emu.seed({"managedIdentities": [{"name": "id-ado-sdk"}]})["managedIdentities"][0]
    entitlements = conn.clients_v7_1.get_member_entitlement_management_client()
    request = mem_models.ServicePrincipalEntitlement(
        access_level=mem_models.AccessLevel(account_license_type="express"),
        project_entitlements=[mem_models.ProjectEntitlement(group=mem_models.Group(group_type="projectContributor"),
                                                            project_ref=mem_models.ProjectRef(id=info["project_id"]))],
        service_principal=mem_models.GraphServicePrincipal(origin="aad", origin_id=identity["principalId"],
                                                           subject_kind="servicePrincipal"))
    added = calls(entitlements.add_service_principal_entitlement, request)
    member = added.service_principal_entitlement
    # The SDK's ServicePrincipalEntitlementOperationResult maps only servicePrincipalId (not the base class's
    # isSuccess/errors that the 7.1 example and the emulator return), so only the top-level isSuccess is read.
    assert added.is_success and added.operation_result.service_principal_id == member.id
    assert member.service_principal.origin_id == identity["principalId"] and member.access_level.account_license_type == "express"
    got = calls(entitlements.get_service_principal_entitlement, member.id)
    assert [e.project_ref.id for e in got.project_entitlements] == [info["project_id"]]
    patch = [mem_models.JsonPatchOperation(op="replace", path="/accessLevel", value={"accountLicenseType": "stakeholder"})]
    patched = calls(entitlements.update_service_principal_entitlement, patch, member.id)
    assert patched.is_success and patched.service_principal_entitlement.access_level.account_license_type == "stakeholder"
    # Graph: the SDK's GraphServicePrincipalCreationContext only has storageKey (its docstring says to use a subclass,
    # which the Python SDK does not ship), so membership is created through entitlements; list/get/delete via Graph.
    graph = conn.clients_v7_1.get_graph_client()
    listed = calls(graph.list_service_principals)
    mine = [sp for sp in listed.graph_service_principals if sp.origin_id == identity["principalId"]]
    assert len(mine) == 1 and mine[0].descriptor.startswith("aadsp.")
    assert calls(graph.get_service_principal, mine[0].descriptor).origin_id == identity["principalId"]
    calls(entitlements.delete_service_principal_entitlement, member.id)
    calls.fails(devops_exceptions.AzureDevOpsServiceError, entitlements.get_service_principal_entitlement, member.id)
    assert_conformant(emu)


def test_entra_token_instead_of_a_pat(emu):
    token = credential(emu.info).get_token(ADO_SCOPE).token
    conn = connection_module.Connection(base_url=emu.info["organization_url"],
                                        creds=msrest_auth.BasicTokenAuthentication({"access_token": token}))
    assert emu.info["project_name"] in {p.name for p in calls(conn.clients_v7_1.get_core_client().get_projects)}
    bogus = connection_module.Connection(base_url=emu.info["organization_url"],
                                         creds=msrest_auth.BasicAuthentication("", str(uuid.uuid4())))
    refused = calls.fails((devops_exceptions.AzureDevOpsServiceError, devops_exceptions.AzureDevOpsAuthenticationError),
                          bogus.clients_v7_1.get_core_client().get_projects)
    assert "VS30063" in str(refused)  # the 401's JSON body (README "Azure DevOps"), read by the SDK's error handler
