# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift check asks each step with exactly the options the role's task gives it.

tests/integration/test_drift.py shows the drift module and the role agree on real state; this keeps the
option mapping of module_utils/_drift.py equal to roles/workload_identity_service_connection/tasks/connection.yml,
so that a key added to the role's task cannot be forgotten by the check.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

from ansible_collections.azdo.identity.plugins.module_utils import _drift
from ansible_collections.azdo.identity.plugins.module_utils import _federation, _managed_identity, _service_connection
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError

ROLE_TASKS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles",
                          "workload_identity_service_connection", "tasks", "connection.yml")


def steps():
    with open(ROLE_TASKS) as handle:
        block = yaml.safe_load(handle)[0]
    return dict((task["name"].split(":")[0], task) for task in block["block"])


def item_keys(args, prefix):
    """The item keys a task's arguments are taken from (``{{ __wisc.KEY ... }}``)."""
    found = set()
    for value in args.values():
        match = re.match(r"\{\{ *%s\.(\w+)" % re.escape(prefix), str(value))
        if match:
            found.add(match.group(1))
    return found


def test_the_connection_options_are_the_roles():
    finish = steps()["Step 5/6 and 6/6"]["azdo.identity.azdo_service_connection"]
    assert finish["draft"] is False
    assert item_keys(finish, "__wisc") == set(_drift.CONNECTION_KEYS)
    # the identity's client id comes from step 1, as here
    assert "__wisc_identity.managed_identity.client_id" in finish["identity_client_id"]


def test_the_identity_options_are_the_roles():
    identity = steps()["Step 1/6"]["azdo.identity.managed_identity"]
    assert item_keys(identity, "__wisc.identity") == set(_drift.IDENTITY_KEYS)


def test_the_credential_and_role_options_are_the_roles():
    credential = steps()["Step 3/6"]["azdo.identity.managed_identity_federation"]
    assert sorted(credential) == ["identity", "issuer", "name", "subject"]
    assert "__wisc.credential_name" in credential["name"]
    grant = steps()["Step 4/6"]["azdo.identity.role_assignment"]
    assert sorted(grant) == ["principal_id", "role", "scope"]


def test_options_fill_in_the_modules_defaults():
    params = _drift.options(_federation.ARGUMENT_SPEC, dict(identity="/x", name="n", issuer="i", subject="s"),
                            dict(cloud_environment="AzureCloud", tenant=None), "federated credential")
    assert params["audiences"] == ["api://AzureADTokenExchange"] and params["state"] == "present"
    assert params["lock_timeout"] == 300 and params["cloud_environment"] == "AzureCloud"
    params = _drift.options(_managed_identity.ARGUMENT_SPEC, dict(name="id-a", resource_group="rg"), {}, "identity")
    assert params["purge_tags"] is True and params["tags"] is None


def test_options_name_a_bad_value():
    with pytest.raises(InputError) as caught:
        _drift.options(_service_connection.ARGUMENT_SPEC, dict(project="p", name="n", environment="Mars"), {},
                       "service connection")
    assert "service connection options" in str(caught.value) and "environment" in str(caught.value)
