# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure.azcollection's spellings: credentials file profiles, x509_certificate_path, cert_validation_mode."""

from __future__ import annotations

import contextlib
import json
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.azdo.identity.plugins.module_utils._auth import CertificateAuth, SecretAuth, select_auth
from ansible_collections.azdo.identity.plugins.module_utils._cloud import BUILTIN_CLOUDS
from ansible_collections.azdo.identity.plugins.module_utils._compat import apply_compat
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule

SECRET = "Fi1e~Secret.Value_0123456789abcdefghij"
CREDENTIALS = """[default]
subscription_id = 00000000-0000-0000-0000-00000000000a
client_id = 11111111-1111-1111-1111-111111111111
secret = %s
tenant = 22222222-2222-2222-2222-222222222222

[prod]
subscription_id = 00000000-0000-0000-0000-00000000000b
client_id = 33333333-3333-3333-3333-333333333333
secret = prod-%s
tenant = 44444444-4444-4444-4444-444444444444
""" % (SECRET, SECRET)


@pytest.fixture
def home(tmp_path, monkeypatch):
    (tmp_path / ".azure").mkdir()
    (tmp_path / ".azure" / "credentials").write_text(CREDENTIALS)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("AZURE_PROFILE", "AZURE_CERT_VALIDATION_MODE", "AZURE_SUBSCRIPTION_ID", "ANSIBLE_AZURE_AUTH_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@contextlib.contextmanager
def module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
    except ImportError:  # pragma: no cover - older ansible-core
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved
        return
    with patch_module_args(args):
        yield


def test_credential_file_default_profile(home):
    params = dict(auth_source="credential_file")
    masked = []
    assert apply_compat(params, masked.append) == "default"
    assert params["client_id"] == "11111111-1111-1111-1111-111111111111" and params["secret"] == SECRET
    assert params["subscription_id"].endswith("000a") and masked == [SECRET]
    method = select_auth(params, BUILTIN_CLOUDS["AzureCloud"], environ={})
    assert isinstance(method, SecretAuth) and method.name == "credential_file"
    assert method.tenant == "22222222-2222-2222-2222-222222222222"


def test_profile_from_option_or_azure_profile_and_options_win(home, monkeypatch):
    params = dict(auth_source="credential_file", profile="prod", client_id="given")
    apply_compat(params, lambda value: None)
    assert params["client_id"] == "given" and params["secret"] == "prod-" + SECRET
    monkeypatch.setenv("AZURE_PROFILE", "prod")
    params = dict(auth_source="credential_file")
    apply_compat(params, lambda value: None)
    assert params["tenant"] == "44444444-4444-4444-4444-444444444444"


def test_credential_file_errors_name_the_fix_and_never_the_secret(home):
    with pytest.raises(InputError) as info:
        apply_compat(dict(auth_source="credential_file", profile="staging"), lambda value: None)
    assert "[staging]" in str(info.value) and "default, prod" in str(info.value) and "AZURE_PROFILE" in str(info.value)
    (home / ".azure" / "credentials").write_text("[default]\nsecret = %s\n  = broken line %s\n[[x" % (SECRET, SECRET))
    with pytest.raises(InputError) as info:
        apply_compat(dict(auth_source="credential_file"), lambda value: None)
    assert "not a valid INI file" in str(info.value) and SECRET not in str(info.value)
    (home / ".azure" / "credentials").write_text("[default]\nsecret = %s\n" % SECRET)
    with pytest.raises(InputError) as info:
        apply_compat(dict(auth_source="credential_file"), lambda value: None)
    assert "client_id or tenant" in str(info.value) and SECRET not in str(info.value)
    os.unlink(str(home / ".azure" / "credentials"))
    with pytest.raises(InputError) as info:
        apply_compat(dict(auth_source="credential_file"), lambda value: None)
    assert ".azure/credentials" in str(info.value) and "auth_source" in str(info.value)


def test_secret_from_the_file_is_masked_in_the_module_output(home):
    with module_args(dict(auth_source="credential_file")):
        module = AzureModule(dict())
    assert SECRET in module.module.no_log_values
    assert module.params["subscription_id"].endswith("000a")
    # What exit_json and fail_json do to every result before it is printed.
    shown = json.dumps(basic.remove_values(dict(echo="the secret is %s" % SECRET, params=module.params),
                                           module.module.no_log_values))
    assert SECRET not in shown and "the secret is" in shown


def test_x509_certificate_path_is_certificate_path(home, monkeypatch):
    with module_args(dict(auth_source="credential", client_id="c", tenant="t", x509_certificate_path="/certs/sp.pem")):
        module = AzureModule(dict())
    assert module.params["certificate_path"] == "/certs/sp.pem"
    env = {"AZURE_CLIENT_ID": "c", "AZURE_TENANT": "t", "AZURE_X509_CERTIFICATE_PATH": "/certs/sp.pem"}
    method = select_auth(dict(auth_source="env"), BUILTIN_CLOUDS["AzureCloud"], environ=env)
    assert isinstance(method, CertificateAuth) and method.path == "/certs/sp.pem"


def test_cert_validation_mode(home, monkeypatch, capsys):
    with module_args(dict(cert_validation_mode="ignore")):
        module = AzureModule(dict())
    assert module.verify is False
    monkeypatch.setenv("AZURE_CERT_VALIDATION_MODE", "validate")
    with module_args(dict(ca_path="/ca.pem")):
        module = AzureModule(dict())
    assert module.verify == "/ca.pem"
    with module_args(dict(validate_certs=False)):
        with pytest.raises(SystemExit):
            AzureModule(dict())
    assert "contradict" in capsys.readouterr().out
