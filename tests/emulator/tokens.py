# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JWT-shaped access tokens signed with an HMAC key only the emulator knows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

from . import clock


class TokenError(Exception):
    """Why a bearer token was rejected: kind is missing|malformed|signature|expired|not_yet_valid."""

    def __init__(self, kind: str, message: str, claims: dict | None = None):
        super().__init__(message)
        self.kind = kind
        self.claims = claims or {}


def b64url_encode(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def split_jwt(token: str) -> tuple[dict, dict, str]:
    """Return (header, payload, signature part) of a JWT without verifying it."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed", "token is not header.payload.signature")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("malformed", "token segments are not base64url JSON") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenError("malformed", "token segments are not JSON objects")
    return header, payload, parts[2]


class TokenService:
    """Issues and validates the emulator's access tokens."""

    def __init__(self, key: bytes):
        self.key = key

    def _sign(self, signing_input: bytes) -> str:
        return b64url_encode(hmac.new(self.key, signing_input, hashlib.sha256).digest())

    def encode(self, claims: dict) -> str:
        """Sign arbitrary claims (HS256)."""
        header = {"typ": "JWT", "alg": "HS256", "kid": "emulator"}
        signing_input = (b64url_encode(json.dumps(header, separators=(",", ":")).encode())
                         + "." + b64url_encode(json.dumps(claims, separators=(",", ":")).encode()))
        return signing_input + "." + self._sign(signing_input.encode("ascii"))

    def issue(self, *, tenant_id: str, audience: str, app_id: str, object_id: str, lifetime: int,
              appidacr: str = "1", extra: dict | None = None) -> tuple[str, dict]:
        """Issue an app-only access token like Entra's v1 tokens for ARM-style resources."""
        now = int(clock.now())
        issuer = f"https://sts.windows.net/{tenant_id}/"
        claims = {
            "aud": audience,
            "iss": issuer,
            "iat": now,
            "nbf": now,
            "exp": now + int(lifetime),
            "appid": app_id,
            "appidacr": appidacr,
            "idp": issuer,
            "idtyp": "app",
            "oid": object_id,
            "sub": object_id,
            "tid": tenant_id,
            "uti": b64url_encode(uuid.uuid4().bytes),
            "ver": "1.0",
        }
        claims.update(extra or {})
        return self.encode(claims), claims

    def validate(self, token: str, now: float | None = None) -> dict:
        """Verify signature and time window; return the claims or raise TokenError."""
        if not token:
            raise TokenError("missing", "no bearer token")
        header, payload, signature = split_jwt(token)
        if header.get("alg") != "HS256":
            raise TokenError("signature", "unexpected signing algorithm", payload)
        signing_input = token.rsplit(".", 1)[0].encode("ascii")
        if not hmac.compare_digest(self._sign(signing_input), signature):
            raise TokenError("signature", "signature verification failed", payload)
        now = clock.now() if now is None else now
        exp = payload.get("exp")
        nbf = payload.get("nbf")
        if not isinstance(exp, (int, float)):
            raise TokenError("malformed", "exp claim missing", payload)
        if now >= exp:
            raise TokenError("expired", "token expired", payload)
        if isinstance(nbf, (int, float)) and now < nbf - 300:
            raise TokenError("not_yet_valid", "token not yet valid", payload)
        return payload
