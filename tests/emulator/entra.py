# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Entra ID: discovery documents and the client-credentials token endpoint [CONTRACTS 1]."""

from __future__ import annotations

import base64
from urllib.parse import unquote, urlsplit

from . import clock
from .errors import EntraError
from .federation import managed_identity_client, multitenant_with_entra_issuer
from .tokens import TokenError, split_jwt
from .web import Request, Response

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SPECIAL_TENANTS = ("common", "organizations", "consumers")
AZURE_DEVOPS_APP_ID = "499b84ac-1321-427f-aa17-267ca6975798"
# Resource identifiers tokens may be requested for (compared without trailing slash, case-insensitively).
KNOWN_RESOURCES = (
    "https://management.azure.com",
    "https://management.core.windows.net",
    "https://graph.microsoft.com",
    AZURE_DEVOPS_APP_ID,
    "api://AzureADTokenExchange",
    "00000003-0000-0000-c000-000000000000",  # Microsoft Graph's app id
)


def _tenant_or_error(emu, segment: str, error: str = "invalid_request") -> dict:
    tenant = emu.state.tenant_by_segment(segment)
    if tenant is None:
        raise EntraError(400, error, 90002,
                         f"Tenant '{segment}' not found. Check the tenant ID and that you sign in to the right cloud.")
    return tenant


def _tenant_label(emu, segment: str) -> str:
    if segment.lower() in SPECIAL_TENANTS:
        return "{tenantid}"
    return _tenant_or_error(emu, segment, "invalid_tenant")["id"]


def openid_configuration(emu, req: Request) -> Response:
    """GET /{tenant}/v2.0/.well-known/openid-configuration (v2) or /{tenant}/.well-known/... (v1)."""
    segment = req.group("tenant")
    issuer_tenant = _tenant_label(emu, segment)
    base = emu.base_url
    host = urlsplit(base).netloc
    v2 = bool(req.group("v2"))
    suffix = "/v2.0" if v2 else ""
    issuer = f"{base}/{issuer_tenant}/v2.0" if v2 else f"https://sts.windows.net/{issuer_tenant}/"
    doc = {
        "token_endpoint": f"{base}/{segment}/oauth2{suffix}/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{base}/{segment}/discovery{suffix}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base}/oidc/userinfo",
        "authorization_endpoint": f"{base}/{segment}/oauth2{suffix}/authorize",
        "device_authorization_endpoint": f"{base}/{segment}/oauth2{suffix}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/{segment}/oauth2{suffix}/logout",
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
                             "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
                             "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": f"{base}/{segment}/kerberos",
        "tenant_region_scope": None if issuer_tenant == "{tenantid}" else "NA",
        "cloud_instance_name": host,
        "cloud_graph_host_name": host,
        "msgraph_host": host,
        "rbac_url": base,
    }
    return Response(200, doc, {"Cache-Control": "max-age=86400, private"})


def instance_discovery(emu, req: Request) -> Response:
    """GET /common/discovery/instance?api-version=1.1&authorization_endpoint=... [azure-sdk-for-go recording]."""
    endpoint = req.arg("authorization_endpoint") or ""
    parts = urlsplit(endpoint)
    if not endpoint or parts.netloc.lower() not in emu.own_hosts():
        raise EntraError(400, "invalid_instance", 50049, "Unknown or invalid instance.")
    tenant = unquote(parts.path.strip("/").split("/", 1)[0]) or "common"
    aliases = sorted(emu.own_hosts())
    body = {
        "tenant_discovery_endpoint": f"{emu.base_url}/{tenant}/v2.0/.well-known/openid-configuration",
        "api-version": req.arg("api-version") or "1.1",
        "metadata": [{"preferred_network": parts.netloc.lower(), "preferred_cache": parts.netloc.lower(),
                      "aliases": aliases}],
    }
    return Response(200, body, {"Cache-Control": "max-age=86400, private"})


def keys(emu, req: Request) -> Response:
    """JWKS: empty, because the emulator signs with a symmetric key it never publishes."""
    segment = req.group("tenant")
    if segment.lower() not in SPECIAL_TENANTS:
        _tenant_or_error(emu, segment, "invalid_tenant")
    return Response(200, {"keys": []})


def _client_auth(req: Request, form: dict) -> tuple[str | None, str | None]:
    client_id = form.get("client_id")
    secret = form.get("client_secret")
    header = req.header("Authorization") or ""
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise EntraError(401, "invalid_client", 7000215, "The HTTP Basic client credentials are malformed.") from exc
        basic_id, _sep, basic_secret = decoded.partition(":")
        client_id = client_id or unquote(basic_id.replace("+", " "))
        secret = secret or unquote(basic_secret.replace("+", " "))
    return client_id, secret


