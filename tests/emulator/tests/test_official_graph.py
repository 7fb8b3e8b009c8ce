# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""msgraph-sdk (Microsoft Graph v1.0 Python SDK), unmodified, against the emulator.

Built the way the SDK documents for another cloud: an ``AzureIdentityAuthenticationProvider`` (azure-identity
credential, the Graph scope and the emulator host as ``allowed_hosts``), an HTTP client from
``GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(base_url=..., verify=<CA>))``, a
``GraphRequestAdapter`` and ``GraphServiceClient(request_adapter=...)``. The SDK is asynchronous: each test runs
one coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import ssl
import uuid

import pytest

from .official_support import Calls, assert_conformant, credential

msgraph = pytest.importorskip("msgraph")
httpx = pytest.importorskip("httpx")
graph_core = pytest.importorskip("msgraph_core")
kiota_azure = pytest.importorskip("kiota_authentication_azure.azure_identity_authentication_provider")
kiota_config = pytest.importorskip("kiota_abstractions.base_request_configuration")
graph_models = pytest.importorskip("msgraph.generated.models.application")
fic_models = pytest.importorskip("msgraph.generated.models.federated_identity_credential")
sp_models = pytest.importorskip("msgraph.generated.models.service_principal")
pw_models = pytest.importorskip("msgraph.generated.models.password_credential")
odata = pytest.importorskip("msgraph.generated.models.o_data_errors.o_data_error")
add_pw = pytest.importorskip("msgraph.generated.applications.item.add_password.add_password_post_request_body")
remove_pw = pytest.importorskip("msgraph.generated.applications.item.remove_password.remove_password_post_request_body")
apps_builder = pytest.importorskip("msgraph.generated.applications.applications_request_builder")

# The SDK's generated request builders warn about their own legacy configuration classes when imported.
pytestmark = pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning")
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "api://AzureADTokenExchange"
calls = Calls("Microsoft Graph (msgraph-sdk)")
tokens = Calls("Entra ID tokens (azure-identity)")


def graph_client(info: dict):
    auth = kiota_azure.AzureIdentityAuthenticationProvider(credential(info), scopes=[GRAPH_SCOPE],
                                                           allowed_hosts=[info["host"]])
    http = graph_core.GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(base_url=f"{info['base_url']}/v1.0", verify=ssl.create_default_context(cafile=info["ca_path"])))
    return msgraph.GraphServiceClient(request_adapter=msgraph.GraphRequestAdapter(auth, http))


async def acall(coroutine):
    """Await one SDK call and count it."""
    return calls(lambda value: value, await coroutine)


async def afails(coroutine):
    """Await one SDK call that must raise the SDK's ODataError; count it and return the error."""
    with pytest.raises(odata.ODataError) as caught:
        await coroutine
    calls.count()
    return caught.value


@pytest.fixture
def client(emu):
    assert emu.admin("DELETE", "/violations").status_code == 204
    return graph_client(emu.info)


def test_applications_and_service_principals(emu, client):
    name = f"sdk-app-{uuid.uuid4().hex[:8]}"

    async def scenario():
        new = graph_models.Application(display_name=name, sign_in_audience="AzureADMyOrg")
        app = await acall(client.applications.post(new))
        assert app.display_name == name and app.sign_in_audience == "AzureADMyOrg" and app.app_id and app.id
        got = await acall(client.applications.by_application_id(app.id).get())
        assert got.app_id == app.app_id
        assert (await acall(client.applications_with_app_id(app.app_id).get())).id == app.id
        query = apps_builder.ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters(
            filter=f"displayName eq '{name}'")
        found = await acall(client.applications.get(kiota_config.RequestConfiguration(query_parameters=query)))
        assert [a.id for a in found.value] == [app.id]
        principal = await acall(client.service_principals.post(sp_models.ServicePrincipal(app_id=app.app_id)))
        assert principal.app_id == app.app_id and principal.id
        assert (await acall(client.service_principals_with_app_id(app.app_id).get())).id == principal.id
        conflict = await afails(client.service_principals.post(sp_models.ServicePrincipal(app_id=app.app_id)))
        assert conflict.response_status_code == 409
        await acall(client.applications.by_application_id(app.id).delete())
        missing = await afails(client.applications.by_application_id(app.id).get())
        assert missing.response_status_code == 404 and missing.error.code == "Request_ResourceNotFound"

    asyncio.run(scenario())
    assert_conformant(emu)


def test_federated_identity_credentials(emu, client):

    async def scenario():
        app = await acall(client.applications.post(graph_models.Application(display_name="sdk-fic-app")))
        fics = client.applications.by_application_id(app.id).federated_identity_credentials
        created = await acall(fics.post(fic_models.FederatedIdentityCredential(
            name="sdk-fic", issuer=ISSUER, subject="repo:o/r:ref:refs/heads/main", audiences=[AUDIENCE],
            description="from msgraph-sdk")))
        assert (created.name, created.issuer, created.audiences) == ("sdk-fic", ISSUER, [AUDIENCE]) and created.id
        listed = await acall(fics.get())
        assert [f.id for f in listed.value] == [created.id]
        await acall(fics.by_federated_identity_credential_id(created.id).patch(
            fic_models.FederatedIdentityCredential(subject="repo:o/r:environment:prod")))
        got = await acall(fics.by_federated_identity_credential_id(created.id).get())
        assert got.subject == "repo:o/r:environment:prod"
        duplicate = await afails(fics.post(fic_models.FederatedIdentityCredential(
            name="sdk-fic", issuer=ISSUER, subject="other", audiences=[AUDIENCE])))
        assert duplicate.response_status_code == 409
        await acall(fics.by_federated_identity_credential_id(created.id).delete())
        assert (await acall(fics.get())).value == []

    asyncio.run(scenario())
    assert_conformant(emu)


def test_passwords_sign_in(emu, client):

    async def scenario():
        app = await acall(client.applications.post(graph_models.Application(display_name="sdk-pw-app")))
        await acall(client.service_principals.post(sp_models.ServicePrincipal(app_id=app.app_id)))
        item = client.applications.by_application_id(app.id)
        added = await acall(item.add_password.post(add_pw.AddPasswordPostRequestBody(
            password_credential=pw_models.PasswordCredential(display_name="sdk"))))
        assert added.secret_text and added.hint == added.secret_text[:3] and added.key_id
        signed_in = credential(emu.info, client_id=app.app_id, secret=added.secret_text)
        assert tokens(signed_in.get_token, GRAPH_SCOPE).token  # the new secret works at the token endpoint
        await acall(item.remove_password.post(remove_pw.RemovePasswordPostRequestBody(key_id=added.key_id)))
        refreshed = await acall(item.get())
        assert refreshed.password_credentials == []
        unknown = await afails(item.remove_password.post(remove_pw.RemovePasswordPostRequestBody(key_id=uuid.uuid4())))
        assert unknown.response_status_code == 400
        refused = tokens.fails(pytest.importorskip("azure.core.exceptions").ClientAuthenticationError,
                               credential(emu.info, client_id=app.app_id, secret=added.secret_text).get_token, GRAPH_SCOPE)
        assert "7000215" in str(refused)  # the removed secret no longer signs in

    asyncio.run(scenario())
    assert_conformant(emu)
