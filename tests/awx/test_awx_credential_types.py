# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The custom credential type shipped in awx/ is one AWX accepts, and both credentials of a job template
(the built-in Azure one and this one) inject exactly the environment variables the collection reads."""

from __future__ import annotations

import jsonschema
import pytest

from ansible_collections.azdo.identity.plugins.module_utils import _auth, _module

from awx_support import INJECTORS_SCHEMA, INPUTS_SCHEMA, azure_rm_env, load_credential_type, render_env_injectors


def env_fallbacks(spec):
    """{option: [environment variable names]} of an argument spec's env fallbacks."""
    return dict((name, list(option["fallback"][1])) for name, option in spec.items() if option.get("fallback"))


@pytest.fixture(scope="module")
def credential_type():
    return load_credential_type()


def test_credential_type_is_valid_for_awx(credential_type):
    assert set(credential_type) == {"name", "description", "kind", "inputs", "injectors"}
    assert credential_type["kind"] in ("cloud", "net")
    jsonschema.validate(credential_type["inputs"], INPUTS_SCHEMA)
    jsonschema.validate(credential_type["injectors"], INJECTORS_SCHEMA)
    ids = [field["id"] for field in credential_type["inputs"]["fields"]]
    assert len(ids) == len(set(ids)) and "tower" not in ids
    assert set(credential_type["inputs"]["required"]) <= set(ids)
    # Injector names AWX reserves for itself, and the rule that a template only uses defined fields.
    assert not [name for name in credential_type["injectors"]["env"] if name.startswith("ANSIBLE_")]
    render_env_injectors(credential_type, dict((i, "EXAMPLE") for i in ids))


def test_the_token_is_secret_and_optional(credential_type):
    fields = dict((field["id"], field) for field in credential_type["inputs"]["fields"])
    assert fields["personal_access_token"].get("secret") is True
    assert fields["organization_url"].get("secret", False) is False
    assert credential_type["inputs"]["required"] == ["organization_url"]


def test_injects_the_azure_devops_variables_the_modules_read(credential_type):
    env = render_env_injectors(credential_type, {"organization_url": "https://dev.azure.com/contoso",
                                                 "personal_access_token": "pat-value"})
    fallbacks = env_fallbacks(_module.azdo_argument_spec())
    assert env == {fallbacks["organization_url"][0]: "https://dev.azure.com/contoso",
                   fallbacks["personal_access_token"][0]: "pat-value"}
    assert set(env) == {"AZDO_ORGANIZATION_URL", "AZDO_PERSONAL_ACCESS_TOKEN"}
    # Without a token the variable is empty, which the modules treat as "no token" (Entra sign-in instead).
    assert render_env_injectors(credential_type, {"organization_url": "https://dev.azure.com/contoso"}) == {
        "AZDO_ORGANIZATION_URL": "https://dev.azure.com/contoso", "AZDO_PERSONAL_ACCESS_TOKEN": ""}


def test_the_modules_read_what_the_builtin_azure_credential_injects():
    env = azure_rm_env("sub", client="client", secret="secret", tenant="tenant", cloud_environment="AzureCloud")
    assert set(env) == {"AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_TENANT", "AZURE_SECRET",
                        "AZURE_CLOUD_ENVIRONMENT"}
    fallbacks = env_fallbacks(_module.azure_argument_spec())
    assert "AZURE_SUBSCRIPTION_ID" in fallbacks["subscription_id"]
    assert "AZURE_CLOUD_ENVIRONMENT" in fallbacks["cloud_environment"]
    assert "AZURE_CLIENT_ID" in _auth.ENV_CLIENT_ID
    assert "AZURE_TENANT" in _auth.ENV_TENANT
    assert "AZURE_SECRET" in _auth.ENV_SECRET
    # auth_source=env (and auto) accept exactly this set as a complete service principal sign-in.
    assert _auth._env_complete(env)  # pylint: disable=protected-access
    # The user name / password form of that credential is not something the collection signs in with.
    assert not _auth._env_complete(azure_rm_env("sub", username="user", password="pw"))  # pylint: disable=protected-access
