# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import time

import pytest

from ansible_collections.azdo.identity.plugins.module_utils._auth import (
    AuthError, CertificateAuth, CliAuth, MsiAuth, OidcAuth, SecretAuth, select_auth,
)
from ansible_collections.azdo.identity.plugins.module_utils._cloud import BUILTIN_CLOUDS, Cloud

CLOUD = BUILTIN_CLOUDS["AzureCloud"]
PRIVATE = Cloud("emu", "https://127.0.0.1:1", "https://management.core.windows.net/", "https://127.0.0.1:1/",
                "https://127.0.0.1:1", "https://graph.microsoft.com/", custom=True)
NO_AZ = staticmethod(lambda name: None)


def params(**kw):
    base = dict(auth_source="auto", client_id=None, secret=None, certificate_path=None,
                certificate_password=None, federated_token=None, federated_token_file=None, tenant=None)
    base.update(kw)
    return base


def test_credential_with_secret():
    method = select_auth(params(auth_source="credential", client_id="c", tenant="t", secret="s"), CLOUD,
                         environ={})
    assert isinstance(method, SecretAuth) and method.client_id == "c"


def test_credential_names_missing_options():
    with pytest.raises(AuthError) as info:
        select_auth(params(auth_source="credential", client_id="c"), CLOUD, environ={})
    assert "'tenant'" in info.value.message and "'secret' or 'certificate_path'" in info.value.message


def test_credential_rejects_federated_token():
    with pytest.raises(AuthError) as info:
        select_auth(params(auth_source="credential", client_id="c", tenant="t", federated_token="x"), CLOUD, environ={})
    assert "auth_source=oidc" in info.value.message


def test_env_accepts_azure_identity_names():
    env = {"AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s", "AZURE_TENANT_ID": "t"}
    method = select_auth(params(auth_source="env"), CLOUD, environ=env)
    assert isinstance(method, SecretAuth) and (method.tenant, method.client_id) == ("t", "c")


def test_env_accepts_awx_names():
    env = {"AZURE_CLIENT_ID": "c", "AZURE_SECRET": "s", "AZURE_TENANT": "t", "AZURE_SUBSCRIPTION_ID": "x"}
    method = select_auth(params(auth_source="env"), CLOUD, environ=env)
    assert isinstance(method, SecretAuth) and method.tenant == "t"


def test_env_certificate_and_token_file():
    env = {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"}
    assert isinstance(select_auth(params(auth_source="env"), CLOUD, environ=env), CertificateAuth)
    env = {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/tok"}
    assert isinstance(select_auth(params(auth_source="env"), CLOUD, environ=env), OidcAuth)


def test_env_missing_names_them():
    with pytest.raises(AuthError) as info:
        select_auth(params(auth_source="env"), CLOUD, environ={"AZURE_CLIENT_ID": "c"})
    assert "AZURE_TENANT_ID" in info.value.message and "AZURE_CLIENT_SECRET" in info.value.message


def test_oidc_from_options_and_env(tmp_path):
    token = tmp_path / "token"
    token.write_text("eyJ.x.y\n")
    method = select_auth(params(auth_source="oidc", client_id="c", tenant="t", federated_token_file=str(token)),
                         CLOUD, environ={})
    assert isinstance(method, OidcAuth) and method._assertion() == "eyJ.x.y"
    env = {"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": str(token)}
    assert select_auth(params(auth_source="oidc"), CLOUD, environ=env).token_file == str(token)
    with pytest.raises(AuthError):
        select_auth(params(auth_source="oidc", client_id="c", tenant="t"), CLOUD, environ={})


def test_auto_order(tmp_path):
    explicit = params(client_id="c", tenant="t", secret="s")
    assert isinstance(select_auth(explicit, CLOUD, environ={}, which=NO_AZ), SecretAuth)
    env = {"AZURE_CLIENT_ID": "c", "AZURE_SECRET": "s", "AZURE_TENANT": "t", "IDENTITY_ENDPOINT": "http://x"}
    assert isinstance(select_auth(params(), CLOUD, environ=env, which=NO_AZ), SecretAuth)
    assert isinstance(select_auth(params(), CLOUD, environ={"IDENTITY_ENDPOINT": "http://x"}, which=NO_AZ), MsiAuth)
    assert isinstance(select_auth(params(), CLOUD, environ={}, which=lambda n: "/usr/bin/az"), CliAuth)
    with pytest.raises(AuthError) as info:
        select_auth(params(), CLOUD, environ={}, which=lambda n: None)
    assert "az login" in info.value.message and "AZURE_CLIENT_ID" in info.value.message


def test_private_authority_disables_instance_discovery():
    method = SecretAuth(PRIVATE, "t", "c", "s", verify="/ca.pem")
    kwargs = method._common_kwargs()
    assert kwargs == dict(authority="https://127.0.0.1:1", connection_verify="/ca.pem", disable_instance_discovery=True)
    assert "disable_instance_discovery" not in SecretAuth(CLOUD, "t", "c", "s")._common_kwargs()


class _Token(object):
    def __init__(self, token, expires_on):
        self.token, self.expires_on = token, expires_on


class _Credential(object):
    def __init__(self):
        self.calls = []

    def get_token(self, scope):
        self.calls.append(scope)
        return _Token("tok-%d" % len(self.calls), int(time.time()) + 3600)


def test_one_token_request_per_audience():
    method = SecretAuth(CLOUD, "t", "c", "s")
    fake = _Credential()
    method._credential = fake
    for dummy in range(5):
        assert method.header(CLOUD.arm_scope) == "Bearer tok-1"
    method.token(CLOUD.graph_scope)
    method.token(CLOUD.graph_scope)
    assert fake.calls == [CLOUD.arm_scope, CLOUD.graph_scope]


def test_token_failure_is_wrapped_without_secret():
    method = SecretAuth(CLOUD, "t", "c", "very-secret-value")

    class Failing(object):
        def get_token(self, scope):
            raise RuntimeError("AADSTS7000215: Invalid client secret provided.\nTrace ID: x")

    method._credential = Failing()
    with pytest.raises(AuthError) as info:
        method.token(CLOUD.arm_scope)
    assert info.value.message.endswith("AADSTS7000215: Invalid client secret provided.")
    assert "very-secret-value" not in info.value.message
