# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import sys

import pytest

from fakes import FakeRaw

from ansible_collections.azdo.identity.plugins.module_utils._cloud import (
    BUILTIN_CLOUDS, MissingLibraryError, resolve_cloud, validate_cloud_environment,
)
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError

MODERN = [
    {"name": "Other", "resourceManager": "https://elsewhere.example/",
     "authentication": {"loginEndpoint": "https://login.elsewhere/", "audiences": ["https://x/"]}},
    {"name": "Emulated", "resourceManager": "https://127.0.0.1:8443/", "graph": "https://graph.windows.net/",
     "microsoftGraphResourceId": "https://127.0.0.1:8443/",
     "authentication": {"loginEndpoint": "https://127.0.0.1:8443/",
                        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"]}},
]


def test_public_cloud_needs_no_request_and_no_msrestazure():
    sys.modules.pop("msrestazure", None)
    sys.modules.pop("msrestazure.azure_cloud", None)

    def factory(_base):
        raise AssertionError("no request for a built-in cloud")

    cloud = resolve_cloud("AzureCloud", factory)
    assert cloud.arm_endpoint == "https://management.azure.com"
    assert cloud.arm_scope == "https://management.azure.com/.default"
    assert cloud.graph_scope == "https://graph.microsoft.com/.default"
    assert "msrestazure" not in sys.modules
    assert resolve_cloud("AzureUSGovernment", factory).login_endpoint == "https://login.microsoftonline.us"
    assert resolve_cloud("azurechinacloud", factory) is BUILTIN_CLOUDS["AzureChinaCloud"]


@pytest.mark.parametrize("value,ok", [
    ("AzureCloud", True), ("AzureUSGovernment", True), ("https://arm.local", True),
    ("http://arm.local", False), ("AzureGermanCloud", False), ("https://", False),
])
def test_validate_cloud_environment(value, ok):
    assert (validate_cloud_environment(value) is None) is ok


def test_custom_cloud_modern_metadata(make_client):
    client, session = make_client([FakeRaw(200, MODERN)], base_url="https://127.0.0.1:8443", token=None)
    cloud = resolve_cloud("https://127.0.0.1:8443/", lambda base: client)
    assert cloud.custom and cloud.name == "Emulated"
    assert cloud.login_host == "https://127.0.0.1:8443"
    assert not cloud.known_authority
    assert cloud.arm_scope == "https://management.core.windows.net//.default"
    assert cloud.graph_endpoint == "https://127.0.0.1:8443"  # not the Azure AD Graph of `graph`
    assert cloud.graph_scope == "https://127.0.0.1:8443/.default"
    assert "metadata/endpoints?api-version=2022-09-01" in session.sent[0]["url"]
    assert "Authorization" not in session.sent[0]["headers"]


def test_custom_cloud_azure_stack_shape_uses_msrestazure(make_client):
    legacy = {"galleryEndpoint": "https://gallery.stack/", "graphEndpoint": "https://graph.windows.net/",
              "portalEndpoint": "https://portal.stack/",
              "authentication": {"loginEndpoint": "https://login.microsoftonline.com/",
                                 "audiences": ["https://management.stack.contoso.com/abc"]}}
    client, session = make_client([FakeRaw(200, legacy), FakeRaw(200, legacy)], base_url="https://management.stack")
    cloud = resolve_cloud("https://management.stack", lambda base: client)
    assert cloud.arm_audience == "https://management.stack.contoso.com/abc"
    assert cloud.login_endpoint == "https://login.microsoftonline.com"
    assert cloud.known_authority
    assert cloud.graph_endpoint == "https://graph.microsoft.com"
    assert len(session.sent) == 2 and session.sent[1]["verify"] is True


def test_custom_cloud_metadata_failure_is_clear(make_client):
    client = make_client([FakeRaw(404, {"error": {"code": "NotFound", "message": "no"}})], base_url="https://a.b")[0]
    with pytest.raises(ApiError) as info:
        resolve_cloud("https://a.b", lambda base: client)
    assert "cloud metadata of https://a.b" in info.value.message


LEGACY = {"galleryEndpoint": "https://gallery.stack/", "graphEndpoint": "https://graph.windows.net/",
          "authentication": {"loginEndpoint": "https://login.microsoftonline.com/",
                             "audiences": ["https://management.stack.contoso.com/abc"]}}


@pytest.fixture
def without_msrestazure(monkeypatch):
    """msrestazure not installed (requirements-azure-stack.txt left out): importing it raises ImportError."""
    monkeypatch.setitem(sys.modules, "msrestazure", None)
    monkeypatch.setitem(sys.modules, "msrestazure.azure_cloud", None)


def test_azure_stack_metadata_without_msrestazure_names_the_library(make_client, without_msrestazure):
    client = make_client([FakeRaw(200, LEGACY)], base_url="https://management.stack")[0]
    with pytest.raises(MissingLibraryError) as info:
        resolve_cloud("https://management.stack", lambda base: client)
    # Ansible's standard missing_required_lib text, with the reason and the file to install
    assert str(info.value).startswith("Failed to import the required Python library (msrestazure) on ")
    assert "Azure Stack style metadata of cloud_environment https://management.stack" in str(info.value)
    assert "requirements-azure-stack.txt" in str(info.value)
    assert "ImportError" in info.value.traceback or "ModuleNotFoundError" in info.value.traceback


def test_modern_custom_cloud_does_not_need_msrestazure(make_client, without_msrestazure):
    client = make_client([FakeRaw(200, MODERN)], base_url="https://127.0.0.1:8443", token=None)[0]
    assert resolve_cloud("https://127.0.0.1:8443/", lambda base: client).name == "Emulated"


def test_module_fails_with_missing_required_lib(make_client, without_msrestazure):
    from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule

    client = make_client([FakeRaw(200, LEGACY)], base_url="https://management.stack")[0]
    module = AzureModule.__new__(AzureModule)  # no AnsibleModule: only the cloud discovery and run() are exercised
    module.params = {"cloud_environment": "https://management.stack"}
    module._cloud = None
    module.rest_client = lambda base, service=None: client
    failed = {}
    module.fail = lambda msg, **extra: failed.update(extra, msg=msg)
    module.run(lambda m: m.cloud)
    assert failed["msg"].startswith("Failed to import the required Python library (msrestazure) on ")
    assert "msrestazure" in failed["exception"]


def test_lookup_fails_with_missing_required_lib(make_client, without_msrestazure):
    from ansible_collections.azdo.identity.plugins.lookup.entra_token import get_token

    client = make_client([FakeRaw(200, LEGACY)], base_url="https://management.stack")[0]
    with pytest.raises(ValueError) as info:  # the lookup turns ValueError into AnsibleLookupError with this text
        get_token({"cloud_environment": "https://management.stack"}, rest_factory=lambda base: client)
    assert str(info.value).startswith("Failed to import the required Python library (msrestazure) on ")
