# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one REST core of the collection.

Everything that goes on the wire passes through :class:`RestClient`: JSON in and out,
``api-version`` per call, quoted path segments, connect/read timeouts, retries with capped
exponential backoff and full jitter that honour ``Retry-After``, a total time budget,
paging (``nextLink``, ``@odata.nextLink``, ``X-MS-ContinuationToken``), ARM long-running
operations, and one exception type, :class:`ApiError`, for every service's error shape.

This module is private to the collection (underscore prefix): its API may change at any time.
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import time
import traceback

try:
    from urllib.parse import quote, urlencode, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    quote = urlencode = urlsplit = None

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:  # pragma: no cover - exercised by the sanity import test
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
_MISSING = object()
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
# Statuses that mean the service did not act on the request, so even a POST is safe to resend.
NOT_PROCESSED_STATUSES = frozenset((429,))
LRO_TERMINAL = frozenset(("succeeded", "failed", "canceled", "cancelled"))
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


def _request_id(headers):
    for name in ("x-ms-request-id", "request-id", "client-request-id", "ActivityId", "x-vss-e2eid",
                 "x-ms-correlation-request-id"):
        value = headers.get(name) if headers is not None else None
        if value:
            return value
    return None


def parse_error(status, headers, text):
    """Return ``(code, message, request_id)`` from an error answer of ARM, Graph, Azure DevOps or Entra."""
    request_id = _request_id(headers)
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
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def quote_segment(segment):
    """Quote one path segment: ``/``, ``?``, ``#``, ``%`` and spaces never leak into the path."""
    return quote(str(segment), safe="!$&'()*+,;=:@-._~")


def encode_query(params):
    """``k=v&...`` with RFC 3986 quoting (``%20``, not ``+``) and ``$`` kept literal in OData names."""
    return urlencode([(k, v) for k, v in params.items() if v is not None], quote_via=quote, safe="$")


def join_url(base, *segments):
    """``base`` + ``/``-joined segments, each quoted. Segments may be ``None`` (skipped)."""
    base = base.rstrip("/")
    parts = [quote_segment(s) for s in segments if s is not None and s != ""]
    if not parts:
        return base
    return base + "/" + "/".join(parts)


def join_path(base, path):
    """Append an already-built (and already-quoted) path such as an ARM resource id to ``base``."""
    return base.rstrip("/") + "/" + path.lstrip("/")


def quote_resource_id(resource_id):
    """Quote every segment of an ARM resource id (``/subscriptions/x/...``) without touching the slashes."""
    segments = [s for s in resource_id.strip().split("/") if s]
    return "/" + "/".join(quote_segment(s) for s in segments)


class RetryPolicy(object):
    """Capped exponential backoff with full jitter; ``Retry-After`` takes precedence.

    ``delay(attempt)`` for attempt 1, 2, ... is uniform in ``[0, min(cap, base * 2 ** (attempt - 1))]``.
    ``budget`` bounds the whole call, waits included.
    """

    def __init__(self, max_attempts=8, base=1.0, cap=30.0, budget=300.0, max_retry_after=120.0,
                 sleep=None, clock=None, rand=None):
        self.max_attempts = max(1, int(max_attempts))
        self.base = float(base)
        self.cap = float(cap)
        self.budget = float(budget)
        self.max_retry_after = float(max_retry_after)
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.rand = rand or random.uniform

    def backoff(self, attempt):
        ceiling = min(self.cap, self.base * (2 ** max(0, attempt - 1)))
        return self.rand(0.0, ceiling)

    def delay(self, attempt, retry_after=None):
        if retry_after is not None:
            # Honour the service's hint exactly; a small jitter on top spreads parallel forks apart.
            wait = min(retry_after, self.max_retry_after)
            return wait + self.rand(0.0, min(1.0, 0.1 * wait))
        return self.backoff(attempt)


class Response(object):
    """A decoded HTTP answer: status, headers, parsed JSON (or ``None``) and the raw text."""

    def __init__(self, status, headers, body, text, url, method):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = text
        self.url = url
        self.method = method

    def header(self, name):
        return self.headers.get(name) if self.headers is not None else None


def _ensure_requests():
    if requests is None:
        raise ApiError("The Python library 'requests' is required: %s" % REQUESTS_IMPORT_ERROR)


def tls_verify(validate_certs, ca_path):
    """The ``verify`` value for requests: False, a CA bundle path (which wins over REQUESTS_CA_BUNDLE), or True.

    With True, requests takes REQUESTS_CA_BUNDLE (then CURL_CA_BUNDLE) from the environment, else certifi's bundle.
    """
    if not validate_certs:
        return False
    return ca_path or True


