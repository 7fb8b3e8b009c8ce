# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one REST core of the collection.

Everything that goes on the wire passes through :class:`RestClient`: JSON in and out,
``api-version`` per call, quoted path segments, connect/read timeouts, retries with capped
exponential backoff and full jitter that honour ``Retry-After``, a total time budget,
and paging (``nextLink``, ``@odata.nextLink``, ``X-MS-ContinuationToken``). Beside it: the error
type and parsers (``_http_errors``), URL quoting (``_url``), ARM long-running operations (``_lro``)
and waiting for a service to catch up (``_poll``).

This module is private to the collection (underscore prefix): its API may change at any time.
"""

from __future__ import annotations

import json
import random
import sys
import time

from urllib.parse import urlsplit

# ApiError is imported from here by most of the collection; it lives with the error parsers.
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import (
    ApiError, BudgetExceeded, TransportError, parse_error, parse_retry_after,
)
from ansible_collections.azdo.identity.plugins.module_utils._url import (
    encode_query, join_path, join_url, quote_resource_id,
)

from ansible_collections.azdo.identity.plugins.module_utils import _transport

# The REST core no longer needs the library 'requests' (see _transport.py: it is imported only for a
# request through a proxy); the name stays for the callers that check it.
REQUESTS_IMPORT_ERROR = None

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
_MISSING = object()
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
# Statuses that mean the service did not act on the request, so even a POST is safe to resend.
NOT_PROCESSED_STATUSES = frozenset((429,))


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


def _transport_errors():
    """``(connect timeouts, other failures)``: the exception types of our transport, and of requests once imported.

    requests is looked up, never imported: its types matter only if something (a proxied request, a test
    double) already brought it in.
    """
    connect = (_transport.ConnectTimeout,)
    other = (_transport.ConnectFailed, _transport.ReadFailed)
    loaded = sys.modules.get("requests")
    exceptions = getattr(loaded, "exceptions", None)
    if exceptions is not None:
        connect += (exceptions.ConnectTimeout,)
        other += (exceptions.ConnectionError, exceptions.Timeout, exceptions.ChunkedEncodingError)
    return connect, other


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
    """A session for one module run (connection reuse across calls): ``requests.Session``'s surface, stdlib inside."""
    session = _transport.Session()
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
            connect_timeouts, failures = _transport_errors()
            try:
                response = self._send_once(method, url, params, body, headers, timeout)
            except connect_timeouts as exc:
                # The request never reached the service: resending is always safe.
                error = TransportError("Connection timed out: %s" % exc, method=method, url=url)
                retryable = True
            except failures as exc:
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
                              % (method, short_url(url), error.status or "no response", wait, attempt + 1,
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
                    raise ApiError("The service returned the same nextLink twice: %s" % short_url(next_link),
                                   method="GET", url=url)
                seen.add(next_link)
                self.check_same_origin(next_link)
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

    def check_same_origin(self, link):
        """Never send the bearer token to a host other than the one we were configured for."""
        mine = urlsplit(self.base_url)
        theirs = urlsplit(link)
        if (mine.scheme, mine.netloc.lower()) != (theirs.scheme, theirs.netloc.lower()):
            raise ApiError("Refusing to follow a link to another host: %s" % short_url(link))


def _is_html(response):
    kind = (response.header("Content-Type") or "").lower()
    return "html" in kind or (response.body is None and response.text.lstrip()[:1] == "<")


def short_url(url, limit=160):
    url = str(url)
    return url if len(url) <= limit else url[:limit] + "..."
