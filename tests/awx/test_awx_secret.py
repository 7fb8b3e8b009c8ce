# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secret-based flow as an AWX job at -vvvv with --diff: the new client secret is in no job event and no
artifact (issue 10, item 1).

Failed on f86db6e for the module on its own (tests/integration/test_secret_output.py): a task that was not no_log
printed the value, because ansible-core strips the reserved ``_ansible_no_log`` key from module results.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import ansible_runner
import pytest
import requests

from awx_support import REPO, azure_rm_env, load_credential_type, render_env_injectors, venv_tool
from test_awx_job import OUTER_VARIABLES

CONNECTION = "sc-awx-secret"


@pytest.fixture(scope="module")
def secret_job(awx_emulator, collection_tarball, tmp_path_factory):
    emulator = awx_emulator
    private_data_dir = str(tmp_path_factory.mktemp("awx-secret-job"))
    shutil.copytree(os.path.join(REPO, "playbooks"), os.path.join(private_data_dir, "project", "playbooks"))
    collections = os.path.join(private_data_dir, "requirements_collections")
    done = subprocess.run([venv_tool("ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
                           "--collections-path", collections, str(collection_tarball)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout
    os.makedirs(os.path.join(private_data_dir, "inventory"))
    with open(os.path.join(private_data_dir, "inventory", "hosts"), "w") as handle:
        handle.write("localhost ansible_connection=local\n")
    env = azure_rm_env(emulator["subscription_id"], client=emulator["client_id"], secret=emulator["client_secret"],
                       tenant=emulator["tenant_id"], cloud_environment=emulator["base_url"])
    env.update(render_env_injectors(load_credential_type(), {"organization_url": emulator["organization_url"],
                                                             "personal_access_token": emulator["azdo_pat"]}))
    env.update(ANSIBLE_COLLECTIONS_PATH=collections, REQUESTS_CA_BUNDLE=emulator["ca_path"])
    os.makedirs(os.path.join(private_data_dir, "env"))
    with open(os.path.join(private_data_dir, "env", "envvars"), "w") as handle:
        json.dump(env, handle)
    with open(os.path.join(private_data_dir, "env", "extravars"), "w") as handle:
        json.dump({"azdo_identity_auth_source": "env",
                   "secret_service_connection_defaults": {"project": emulator["project_name"],
                                                          "subscription_id": emulator["subscription_id"],
                                                          "environment": "AzureCloud"},
                   "secret_service_connection_items": [{"name": CONNECTION}]}, handle)
    patch = pytest.MonkeyPatch()
    for name in OUTER_VARIABLES:
        patch.delenv(name, raising=False)
    patch.setenv("PATH", os.path.dirname(venv_tool("python")) + os.pathsep + os.environ.get("PATH", ""))
    try:
        runner = ansible_runner.run(private_data_dir=private_data_dir, playbook="playbooks/secret_service_connection.yml",
                                    ident="1", quiet=True, timeout=600, verbosity=4, cmdline="--diff")
    finally:
        patch.undo()
    return runner, private_data_dir


def new_secrets(emulator):
    """The values of the secrets the job made (read from the emulator's state)."""
    state = requests.get(emulator["admin_url"] + "/state", verify=emulator["ca_path"], timeout=30).json()
    return [s["value"] for a in state["applications"] if a["displayName"] == CONNECTION for s in a.get("secrets") or []]


def test_the_secret_is_in_no_event_and_no_artifact(secret_job, awx_emulator):
    runner, private_data_dir = secret_job
    stdout = runner.stdout.read()
    assert runner.status == "successful", stdout[-5000:]
    secrets = new_secrets(awx_emulator)
    assert len(secrets) == 1
    assert "Step 3/3" in stdout and "ESTABLISH LOCAL CONNECTION" in stdout  # it ran, at -vvvv
    assert not [s for s in secrets if s in stdout]
    leaking = []
    for folder, dirs, files in os.walk(os.path.join(private_data_dir, "artifacts")):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(folder, name), errors="replace") as handle:
                if any(s in handle.read() for s in secrets):
                    leaking.append(os.path.relpath(os.path.join(folder, name), private_data_dir))
    events = [e for e in runner.events if any(s in json.dumps(e) for s in secrets)]
    assert leaking == [] and events == []