def _resource_from_scope(scope: str | None) -> str:
    if scope is None or not scope.strip():
        raise EntraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
    items = scope.split()
    resources = []
    for item in items:
        if not item.endswith("/.default"):
            raise EntraError(400, "invalid_scope", 1002012,
                             f"The provided value for scope {item} is not valid. Client credential flows must use a "
                             "scope of the form <resource>/.default.")
        resource = item[:-len("/.default")]
        if resource not in resources:
            resources.append(resource)
    if len(resources) != 1:
        raise EntraError(400, "invalid_scope", 70011,
                         f"The provided value for the input parameter 'scope' is not valid. The scope {scope} mixes "
                         "several resources; request one resource per token.")
    return resources[0]


def _known_resource(emu, resource: str, tenant_id: str) -> bool:
    norm = resource.rstrip("/").lower()
    known = {r.lower() for r in KNOWN_RESOURCES} | {emu.base_url.lower()}
    if norm in known:
        return True
    return any(app["appId"] == norm or f"api://{app['appId']}" == norm
               for (tid, _app_id), app in emu.state.applications.items() if tid == tenant_id)


def _check_secret(app: dict, secret: str) -> None:
    now = clock.now()
    for item in app["secrets"]:
        if item["value"] == secret:
            end = item.get("endDateTime")
            if end is not None and float(end) < now:
                raise EntraError(401, "invalid_client", 7000222,
                                 f"The provided client secret keys for app '{app['appId']}' are expired.")
            return
    raise EntraError(401, "invalid_client", 7000215,
                     "Invalid client secret provided. Send the secret value, not the secret ID, for a secret added to "
                     f"app '{app['appId']}'.")


def _check_assertion(emu, app: dict, assertion: str, tenant_id: str) -> str:
    """Accept a certificate-style (iss=sub=client_id) or federated assertion; return appidacr."""
    try:
        header, claims, _sig = split_jwt(assertion)
    except TokenError as exc:
        raise EntraError(400, "invalid_request", 50027, "Invalid JWT token: the client assertion is malformed.") from exc
    now = clock.now()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, (int, float)) or now > exp or (isinstance(nbf, (int, float)) and now < nbf - 300):
        raise EntraError(400, "invalid_client", 700024, "Client assertion is not within its valid time range.")
    iss, sub, aud = claims.get("iss"), claims.get("sub"), claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if iss == app["appId"] and sub == app["appId"]:
        own = (f"{emu.base_url}/{tenant_id}/".lower(), f"{emu.base_url}/{emu.state.tenants[tenant_id]['domain']}/".lower())
        if not any(isinstance(a, str) and a.lower().startswith(own) for a in audiences):
            raise EntraError(401, "invalid_client", 700027,
                             "Client assertion audience must be this tenant's token endpoint.")
        thumb = header.get("x5t")
        if thumb:
            try:
                thumb = base64.urlsafe_b64decode(thumb + "=" * (-len(thumb) % 4)).hex().upper()
            except ValueError:
                thumb = ""
        registered = {c["thumbprint"] for c in app["certificates"]}
        if not registered or (thumb and registered != {""} and thumb not in registered):
            raise EntraError(401, "invalid_client", 700027,
                             f"Client assertion contains an invalid signature: no registered key matches (thumbprint "
                             f"'{thumb or ''}') for app '{app['appId']}'.")
        return "2"
    fics = app["federatedIdentityCredentials"]
    if not fics:
        raise EntraError(400, "invalid_client", 70025,
                         f"The client '{app['appId']}' has no configured federated identity credentials.")
    by_issuer = [f for f in fics if f["issuer"] == iss]
    if not by_issuer:
        raise EntraError(401, "invalid_client", 700211,
                         f"No matching federated identity record found for presented assertion issuer '{iss}'.")
    by_subject = [f for f in by_issuer if f["subject"] == sub]
    if not by_subject:
        raise EntraError(401, "invalid_client", 700213,
                         f"No matching federated identity record found for presented assertion subject '{sub}'.")
    if not any(a in f["audiences"] for f in by_subject for a in audiences):
        raise EntraError(401, "invalid_client", 700212,
                         f"No matching federated identity record found for presented assertion audience '{aud}'.")
    if multitenant_with_entra_issuer(emu.state, app["appId"], iss):  # status UNCONFIRMED (D-TS gives the code only)
        raise EntraError(400, "invalid_client", 70052,
                         "The identity must be a managed identity, a single tenant app, or a service account.")
    return "2"


