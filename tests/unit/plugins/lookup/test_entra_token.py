# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entra_token lookup: scopes, auth sources through select_auth, custom clouds, errors that never carry
the token, and documentation that covers every option the code reads. Credentials are fakes."""

from __future__ import annotations

import collections

import pytest
import yaml

from fakes import FakeRaw

from ansible.errors import AnsibleLookupError

from ansible_collections.azdo.identity.plugins.lookup import entra_token
from ansible_collections.azdo.identity.plugins.module_utils import _auth

AccessToken = collections.namedtuple("AccessToken", "token expires_on")
ADO = "499b84ac-1321-427f-aa17-267ca6975798"


class FakeCredential(object):
    """Stands in for an azure-identity credential; remembers what it was built with and asked for."""

    instances = []

    def __init__(self, kind, **kwargs):
        self.kind, self.kwargs, self.scopes = kind, kwargs, []
        FakeCredential.instances.append(self)

    def get_token(self, scope):
        self.scopes.append(scope)
        if self.kwargs.get("secret") == "wrong":
            raise ValueError("AADSTS7000215: Invalid client secret provided.\nTrace ID: 1")
        return AccessToken("token-for-" + scope, 4102444800)


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    FakeCredential.instances = []

    def secret_build(self):
        return FakeCredential("secret", tenant=self.tenant, client_id=self.client_id, secret=self._secret,
                              authority=self._common_kwargs()["authority"], verify=self.verify)

    def msi_build(self):
        return FakeCredential("msi", client_id=self.client_id, verify=self.verify)

    monkeypatch.setattr(_auth.SecretAuth, "build", secret_build)
    monkeypatch.setattr(_auth.MsiAuth, "build", msi_build)
    return FakeCredential


def params(**kw):
    base = dict(resource=ADO, auth_source="credential", client_id="c", secret="s", tenant="t", certificate_path=None,
                certificate_password=None, federated_token=None, federated_token_file=None,
                cloud_environment="AzureCloud", validate_certs=True, ca_path=None, http_timeout=60)
    base.update(kw)
    return base


def test_default_resource_is_azure_devops(fake_credentials):
    token, method = entra_token.get_token(params())
    assert token == "token-for-%s/.default" % ADO
    assert method.name == "credential"
    assert fake_credentials.instances[0].kwargs["authority"] == "https://login.microsoftonline.com"


@pytest.mark.parametrize("resource,scope", [
    ("https://management.azure.com/", "https://management.azure.com//.default"),
    ("https://graph.microsoft.com/.default", "https://graph.microsoft.com/.default"),
    (None, ADO + "/.default"),
])
def test_scopes(resource, scope):
    assert entra_token.get_token(params(resource=resource))[0] == "token-for-" + scope


def test_sovereign_cloud_and_tls_settings(fake_credentials):
    entra_token.get_token(params(cloud_environment="AzureUSGovernment", ca_path="/etc/ca.pem"))
    made = fake_credentials.instances[0].kwargs
    assert made["authority"] == "https://login.microsoftonline.us" and made["verify"] == "/etc/ca.pem"
    entra_token.get_token(params(validate_certs=False, ca_path="/etc/ca.pem"))
    assert fake_credentials.instances[1].kwargs["verify"] is False


def test_custom_cloud_reads_its_metadata(make_client, fake_credentials):
    metadata = [{"name": "Private", "resourceManager": "https://arm.private/",
                 "authentication": {"loginEndpoint": "https://login.private/", "audiences": ["https://arm.private/"]},
                 "microsoftGraphResourceId": "https://graph.private/"}]
    sent = []

    def factory(base):
        client, session = make_client([FakeRaw(200, metadata)], base_url=base, token=None)
        sent.append(session)
        return client

    token = entra_token.get_token(params(cloud_environment="https://arm.private"), rest_factory=factory)[0]
    assert token == "token-for-%s/.default" % ADO
    assert sent[0].sent[0]["url"].startswith("https://arm.private/metadata/endpoints?api-version=")
    assert fake_credentials.instances[0].kwargs["authority"] == "https://login.private"


def test_environment_and_msi_sources_go_through_select_auth(monkeypatch, fake_credentials):
    monkeypatch.setenv("AZURE_CLIENT_ID", "env-client")
    monkeypatch.setenv("AZURE_TENANT_ID", "env-tenant")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "env-secret")
    entra_token.get_token(params(auth_source="env", client_id=None, secret=None, tenant=None))
    assert fake_credentials.instances[0].kwargs["client_id"] == "env-client"
    entra_token.get_token(params(auth_source="msi", client_id="user-assigned", secret=None, tenant=None))
    assert fake_credentials.instances[1].kind == "msi" and fake_credentials.instances[1].kwargs["client_id"] == "user-assigned"


def lookup(**options):
    plugin = entra_token.LookupModule()
    values = params(**options)
    plugin.set_options = lambda var_options=None, direct=None: None
    plugin.get_option = values.get
    return plugin


def test_lookup_returns_one_token():
    assert lookup().run([], variables={}) == ["token-for-%s/.default" % ADO]


def test_lookup_errors_name_the_problem_and_never_the_token():
    with pytest.raises(AnsibleLookupError) as info:
        lookup(secret="wrong").run([], variables={})
    assert "AADSTS7000215" in str(info.value) and "token-for" not in str(info.value)
    with pytest.raises(AnsibleLookupError) as info:
        lookup(secret=None).run([], variables={})
    assert "'secret' or 'certificate_path'" in str(info.value)
    with pytest.raises(AnsibleLookupError) as info:
        lookup(cloud_environment="AzureMars").run([], variables={})
    assert "cloud_environment" in str(info.value)
    with pytest.raises(AnsibleLookupError) as info:
        lookup(http_timeout=0).run([], variables={})
    assert "http_timeout" in str(info.value)
    with pytest.raises(AnsibleLookupError) as info:
        lookup().run(["https://management.azure.com/"], variables={})
    assert "resource=" in str(info.value)


def test_every_option_read_is_documented_with_the_module_defaults():
    doc = yaml.safe_load(entra_token.DOCUMENTATION)
    options = doc["options"]
    read = set(entra_token.CREDENTIAL_OPTIONS)
    read |= {"resource", "cloud_environment", "validate_certs", "ca_path", "http_timeout"}
    assert read == set(options)
    assert options["resource"]["default"] == ADO
    assert options["auth_source"]["choices"] == list(_auth.AUTH_SOURCES)
    assert options["auth_source"]["env"] == [{"name": "ANSIBLE_AZURE_AUTH_SOURCE"}]
    assert options["cloud_environment"]["env"] == [{"name": "AZURE_CLOUD_ENVIRONMENT"}]


def test_lookup_warns_when_certificates_are_not_verified():
    plugin = lookup(validate_certs=False)
    warnings = []
    plugin._display = type("Display", (), {"warning": lambda self, msg: warnings.append(msg),
                                           "vvv": lambda self, msg: None})()
    assert plugin.run([], variables={}) == ["token-for-%s/.default" % ADO]
    assert len(warnings) == 1 and warnings[0].startswith("azdo.identity.entra_token: validate_certs is false")
    warnings[:] = []
    plugin = lookup()
    plugin._display = type("Display", (), {"warning": lambda self, msg: warnings.append(msg),
                                           "vvv": lambda self, msg: None})()
    plugin.run([], variables={})
    assert warnings == []
