# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error bodies in each service's own wire shape (see README "Error shapes")."""

from __future__ import annotations

import datetime
import uuid

from . import clock
from .web import HttpError, Request, Response

# Default error code per HTTP status when a fault rule gives none.
DEFAULT_ARM_CODES = {
    400: "BadRequest",
    401: "AuthenticationFailed",
    403: "AuthorizationFailed",
    404: "NotFound",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def utc_now() -> datetime.datetime:
    """Current UTC time (emulator clock)."""
    return datetime.datetime.fromtimestamp(clock.now(), datetime.timezone.utc)


def default_code(service: str, status: int) -> str:
    """A plausible error code for a bare status in ``service``'s vocabulary."""
    if service == "entra":
        return "temporarily_unavailable" if status == 429 or status >= 500 else "invalid_request"
    if service == "azdo":
        return "VssServiceResponseException"
    return DEFAULT_ARM_CODES.get(status, "EmulatedFault")


def render_arm(_req: Request, err: HttpError) -> Response:
    """ARM: {"error": {"code", "message"}} [CONTRACTS 2.1]."""
    error = {"code": err.code, "message": err.message}
    error.update({k: v for k, v in err.extra.items() if k in ("target", "details", "additionalInfo")})
    return Response(err.status, {"error": error}, dict(err.headers))


def render_graph(req: Request, err: HttpError) -> Response:
    """Microsoft Graph: {"error": {"code", "message", "innerError": {...}}} [CONTRACTS 2.3]."""
    now = utc_now().strftime("%Y-%m-%dT%H:%M:%S")
    inner = {"date": now, "request-id": req.request_id,
             "client-request-id": req.header("client-request-id") or req.request_id}
    body = {"error": {"code": err.code, "message": err.message, "innerError": inner}}
    return Response(err.status, body, dict(err.headers))


def render_azdo(_req: Request, err: HttpError) -> Response:
    """Azure DevOps: {"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"} [CONTRACTS 2.2]."""
    type_key = err.code
    type_name = err.extra.get("type_name") or f"Microsoft.VisualStudio.Services.WebApi.{type_key}, Microsoft.VisualStudio.Services.WebApi"
    body = {
        "$id": "1",
        "innerException": None,
        "message": err.message,
        "typeName": type_name,
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": err.extra.get("event_id", 3000),
    }
    return Response(err.status, body, dict(err.headers))


def entra_body(req: Request, error: str, aadsts: int, description: str, base_url: str) -> dict:
    """Entra token-endpoint error body [E-CC; azure-sdk-for-go recordings]."""
    now = utc_now()
    stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    trace = req.request_id
    correlation = req.header("client-request-id") or str(uuid.uuid4())
    text = f"AADSTS{aadsts}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"
    return {
        "error": error,
        "error_description": text,
        "error_codes": [aadsts],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"{base_url}/error?code={aadsts}",
    }


class EntraError(HttpError):
    """Token/discovery error; ``code`` is the OAuth ``error`` value."""

    def __init__(self, status: int, error: str, aadsts: int, description: str):
        super().__init__(status, error, description, aadsts=aadsts)


def make_entra_renderer(base_url: str):
    """Renderer closure for Entra errors (needs the emulator base URL)."""

    def render(req: Request, err: HttpError) -> Response:
        aadsts = err.extra.get("aadsts") or (90033 if err.status >= 500 or err.status == 429 else 50000)
        headers = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
        headers.update(err.headers)
        return Response(err.status, entra_body(req, err.code, aadsts, err.message, base_url), headers)

    return render
