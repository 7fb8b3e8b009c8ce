# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One job run the way AWX / Automation Platform runs it: ansible-runner on a private data directory.

The job template: project = this repository's playbooks/ (playbooks/workload_identity_service_connection.yml);
credentials = the built-in "Microsoft Azure Resource Manager" credential and the custom "Azure DevOps
organization" credential of awx/credential_types/; extra variables = the connection to wire. The collection is
where a project sync puts the project's collections/requirements.yml (requirements_collections/), installed from
the built tarball. Nothing prompts; the objects are read back through the services' APIs, and no secret may
appear in the job's stdout or events.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess

import ansible_runner
import pytest
import requests

from awx_support import REPO, azure_rm_env, load_credential_type, render_env_injectors, venv_tool

CONNECTION = "sc-awx-job"
ARM_API = {"identity": "2024-11-30", "authorization": "2022-04-01"}
# Whatever the machine running the tests has set must not reach the job: only what the credentials inject.
OUTER_VARIABLES = ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_CONFIG", "AZDO_ORGANIZATION_URL", "AZDO_PERSONAL_ACCESS_TOKEN",
                   "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SECRET", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT",
                   "AZURE_TENANT_ID", "AZURE_CLOUD_ENVIRONMENT", "ANSIBLE_AZURE_AUTH_SOURCE")


def job_environment(emulator, private_data_dir):
    """env/envvars: what the two credentials inject, plus what AWX itself sets and the EE would carry."""
    env = azure_rm_env(emulator["subscription_id"], client=emulator["client_id"], secret=emulator["client_secret"],
                       tenant=emulator["tenant_id"], cloud_environment=emulator["base_url"])
    env.update(render_env_injectors(load_credential_type(), {"organization_url": emulator["organization_url"],
                                                             "personal_access_token": emulator["azdo_pat"]}))
    # AWX: collections of the project sync first on the collections path (build_env in awx/main/tasks/jobs.py).
    env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(private_data_dir, "requirements_collections")
    # The EE's trust store for a private CA (see docs/awx.md); here the emulator's.
    env["REQUESTS_CA_BUNDLE"] = emulator["ca_path"]
    return env


