# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure-identity, unmodified, against the emulator's token endpoint (the credential every other suite uses).

Pointed at the emulator only through ``authority``, ``disable_instance_discovery`` (documented for authorities
MSAL cannot validate) and ``connection_verify`` (the CA bundle).
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from .official_support import Calls, credential

identity = pytest.importorskip("azure.identity")
exceptions = pytest.importorskip("azure.core.exceptions")

SCOPES = ("https://management.azure.com/.default", "https://graph.microsoft.com/.default",
          "499b84ac-1321-427f-aa17-267ca6975798/.default")
ISSUER = "https://vstoken.dev.azure.com/00000000-0000-0000-0000-00000000000a"
AUDIENCE = "api://AzureADTokenExchange"
calls = Calls("Entra ID tokens (azure-identity)")


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def assertion(subject: str) -> str:
    """An external IdP's JWT as Azure DevOps would present it (the emulator does not verify signatures)."""
    def enc(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    now = int(time.time())
    return ".".join((enc({"alg": "RS256", "typ": "JWT"}),
                     enc({"iss": ISSUER, "sub": subject, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 600}),
                     enc({"sig": "not-checked"})))


def test_client_secret_tokens_for_each_resource(emu):
    cred = credential(emu.info)
    for scope in SCOPES:
        token = calls(cred.get_token, scope)
        claims = claims_of(token.token)
        assert claims["appid"] == emu.info["client_id"] and claims["tid"] == emu.info["tenant_id"]
        assert claims["aud"].rstrip("/") == scope[:-len("/.default")]
        assert token.expires_on > time.time() + 3000
    wrong = credential(emu.info, secret="not-the-secret")
    refused = calls.fails(exceptions.ClientAuthenticationError, wrong.get_token, SCOPES[0])
    assert "AADSTS7000215" in str(refused)


def test_workload_identity_federation_with_a_managed_identity(emu):
    seeded = emu.seed({"managedIdentities": [{"name": "id-wif", "federatedIdentityCredentials": [
        {"name": "fic-ado", "issuer": ISSUER, "subject": "sc://org/project/conn", "audiences": [AUDIENCE]}]}]})
    client_id = seeded["managedIdentities"][0]["clientId"]
    kwargs = dict(authority=emu.info["base_url"], disable_instance_discovery=True, connection_verify=emu.info["ca_path"])
    good = identity.ClientAssertionCredential(emu.info["tenant_id"], client_id, lambda: assertion("sc://org/project/conn"),
                                              **kwargs)
    token = calls(good.get_token, SCOPES[0])
    assert claims_of(token.token)["oid"] == seeded["managedIdentities"][0]["principalId"]
    bad = identity.ClientAssertionCredential(emu.info["tenant_id"], client_id, lambda: assertion("sc://org/project/other"),
                                             **kwargs)
    refused = calls.fails(exceptions.ClientAuthenticationError, bad.get_token, SCOPES[0])
    assert "AADSTS700213" in str(refused)