def tls_warning(validate_certs, ca_path):
    """The warning a run with ``validate_certs=false`` gives (``None`` when certificates are verified)."""
    if validate_certs:
        return None
    text = ("validate_certs is false: the TLS certificates of the login, Azure Resource Manager, Microsoft Graph and "
            "Azure DevOps endpoints are not verified, so tokens and secrets can be intercepted")
    if ca_path:
        text += "; ca_path is ignored"
    return text + ". To trust a private CA instead, set ca_path (or REQUESTS_CA_BUNDLE) to its PEM bundle."


def new_session(user_agent=None):
    """A ``requests.Session`` for one module run (connection reuse across calls)."""
    _ensure_requests()
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    if user_agent:
        session.headers["User-Agent"] = user_agent
    return session


class RestClient(object):
    """Requests against one service (ARM, Graph, Azure DevOps), sharing one session and one policy.

    ``token`` is a callable returning the ``Authorization`` header value (or ``None``); it is
    called before each attempt so a provider can refresh, but providers cache per audience.
    ``progress`` is called with a message whenever the client waits longer than a moment.
    """

    def __init__(self, session, base_url, token=None, api_version=None, timeout=(10.0, 60.0), policy=None,
                 progress=None, service="service", extra_headers=None, verify=True, json_only=False):
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.api_version = api_version
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.progress = progress or (lambda message: None)
        self.service = service
        self.extra_headers = dict(extra_headers or {})
        # ``verify`` is passed with every request: requests replaces ``Session.verify`` with
        # REQUESTS_CA_BUNDLE from the environment, but never a per-request CA path or False.
        self.verify = verify
        # A service that only speaks JSON (Azure DevOps) may answer a refused credential with an HTML
        # sign-in page and a 2xx status; with json_only that is an error, not a success.
        self.json_only = json_only

    # ------------------------------------------------------------------ URLs
    def url(self, *segments):
        return join_url(self.base_url, *segments)

    def resource_url(self, resource_id, *segments):
        url = join_path(self.base_url, quote_resource_id(resource_id))
        return join_url(url, *segments) if segments else url

    # ------------------------------------------------------------------ core
    def _headers(self, headers):
        merged = dict(self.extra_headers)
        if self.token is not None:
            value = self.token()
            if value:
                merged["Authorization"] = value
        if headers:
            merged.update(headers)
        return merged

    def _send_once(self, method, url, params, body, headers, timeout):
        if params:
            # Encoded here rather than by requests: spaces as %20 and a literal '$' in OData
            # names ($filter, $top), the way Azure's own clients send them.
            url = url + ("&" if "?" in url else "?") + encode_query(params)
        kwargs = dict(headers=self._headers(headers), timeout=timeout or self.timeout,
                      allow_redirects=False, verify=self.verify)
        if body is not None:
            kwargs["data"] = json.dumps(body, sort_keys=True)
            # JSON unless the call names a JSON media type of its own (a JSON Patch document).
            if not any(name.lower() == "content-type" for name in kwargs["headers"]):
                kwargs["headers"]["Content-Type"] = "application/json"
        raw = self.session.request(method, url, **kwargs)
        text = raw.text if raw.content else ""
        parsed = None
        if text:
            try:
                parsed = raw.json()
            except ValueError:
                parsed = None
        return Response(raw.status_code, raw.headers, parsed, text, raw.url or url, method)

    def request(self, method, url, params=None, body=None, api_version=None, ok=None, safe=None,
                headers=None, timeout=None, not_found_ok=False):
        """Send one logical request, retrying transient failures.

        ``url`` is absolute or a path below ``base_url`` (already quoted). ``ok`` is the set of
        accepted statuses (default: any 2xx). ``safe`` marks a non-idempotent method (POST, PATCH)
        as safe to resend after a connection error or 5xx; ``None`` derives it from the method.
        With ``not_found_ok`` a 404 returns ``None`` instead of raising.
        """
        _ensure_requests()
        method = method.upper()
        if not url.startswith("https://") and not url.startswith("http://"):
            url = join_path(self.base_url, url)
        params = dict(params or {})
        version = api_version if api_version is not None else self.api_version
        if version and "api-version" not in params and "api-version=" not in url:
            params["api-version"] = version
        if safe is None:
            safe = method in IDEMPOTENT_METHODS
        policy = self.policy
        started = policy.clock()
        attempt = 0
        while True:
            attempt += 1
            retry_after = None
            try:
                response = self._send_once(method, url, params, body, headers, timeout)
            except requests.exceptions.ConnectTimeout as exc:
                # The request never reached the service: resending is always safe.
                error = TransportError("Connection timed out: %s" % exc, method=method, url=url)
                retryable = True
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                error = TransportError("Connection failed: %s" % exc, method=method, url=url)
                retryable = safe
            else:
                if ok is not None:
                    accepted = response.status in ok
                else:
                    accepted = 200 <= response.status < 300
                if accepted and self.json_only and _is_html(response):
                    raise ApiError("%s answered with an HTML page (HTTP %s) instead of JSON: the credentials were not "
                                   "accepted, or the URL is not an API endpoint" % (self.service, response.status),
                                   status=response.status, code="NonJsonResponse", method=method, url=url)
                if accepted:
                    return response
                if response.status == 404 and not_found_ok:
                    return None
                code, message, request_id = parse_error(response.status, response.headers, response.text)
                error = ApiError(message, status=response.status, code=code, request_id=request_id,
                                 method=method, url=url, body=response.body)
                retry_after = parse_retry_after(response.header("Retry-After"))
                if response.status in NOT_PROCESSED_STATUSES:
                    retryable = True
                elif response.status in RETRY_STATUSES:
                    retryable = safe
                else:
                    retryable = False
            error.service = self.service
            if not retryable or attempt >= policy.max_attempts:
                raise error
            wait = policy.delay(attempt, retry_after)
            elapsed = policy.clock() - started
            if elapsed + wait > policy.budget:
                raise BudgetExceeded(
                    "%s; gave up after %d attempt(s) in %.1fs (retry budget %.0fs)"
                    % (error.message, attempt, elapsed, policy.budget),
                    status=error.status, code=error.code, request_id=error.request_id, method=method, url=url,
                    body=error.body, service=self.service)
            if wait >= 5:
                self.progress("%s %s answered %s; retrying in %.1fs (attempt %d of %d)"
                              % (method, _short(url), error.status or "no response", wait, attempt + 1,
                                 policy.max_attempts))
            policy.sleep(wait)

    # ------------------------------------------------------------------ helpers
    def get(self, url, params=None, api_version=None, not_found_ok=False, **kwargs):
        response = self.request("GET", url, params=params, api_version=api_version, not_found_ok=not_found_ok,
                                **kwargs)
        return None if response is None else response.body

    def collect(self, url, params=None, api_version=None, not_found_ok=False, **kwargs):
        """Every item of a list (all pages), or ``None`` when the list's parent is missing and ``not_found_ok``."""
        items = []
        for item in self.paged(url, params=params, api_version=api_version, not_found_ok=not_found_ok, **kwargs):
            if item is _MISSING:
                return None
            items.append(item)
        return items

    def paged(self, url, params=None, api_version=None, item_key="value", not_found_ok=False, **kwargs):
        """Yield the items of a list, following ``nextLink``, ``@odata.nextLink`` or
        ``X-MS-ContinuationToken`` until the service says it is done.

        With ``not_found_ok``, a 404 on the first page yields one ``_MISSING`` marker (see :meth:`collect`).
        """
        params = dict(params or {})
        seen = set()
        first = True
        while True:
            response = self.request("GET", url, params=params, api_version=api_version,
                                    not_found_ok=not_found_ok and first, **kwargs)
            first = False
            if response is None:
                yield _MISSING
                return
            body = response.body
            if isinstance(body, list):
                items = body
                body = {}
            else:
                body = body or {}
                items = body.get(item_key) or []
            yield from items
            next_link = body.get("nextLink") or body.get("@odata.nextLink")
            token = response.header("X-MS-ContinuationToken")
            if next_link:
                if next_link in seen:
                    raise ApiError("The service returned the same nextLink twice: %s" % _short(next_link),
                                   method="GET", url=url)
                seen.add(next_link)
                self._check_same_origin(next_link)
                # nextLink is absolute and carries api-version and the skip token itself.
                url, params, api_version = next_link, {}, ""
            elif token:
                if token in seen:
                    raise ApiError("The service returned the same continuation token twice", method="GET", url=url)
                seen.add(token)
                params = dict(params)
                params["continuationToken"] = token
            else:
                return

    def _check_same_origin(self, link):
        """Never send the bearer token to a host other than the one we were configured for."""
        mine = urlsplit(self.base_url)
        theirs = urlsplit(link)
        if (mine.scheme, mine.netloc.lower()) != (theirs.scheme, theirs.netloc.lower()):
            raise ApiError("Refusing to follow a link to another host: %s" % _short(link))

    def wait_for_lro(self, response, timeout=1800.0, interval=5.0, what="operation"):
        """Follow an ARM long-running operation started by ``response`` to its end.

        Polls ``Azure-AsyncOperation`` when present, else ``Location``; honours ``Retry-After``.
        Returns the body of the final answer (the operation status or the Location target).
        Raises :class:`ApiError` when the operation fails or the timeout passes.
        """
        policy = self.policy
        started = policy.clock()
        async_url = response.header("Azure-AsyncOperation")
        location = response.header("Location")
        poll = async_url or location
        if not poll:
            state = provisioning_state(response.body)
            if state is None or state.lower() in LRO_TERMINAL:
                return self._check_provisioning(response.body, what)
            # No operation header, but the resource says it is still being worked on: poll it.
            return self._wait_for_provisioning(response.url, timeout, interval, what, started)
        self._check_same_origin(poll)
        wait = parse_retry_after(response.header("Retry-After"))
        announced = 0.0
        while True:
            elapsed = policy.clock() - started
            wait = interval if wait is None else min(wait, 60.0)
            if elapsed + wait > timeout:
                raise ApiError("Timed out after %.0fs waiting for %s to finish (poll %s)" % (elapsed, what, _short(poll)),
                               code="OperationTimeout")
            if elapsed - announced >= 30:
                announced = elapsed
                self.progress("Still waiting for %s after %.0fs" % (what, elapsed))
            policy.sleep(wait)
            answer = self.request("GET", poll, ok=(200, 201, 202, 204), api_version="")
            wait = parse_retry_after(answer.header("Retry-After"))
            if async_url:
                status = str((answer.body or {}).get("status") or "").lower()
                if status not in LRO_TERMINAL:
                    continue
                if status == "succeeded":
                    return answer.body
                err = (answer.body or {}).get("error") or {}
                raise ApiError(err.get("message") or "%s ended with status %s" % (what, status),
                               status=answer.status, code=err.get("code") or status.capitalize(),
                               request_id=_request_id(answer.headers), method="GET", url=poll, body=answer.body)
            if answer.status == 202:
                continue
            return answer.body

    def _wait_for_provisioning(self, url, timeout, interval, what, started):
        policy = self.policy
        announced = 0.0
        while True:
            elapsed = policy.clock() - started
            if elapsed + interval > timeout:
                raise ApiError("Timed out after %.0fs waiting for %s to finish provisioning" % (elapsed, what),
                               code="OperationTimeout")
            if elapsed - announced >= 30:
                announced = elapsed
                self.progress("Still waiting for %s after %.0fs" % (what, elapsed))
            policy.sleep(interval)
            answer = self.request("GET", url, api_version="")
            state = provisioning_state(answer.body)
            if state is None or state.lower() in LRO_TERMINAL:
                return self._check_provisioning(answer.body, what)

    @staticmethod
    def _check_provisioning(body, what):
        state = provisioning_state(body)
        if state is not None and state.lower() in ("failed", "canceled", "cancelled"):
            raise ApiError("%s ended in provisioning state %s" % (what, state), code=state)
        return body