def token(emu, req: Request) -> Response:
    """POST /{tenant}/oauth2/v2.0/token and the v1 /{tenant}/oauth2/token (client credentials only)."""
    v2 = bool(req.group("v2"))
    segment = req.group("tenant")
    if segment.lower() in SPECIAL_TENANTS:
        raise EntraError(400, "invalid_request", 50059,
                         "No tenant-identifying information found in either the request or implied by any provided "
                         "credentials; use a tenant-specific endpoint for client credentials.")
    tenant = _tenant_or_error(emu, segment)
    form = req.form()
    grant = form.get("grant_type")
    if not grant:
        raise EntraError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'grant_type'.")
    if grant != "client_credentials":
        raise EntraError(400, "unsupported_grant_type", 70003,
                         f"The app requested an unsupported grant type '{grant}'; the emulator serves client_credentials.")
    client_id, secret = _client_auth(req, form)
    if not client_id:
        raise EntraError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'client_id'.")
    app = emu.state.application(tenant["id"], client_id)
    if app is None:  # a user-assigned identity's clientId: federated credentials only
        app = managed_identity_client(emu.state, client_id, tenant["id"])
    if app is None:
        raise EntraError(400, "unauthorized_client", 700016,
                         f"Application with identifier '{client_id}' was not found in the directory '{tenant['id']}'. "
                         "It may not be installed in this tenant, or the request went to the wrong tenant.")
    if v2:
        resource = _resource_from_scope(form.get("scope"))
    else:
        resource = form.get("resource") or ""
        if not resource:
            raise EntraError(400, "invalid_request", 900144,
                             "The request body must contain the following parameter: 'resource'.")
    if not _known_resource(emu, resource, tenant["id"]):
        raise EntraError(400, "invalid_resource", 500011,
                         f"The resource principal named {resource} was not found in the tenant named {tenant['id']}.")
    assertion_type = form.get("client_assertion_type")
    assertion = form.get("client_assertion")
    if secret:
        _check_secret(app, secret)
        appidacr = "1"
    elif assertion and assertion_type == JWT_BEARER:
        appidacr = _check_assertion(emu, app, assertion, tenant["id"])
    else:
        raise EntraError(401, "invalid_client", 7000218,
                         "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    if not app.get("principalId"):  # Graph-created app without POST /servicePrincipals
        raise EntraError(400, "invalid_client", 7000229,
                         f"The client application {app['appId']} is missing service principal in the tenant "
                         f"{tenant['id']}.")
    lifetime = int(emu.state.config["token_lifetime"])
    access_token, claims = emu.tokens.issue(tenant_id=tenant["id"], audience=resource, app_id=app["appId"],
                                            object_id=app["principalId"], lifetime=lifetime, appidacr=appidacr)
    headers = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
    if v2:
        body = {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access_token}
    else:
        body = {"token_type": "Bearer", "expires_in": str(lifetime), "ext_expires_in": str(lifetime),
                "expires_on": str(claims["exp"]), "not_before": str(claims["nbf"]), "resource": resource,
                "access_token": access_token}
    return Response(200, body, headers)


def token_wrong_method(_emu, _req: Request) -> Response:
    """GET on the token endpoint."""
    raise EntraError(400, "invalid_request", 900561, "The endpoint only accepts POST, OPTIONS requests. Received a GET request.")


def entra_fallback(_emu, req: Request) -> Response:
    """Unknown login.microsoftonline.com path."""
    raise EntraError(404, "invalid_request", 50000, f"The path '{req.path}' is not served by the emulated sign-in service.")


def decorate(req: Request, response: Response) -> None:
    """Entra response headers."""
    response.headers["x-ms-request-id"] = req.request_id
    response.headers.setdefault("Cache-Control", "no-store, no-cache")
    client_request_id = req.header("client-request-id")
    if client_request_id:
        response.headers["client-request-id"] = client_request_id


def register(router, _emu) -> None:
    """Entra routes; the tenant segment is a GUID, a verified domain, common or organizations."""
    tenant = r"/(?P<tenant>[^/]+)"
    router.add("entra", "GET", tenant + r"(?P<v2>/v2\.0)?/\.well-known/openid-configuration", openid_configuration)
    router.add("entra", "GET", r"/(?:common|organizations)/discovery/instance", instance_discovery)
    router.add("entra", "GET", tenant + r"/discovery(?P<v2>/v2\.0)?/keys", keys)
    router.add("entra", "POST", tenant + r"/oauth2(?P<v2>/v2\.0)?/token", token, write=False)
    router.add("entra", "GET", tenant + r"/oauth2(?P<v2>/v2\.0)?/token", token_wrong_method)
    router.fallback("entra", entra_fallback)
    router.decorator("entra", decorate)
