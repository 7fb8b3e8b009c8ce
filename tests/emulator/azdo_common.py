# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps: shared constants, error constructors, identity references, time stamps, paging.

Error bodies use the Azure DevOps wrapped-exception shape [CONTRACTS 2.2]; ``typeKey`` is the
``HttpError.code``. System exceptions (``ArgumentException`` ...) carry ``eventId`` 0, service
exceptions 3000, as in the samples CONTRACTS 2.2 cites.
"""

from __future__ import annotations

import base64
import json
import time

from . import clock
from .web import HttpError, Request

EXTENSION = "azdo"
AZURE_DEVOPS_APP_ID = "499b84ac-1321-427f-aa17-267ca6975798"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
WIF = "WorkloadIdentityFederation"
SPN = "ServicePrincipal"
WEBAPI = "Microsoft.VisualStudio.Services.WebApi"
SE_WEBAPI = "Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi"
CORE_WEBAPI = "Microsoft.TeamFoundation.Core.WebApi"
FRAMEWORK = "Microsoft.TeamFoundation.Framework.Server"
# Parameters Azure DevOps never returns (CreateAzureRMEndpoint example: "serviceprincipalkey": null; the
# Generic examples: "password": null). Compared case-insensitively.
CONFIDENTIAL = frozenset({"serviceprincipalkey", "serviceprincipalcertificate", "password", "apitoken",
                          "certificate", "accesstoken"})


# ---------------------------------------------------------------------------------------------- errors
def vss_error(status: int, type_key: str, message: str, assembly: str = WEBAPI, headers: dict | None = None,
              event_id: int = 3000) -> HttpError:
    """A service exception (``Namespace.TypeKey, Assembly``; eventId 3000)."""
    return HttpError(status, type_key, message, headers, type_name=f"{assembly}.{type_key}, {assembly}", event_id=event_id)


def system_error(type_key: str, message: str, status: int = 400) -> HttpError:
    """A .NET system exception such as ArgumentException (``System.X, mscorlib``; eventId 0)."""
    return HttpError(status, type_key, message, type_name=f"System.{type_key}, mscorlib", event_id=0)


def argument_error(message: str) -> HttpError:
    """400 ArgumentException [CONTRACTS 2.2, 9.1]."""
    return system_error("ArgumentException", message)


def null_argument(name: str) -> HttpError:
    """400 ArgumentNullException, what a missing or unreadable body/parameter produces."""
    return system_error("ArgumentNullException", f"Value cannot be null.\r\nParameter name: {name}")


def endpoint_error(message: str, status: int = 400) -> HttpError:
    """400 ServiceEndpointException (eventId 3000) [CONTRACTS 2.2, 9.5]."""
    return vss_error(status, "ServiceEndpointException", message, SE_WEBAPI)


def project_not_found(ref: str) -> HttpError:
    """404 for an unknown or invisible project (VS800075 wording; CONTRACTS 8 marks the exact text UNCONFIRMED)."""
    return vss_error(404, "ProjectDoesNotExistWithNameException",
                     f"VS800075: The project with id '{ref}' does not exist, or you do not have permission to access it.",
                     CORE_WEBAPI)


def json_body(req: Request, param: str):
    """Decode the JSON body; unreadable or missing JSON is a null parameter, as in Azure DevOps."""
    body = req.json(lambda _detail: null_argument(param))
    if body is None:
        raise null_argument(param)
    return body


# ---------------------------------------------------------------------------------------------- time
def stamp(ts: float | None = None) -> str:
    """Azure DevOps date-time: milliseconds and Z, e.g. 2025-01-10T12:13:40.297Z (REC projects recording)."""
    ts = clock.now() if ts is None else ts
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int((ts % 1) * 1000):03d}Z"


NEVER = "0001-01-01T00:00:00Z"


# ---------------------------------------------------------------------------------------------- identities
def b64(text: str) -> str:
    """Base64 (URL-safe alphabet, no padding) as used in subject descriptors."""
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _shift_version_digit(guid: str, step: int) -> str:
    """The GUID with its version digit (the 13th hex digit) moved by ``step``, modulo 16."""
    if len(guid) != 36 or guid[14] not in "0123456789abcdefABCDEF":
        return guid
    return guid[:14] + "%x" % ((int(guid[14], 16) + step) % 16) + guid[15:]


def descriptor_of(member: dict) -> str:
    """``aadsp.`` (service principal) or ``aad.`` (user) + base64 of a subject id.

    The subject id is not the storage key: in the spec's examples (ADO-GR ServicePrincipals and
    ADO-MEM ServicePrincipalEntitlements) a descriptor decodes to the storage key with its GUID version
    digit one higher (...-627c-6ccb-... vs ...-627c-7ccb-..., three times). Clients must resolve a
    descriptor through ``graph/storagekeys``, not by decoding it.
    """
    prefix = "aadsp" if member["kind"] == "servicePrincipal" else "aad"
    return f"{prefix}.{b64(_shift_version_digit(member['id'], 1))}"


def storage_key_of(descriptor: str) -> str | None:
    """Inverse of :func:`descriptor_of`; None when not a subject descriptor."""
    _prefix, sep, rest = (descriptor or "").partition(".")
    if not sep or not rest:
        return None
    try:
        subject = base64.urlsafe_b64decode(rest + "=" * (-len(rest) % 4)).decode("utf-8").lower()
    except (ValueError, UnicodeDecodeError):
        return None
    return _shift_version_digit(subject, -1)


def identity_ref(org_url: str, member: dict | None) -> dict | None:
    """IdentityRef as in the service endpoint examples (createdBy, authorizedBy)."""
    if member is None:
        return None
    descriptor = descriptor_of(member)
    avatar = f"{org_url}/_apis/GraphProfile/MemberAvatars/{descriptor}"
    return {"displayName": member["displayName"], "url": f"{org_url}/_apis/Identities/{member['id']}",
            "_links": {"avatar": {"href": avatar}}, "id": member["id"], "uniqueName": member["uniqueName"],
            "imageUrl": avatar, "descriptor": descriptor}


# ---------------------------------------------------------------------------------------------- paging
def encode_token(offset: int) -> str:
    """Opaque continuation token."""
    return b64(json.dumps({"o": offset}))


def decode_token(token: str | None) -> int:
    """Offset of a continuation token; 400 for garbage."""
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        pass
    raise argument_error(f"The continuation token '{token}' is not valid.")


def page(items: list, offset: int, size: int) -> tuple[list, str | None]:
    """Slice and the token of the next page (None on the last page)."""
    chunk = items[offset:offset + size]
    more = offset + size < len(items)
    return chunk, (encode_token(offset + size) if more else None)


def opt_group(req: Request, name: str) -> str | None:
    """A named route group, or None when the matched route has no such group."""
    if req.match is None or name not in req.match.groupdict():
        return None
    return req.match.group(name)


def int_arg(req: Request, name: str, default: int | None = None) -> int | None:
    """An integer query parameter; 400 when not a number."""
    value = req.arg(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise argument_error(f"The value '{value}' of parameter '{name}' is not a valid integer.") from exc


def bool_arg(req: Request, name: str) -> bool:
    """A boolean query parameter (true/false, case-insensitive)."""
    return (req.arg(name) or "").strip().lower() == "true"


def wrap(items: list) -> dict:
    """The Azure DevOps list wrapper [CONTRACTS 2.2]."""
    return {"count": len(items), "value": items}