@pytest.fixture(scope="module")
def awx_job(awx_emulator, collection_tarball, tmp_path_factory, monkeypatch_module):
    emulator = awx_emulator
    private_data_dir = str(tmp_path_factory.mktemp("awx-job"))
    shutil.copytree(os.path.join(REPO, "playbooks"), os.path.join(private_data_dir, "project", "playbooks"))
    done = subprocess.run([venv_tool("ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
                           "--collections-path", os.path.join(private_data_dir, "requirements_collections"),
                           str(collection_tarball)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout
    os.makedirs(os.path.join(private_data_dir, "inventory"))
    with open(os.path.join(private_data_dir, "inventory", "hosts"), "w") as handle:
        handle.write("localhost ansible_connection=local\n")
    os.makedirs(os.path.join(private_data_dir, "env"))
    with open(os.path.join(private_data_dir, "env", "envvars"), "w") as handle:
        json.dump(job_environment(emulator, private_data_dir), handle)
    with open(os.path.join(private_data_dir, "env", "extravars"), "w") as handle:
        json.dump({
            # module_defaults of the playbook: auth_source env (the Azure credential's variables); the
            # organization, its token and the cloud come from the environment through the modules' fallbacks.
            "azdo_identity_auth_source": "env",
            "workload_identity_service_connection_defaults": {
                "project": emulator["project_name"], "subscription_id": emulator["subscription_id"],
                "environment": "AzureCloud", "identity": {"resource_group": emulator["resource_group"]}},
            "workload_identity_service_connection_items": [{
                "name": CONNECTION, "resource_group": emulator["resource_group"],
                "pipeline_permissions": {"pipelines": ["pipeline-3"]}}],
        }, handle)
    for name in OUTER_VARIABLES:
        monkeypatch_module.delenv(name, raising=False)
    monkeypatch_module.setenv("PATH", os.path.dirname(venv_tool("python")) + os.pathsep + os.environ.get("PATH", ""))
    runner = ansible_runner.run(private_data_dir=private_data_dir, playbook="playbooks/workload_identity_service_connection.yml",
                                ident="1", quiet=True, timeout=600)
    return runner, private_data_dir


@pytest.fixture(scope="module")
def monkeypatch_module():
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def api(emulator):
    """GET helpers on the real API paths: ARM with a client-credentials token, Azure DevOps with the PAT."""
    session = requests.Session()
    token = session.post(emulator["token_endpoint"], verify=emulator["ca_path"], timeout=30, data={
        "grant_type": "client_credentials", "client_id": emulator["client_id"],
        "client_secret": emulator["client_secret"], "scope": "https://management.azure.com/.default"}).json()
    basic = base64.b64encode((":" + emulator["azdo_pat"]).encode("ascii")).decode("ascii")

    def arm(path, api_version, **params):
        params["api-version"] = api_version
        answer = session.get(emulator["base_url"] + path, params=params, verify=emulator["ca_path"], timeout=30,
                             headers={"Authorization": "Bearer " + token["access_token"]})
        answer.raise_for_status()
        return answer.json()

    def azdo(path, api_version, **params):
        params["api-version"] = api_version
        answer = session.get(emulator["organization_url"] + path, params=params, verify=emulator["ca_path"],
                             timeout=30, headers={"Authorization": "Basic " + basic})
        answer.raise_for_status()
        return answer.json()

    return arm, azdo


def test_job_succeeds(awx_job):
    runner = awx_job[0]
    assert runner.status == "successful", runner.stdout.read()[-5000:]
    assert runner.rc == 0
    recap = [e for e in runner.events if e["event"] == "playbook_on_stats"][0]["event_data"]
    assert recap["failures"] == {} and recap["dark"] == {} and recap["changed"].get("localhost", 0) >= 5


def test_job_made_the_objects(awx_job, awx_emulator):
    assert awx_job[0].status == "successful"
    emulator = awx_emulator
    arm, azdo = api(emulator)
    rg_scope = "/subscriptions/%s/resourceGroups/%s" % (emulator["subscription_id"], emulator["resource_group"])
    identity_path = rg_scope + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-" + CONNECTION
    identity = arm(identity_path, ARM_API["identity"])
    credentials = arm(identity_path + "/federatedIdentityCredentials", ARM_API["identity"])["value"]
    assignments = arm(rg_scope + "/providers/Microsoft.Authorization/roleAssignments", ARM_API["authorization"],
                      **{"$filter": "principalId eq '%s'" % identity["properties"]["principalId"]})["value"]
    endpoints = azdo("/%s/_apis/serviceendpoint/endpoints" % emulator["project_name"], "7.1",
                     endpointNames=CONNECTION)["value"]
    assert len(endpoints) == 1
    endpoint = endpoints[0]
    parameters = endpoint["authorization"]["parameters"]
    assert endpoint["authorization"]["scheme"] == "WorkloadIdentityFederation" and endpoint["isReady"]
    assert parameters["serviceprincipalid"] == identity["properties"]["clientId"]
    assert parameters["tenantid"] == emulator["tenant_id"]
    assert [(c["properties"]["issuer"], c["properties"]["subject"]) for c in credentials] == [
        (parameters["workloadIdentityFederationIssuer"], parameters["workloadIdentityFederationSubject"])]
    assert [a["properties"]["roleDefinitionId"].rsplit("/", 1)[1] for a in assignments] == [
        "b24988ac-6180-42a0-ab88-20f7382dd24c"]  # Contributor on the resource group
    pipelines = azdo("/%s/_apis/pipelines" % emulator["project_name"], "7.1")["value"]
    permissions = azdo("/%s/_apis/pipelines/pipelinepermissions/endpoint/%s" % (emulator["project_name"], endpoint["id"]),
                       "7.1-preview.1")
    assert [p["id"] for p in permissions["pipelines"] if p["authorized"]] == [
        p["id"] for p in pipelines if p["name"] == "pipeline-3"]


def test_no_secret_in_the_job_artifacts(awx_job, awx_emulator):
    runner, private_data_dir = awx_job
    secrets = [awx_emulator["client_secret"], awx_emulator["azdo_pat"],
               base64.b64encode((":" + awx_emulator["azdo_pat"]).encode("ascii")).decode("ascii")]
    artifacts = os.path.join(private_data_dir, "artifacts", "1")
    stdout = runner.stdout.read()
    events = os.listdir(os.path.join(artifacts, "job_events"))
    assert "Step 5/6" in stdout and len(events) > 20  # the job really ran and was recorded
    assert not [s for s in secrets if s in stdout]
    leaking = []
    for folder, dirs, files in os.walk(artifacts):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(folder, name), errors="replace") as handle:
                text = handle.read()
            if any(s in text for s in secrets):
                leaking.append(os.path.relpath(os.path.join(folder, name), artifacts))
    # ansible-runner itself records the job's whole environment (which the credentials filled) in the
    # artifact "command" (mode 0600), inside the job's private data directory: that the scan finds the
    # secrets there shows it reads every file. No other file - stdout, stderr, any job event, the fact
    # cache - may hold one.
    assert leaking == ["command"], leaking
