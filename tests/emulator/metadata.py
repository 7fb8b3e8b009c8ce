# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM cloud metadata: GET /metadata/endpoints in the legacy (Azure Stack) and the modern shape."""

from __future__ import annotations

import re

from .web import HttpError, Request, Response

LEGACY_VERSIONS = ("2015-01-01", "1.0")
MODERN_MINIMUM = "2019-05-01"
VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
# Real resource identifiers: clients ask Entra for tokens with these; the emulator only hosts the endpoints.
ARM_AUDIENCES = ["https://management.core.windows.net/", "https://management.azure.com/"]
MICROSOFT_GRAPH_RESOURCE_ID = "https://graph.microsoft.com/"
AAD_GRAPH_AUDIENCE = "https://graph.windows.net/"
CLOUD_NAME = "AzureEmulator"


def legacy_shape(base: str) -> dict:
    """Keys msrestazure.azure_cloud._populate_from_metadata_endpoint reads (api-version 2015-01-01)."""
    return {
        "galleryEndpoint": f"{base}/gallery/",
        "graphEndpoint": AAD_GRAPH_AUDIENCE,
        "portalEndpoint": f"{base}/portal/",
        "authentication": {"loginEndpoint": f"{base}/", "audiences": list(ARM_AUDIENCES)},
    }


def modern_shape(base: str) -> list:
    """ARM's array of clouds (api-version 2019-05-01 and later), one entry for the emulator."""
    return [{
        "portal": f"{base}/portal",
        "authentication": {"loginEndpoint": f"{base}/", "audiences": list(ARM_AUDIENCES), "tenant": "common",
                           "identityProvider": "AAD"},
        "media": "https://rest.media.azure.net",
        "graphAudience": AAD_GRAPH_AUDIENCE,
        "graph": AAD_GRAPH_AUDIENCE,
        "name": CLOUD_NAME,
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
        "batch": "https://batch.core.windows.net/",
        "resourceManager": f"{base}/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        # In real metadata `graph` is the retired Azure AD Graph; Microsoft Graph is named by
        # microsoftGraphResourceId, which clients (azure-cli) use as both audience and base URL.
        # The emulator hosts Microsoft Graph itself, so that id is its own base URL.
        "microsoftGraphResourceId": f"{base}/",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
    }]


def endpoints(emu, req: Request) -> Response:
    """GET /metadata/endpoints?api-version=..."""
    version = req.arg("api-version")
    if not version:
        raise HttpError(400, "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all requests.")
    if version in LEGACY_VERSIONS:
        return Response(200, legacy_shape(emu.base_url))
    if VERSION_RE.match(version) and version >= MODERN_MINIMUM:
        return Response(200, modern_shape(emu.base_url))
    raise HttpError(400, "InvalidApiVersionParameter",
                    f"The api-version '{version}' is invalid. The supported versions are '2015-01-01', '1.0' and "
                    f"'{MODERN_MINIMUM}' or later.")


def decorate(req: Request, response: Response) -> None:
    """ARM-style request ids."""
    response.headers["x-ms-request-id"] = req.request_id
    response.headers["x-ms-correlation-request-id"] = req.header("x-ms-correlation-request-id") or req.request_id


def not_found(_emu, req: Request) -> Response:
    """Other /metadata paths."""
    raise HttpError(404, "NotFound", f"The metadata path '{req.path}' does not exist.")


def register(router, _emu) -> None:
    """Route for the cloud metadata document."""
    router.add("metadata", "GET", r"/metadata/endpoints/?", endpoints)
    router.fallback("metadata", not_found)
    router.decorator("metadata", decorate)
