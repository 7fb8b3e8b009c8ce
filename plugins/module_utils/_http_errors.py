# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a service answered when it said no: :class:`ApiError` and the parsers of every service's error shape.

ARM and Microsoft Graph (``{"error": {"code", "message", "innerError"}}``), Azure DevOps (``typeKey`` and
``message``), the Entra token endpoint (``error`` and ``error_description``), and ``Retry-After``. Private to
the collection; imported again by ``_http`` so ``_http.ApiError`` keeps working.
"""

from __future__ import annotations

import json
import re
import time

_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")


class ApiError(Exception):
    """An error answered by a service, or a request that could not be completed.

    ``status`` is the HTTP status (``None`` for a transport failure), ``code`` the service's
    error code (ARM ``error.code``, Graph ``error.code``, Azure DevOps ``typeKey``, Entra
    ``error``), ``message`` its message and ``request_id`` the id to quote to support.
    """

    def __init__(self, message, status=None, code=None, request_id=None, method=None, url=None, body=None,
                 service=None):
        super(ApiError, self).__init__(message)
        self.message = message
        self.service = service
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.url = url
        self.body = body

    def has_code(self, *codes):
        """Whether the service's error code is one of ``codes`` (case-insensitive)."""
        mine = (self.code or "").lower()
        return any(mine == c.lower() for c in codes)

    def describe(self):
        """``code: message (HTTP status, request id ...)`` for failure messages."""
        text = "%s: %s" % (self.code, self.message) if self.code else self.message
        extra = []
        if self.status is not None:
            extra.append("HTTP %s" % self.status)
        if self.request_id:
            extra.append("request id %s" % self.request_id)
        if extra:
            text = "%s (%s)" % (text, ", ".join(extra))
        return text

    def __str__(self):
        return self.describe()


class TransportError(ApiError):
    """The request did not get an HTTP answer (connection refused or reset, timeout)."""


class BudgetExceeded(ApiError):
    """Retrying stopped because the total time budget ran out."""


def request_id_of(headers):
    for name in ("x-ms-request-id", "request-id", "client-request-id", "ActivityId", "x-vss-e2eid",
                 "x-ms-correlation-request-id"):
        value = headers.get(name) if headers is not None else None
        if value:
            return value
    return None


def parse_error(status, headers, text):
    """Return ``(code, message, request_id)`` from an error answer of ARM, Graph, Azure DevOps or Entra."""
    request_id = request_id_of(headers)
    code = None
    message = None
    data = None
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            # ARM (CloudError / ErrorResponse) and Microsoft Graph share this outer shape.
            code = err.get("code")
            message = err.get("message")
            inner = err.get("innerError") or err.get("innererror")
            while isinstance(inner, dict) and not request_id:
                request_id = inner.get("request-id") or inner.get("client-request-id")
                inner = inner.get("innerError") or inner.get("innererror")
            details = err.get("details")
            if not message and isinstance(details, list) and details and isinstance(details[0], dict):
                message = details[0].get("message")
        elif isinstance(err, str):
            # Entra ID token endpoint: {"error": "invalid_client", "error_description": "AADSTS...: ..."}
            code = err
            message = data.get("error_description") or err
            request_id = request_id or data.get("correlation_id") or data.get("trace_id")
        elif "typeKey" in data or "$id" in data or ("message" in data and "eventId" in data):
            # Azure DevOps: {"$id":"1","message":"...","typeName":"...","typeKey":"...","errorCode":0,"eventId":3000}
            code = data.get("typeKey") or data.get("typeName")
            message = data.get("message")
        elif "message" in data:
            code = data.get("code")
            message = data.get("message")
    if not message:
        if text:
            stripped = _SPACE_RE.sub(" ", _TAG_RE.sub(" ", text)).strip()
            message = stripped[:300] or "empty response"
        else:
            message = "HTTP %s with an empty body" % status
    return code, message, request_id


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date), or ``None``."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    # The email package is imported only for the rare date form: a module process otherwise never needs it.
    import email.utils  # pylint: disable=import-outside-toplevel
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)
