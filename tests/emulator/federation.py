# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who trusts which issuer and subject: one lookup over app registrations and managed identities.

Azure DevOps decides whether a workload identity federation connection is ready by asking Entra
for a token with the connection's issuer and subject; the emulator answers the same question
from its own state with :func:`credentials_for_client`. The Entra token endpoint and the Azure
DevOps service both use it, so they agree by construction.
"""

from __future__ import annotations

MANAGED_IDENTITY_EXTENSION = "managed_identity"


def credentials_for_client(state, client_id: str, tenant_id: str | None = None) -> list[dict] | None:
    """Federated credentials (``issuer``, ``subject``, ``audiences``) trusted by ``client_id``.

    ``client_id`` is an app registration's appId or a user-assigned identity's clientId. Returns
    ``None`` when no such client exists (in ``tenant_id``, when given), ``[]`` when it has none.
    Call with ``state.lock`` held.
    """
    wanted = (client_id or "").lower()
    for (tid, app_id), app in state.applications.items():
        if app_id == wanted and (tenant_id is None or tid == tenant_id.lower()):
            return [dict(f) for f in app.get("federatedIdentityCredentials") or []]
    identities = state.ext.get(MANAGED_IDENTITY_EXTENSION)
    if identities is not None and hasattr(identities, "credentials_for_client"):
        return identities.credentials_for_client(wanted, tenant_id)
    return None


def managed_identity_client(state, client_id: str, tenant_id: str) -> dict | None:
    """A user-assigned identity seen as a token client (app-registration-shaped, FICs only), or None.

    Call with ``state.lock`` held.
    """
    identities = state.ext.get(MANAGED_IDENTITY_EXTENSION)
    if identities is not None and hasattr(identities, "client_record"):
        return identities.client_record(client_id, tenant_id)
    return None


ENTRA_ISSUER_PREFIX = "https://login.microsoftonline.com/"
MULTITENANT_AUDIENCES = ("AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount")


def multitenant_with_entra_issuer(state, client_id: str, issuer: str) -> bool:
    """True when ``client_id`` is a multitenant app and ``issuer`` is the Microsoft Entra issuer: Entra refuses
    that exchange with AADSTS70052 ("The identity must be a managed identity, a single tenant app, or a service
    account") [CONTRACTS 1, D-TS]. Call with ``state.lock`` held."""
    if not (issuer or "").startswith(ENTRA_ISSUER_PREFIX):
        return False
    wanted = (client_id or "").lower()
    for (_tid, app_id), app in state.applications.items():
        if app_id == wanted:
            return (app.get("signInAudience") or "AzureADMyOrg") in MULTITENANT_AUDIENCES
    return False


def trusts(state, client_id: str, issuer: str, subject: str, audience: str = "api://AzureADTokenExchange",
           tenant_id: str | None = None) -> bool:
    """Whether ``client_id`` has a federated credential with exactly this issuer, subject and audience (and Entra
    would accept the exchange: no multitenant app with the Entra issuer).

    Entra compares issuer and subject as exact, case-sensitive strings.
    """
    if multitenant_with_entra_issuer(state, client_id, issuer):
        return False
    for fic in credentials_for_client(state, client_id, tenant_id) or []:
        if fic.get("issuer") == issuer and fic.get("subject") == subject and audience in (fic.get("audiences") or []):
            return True
    return False
