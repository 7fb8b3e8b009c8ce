# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud metadata endpoint in both shapes."""

from __future__ import annotations

import requests
from msrestazure.azure_cloud import get_cloud_from_metadata_endpoint


def test_msrestazure_reads_legacy_shape(emu):
    session = requests.Session()
    session.verify = emu.ca
    cloud = get_cloud_from_metadata_endpoint(emu.base, session=session)
    assert cloud.endpoints.resource_manager == emu.base
    assert cloud.endpoints.active_directory == emu.base + "/"
    assert cloud.endpoints.active_directory_resource_id == "https://management.core.windows.net/"
    assert cloud.endpoints.active_directory_graph_resource_id == "https://graph.windows.net/"
    assert [e["query"] for e in emu.log() if e["path"] == "/metadata/endpoints"] == [{"api-version": "2015-01-01"}]


def test_legacy_shape_keys(emu):
    body = emu.request("GET", "/metadata/endpoints", params={"api-version": "1.0"}).json()
    assert set(body) == {"galleryEndpoint", "graphEndpoint", "portalEndpoint", "authentication"}
    assert body["authentication"]["audiences"] == ["https://management.core.windows.net/", "https://management.azure.com/"]


def test_modern_shape(emu):
    for version in ("2019-05-01", "2022-09-01"):
        resp = emu.request("GET", "/metadata/endpoints", params={"api-version": version})
        assert resp.status_code == 200
        clouds = resp.json()
        assert isinstance(clouds, list) and len(clouds) == 1
        cloud = clouds[0]
        assert cloud["resourceManager"] == emu.base + "/"
        assert cloud["graph"] == "https://graph.windows.net/"  # Azure AD Graph, as real ARM serves it
        assert cloud["authentication"] == {"loginEndpoint": emu.base + "/",
                                           "audiences": ["https://management.core.windows.net/",
                                                         "https://management.azure.com/"],
                                           "tenant": "common", "identityProvider": "AAD"}
        assert cloud["microsoftGraphResourceId"] == emu.base + "/"  # Microsoft Graph is hosted by the emulator
        assert cloud["suffixes"]["keyVaultDns"] == "vault.azure.net"
        assert cloud["name"] != "AzureCloud"


def test_api_version_errors(emu):
    missing = emu.request("GET", "/metadata/endpoints")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    bad = emu.request("GET", "/metadata/endpoints", params={"api-version": "2016-01-01"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "InvalidApiVersionParameter"