def retry_while(call, should_retry, timeout, policy, progress=None, describe=None, cap=15.0):
    """Call ``call()`` until it stops raising an :class:`ApiError` that ``should_retry(error)`` accepts.

    For conditions a service reports while it catches up with itself (Entra replication after a
    principal or app was created, concurrent writes on one parent): waits grow with full jitter
    between 1 second and ``cap``; past ``timeout`` seconds the last error is raised with a note.
    ``describe(error, wait)`` returns the progress message for each wait.
    """
    started = policy.clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except ApiError as exc:
            if not should_retry(exc):
                raise
            elapsed = policy.clock() - started
            wait = min(cap, max(1.0, policy.backoff(attempt + 1)))
            if elapsed + wait > timeout:
                raise ApiError("%s; still failing after %.0fs and %d attempt(s)" % (exc.message, elapsed, attempt),
                               status=exc.status, code=exc.code, request_id=exc.request_id, method=exc.method,
                               url=exc.url, body=exc.body)
            if progress is not None and describe is not None:
                progress(describe(exc, wait))
            policy.sleep(wait)


def provisioning_state(body):
    """``properties.provisioningState`` of an ARM resource body, or ``None``."""
    if isinstance(body, dict):
        props = body.get("properties")
        if isinstance(props, dict) and props.get("provisioningState"):
            return str(props["provisioningState"])
    return None


def _is_html(response):
    kind = (response.header("Content-Type") or "").lower()
    return "html" in kind or (response.body is None and response.text.lstrip()[:1] == "<")


def _short(url, limit=160):
    url = str(url)
    return url if len(url) <= limit else url[:limit] + "..."
