# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTPS on the standard library: the part of ``requests.Session`` the REST core uses, without importing requests.

Importing requests (with urllib3, idna, charset_normalizer) costs a module process more than the rest
of a no-op task's own work, while the REST core needs only persistent HTTPS connections with timeouts
and TLS verification. :class:`Session` gives it that on ``socket`` and ``ssl`` (HTTP/1.1 message
framing as RFC 9112 section 6 defines it: no body for HEAD, 1xx, 204 and 304; chunked; Content-Length;
else until the connection closes). ``http.client`` is not used either: it brings the ``email``
package along to parse headers. A request goes to a real ``requests.Session`` (imported then) when
requests would do more than that:

* a proxy is configured in the environment (any ``*_proxy`` variable, in any case: requests then decides
  with its own rules, E(NO_PROXY) included, whether and how to use it), or
* the caller asks to follow redirects.

TLS verification is requests' own: ``verify=False`` turns it off, a path is the CA bundle (file or
directory), and ``True`` means E(REQUESTS_CA_BUNDLE), else E(CURL_CA_BUNDLE), else certifi's bundle
(what requests uses), else the system's default store.
"""

from __future__ import annotations

import json
import os
import socket
import ssl

from urllib.parse import urlsplit

from ansible_collections.azdo.identity.plugins.module_utils._http1 import (  # noqa: F401 pylint: disable=unused-import
    IDEMPOTENT, ConnectFailed, Connection, ConnectTimeout, Dropped, ReadFailed, TransportFailure,
)


class Headers(object):
    """Case-insensitive response headers (repeated headers joined with ``, `` as requests does)."""

    def __init__(self, pairs):
        self._items = {}
        for name, value in pairs:
            key = name.lower()
            if key in self._items:
                self._items[key] = (self._items[key][0], self._items[key][1] + ", " + value)
            else:
                self._items[key] = (name, value)

    def get(self, name, default=None):
        found = self._items.get(name.lower())
        return default if found is None else found[1]

    def __getitem__(self, name):
        return self._items[name.lower()][1]

    def __contains__(self, name):
        return name.lower() in self._items

    def __iter__(self):
        return (original for original, _value in self._items.values())

    def items(self):
        return list(self._items.values())


class Response(object):
    """The attributes of ``requests.Response`` that the REST core (and msrestazure) read."""

    def __init__(self, status, reason, headers, content, url):
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.content = content
        self.url = url

    @property
    def ok(self):
        return self.status_code < 400

    @property
    def text(self):
        try:
            return self.content.decode(_charset(self.headers.get("Content-Type")), "replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", "replace")

    def json(self, **kwargs):
        return json.loads(self.text, **kwargs)


def _charset(content_type):
    for part in (content_type or "").split(";")[1:]:
        name, _sep, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"').strip() or "utf-8"
    return "utf-8"


def _proxy_configured(environ=None):
    """Whether any proxy variable is set (urllib.request, which knows the exact rules, costs too much to import)."""
    environ = os.environ if environ is None else environ
    return any(value and name.lower().endswith("_proxy") and name.lower() != "no_proxy"
               for name, value in environ.items())


def _ca_from_environment():
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


class Session(object):
    """Persistent HTTP/1.1 connections per host and TLS setting; see the module docstring."""

    def __init__(self):
        self.headers = {}
        self._connections = {}
        self._contexts = {}
        self._fallback = None

    # ------------------------------------------------------------------ requests-compatible surface
    def request(self, method, url, headers=None, timeout=None, allow_redirects=True, verify=True, data=None, **kwargs):
        parts = urlsplit(url)
        if allow_redirects or kwargs or parts.scheme not in ("https", "http") or _proxy_configured():
            return self._requests().request(method, url, headers=headers, timeout=timeout,
                                            allow_redirects=allow_redirects, verify=verify, data=data, **kwargs)
        merged = dict(self.headers)
        merged.update(headers or {})
        body = data.encode("utf-8") if isinstance(data, str) else data
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return self._send(method.upper(), url, parts, path, merged, body, connect, read, verify)

    def get(self, url, **kwargs):
        kwargs.setdefault("allow_redirects", True)
        return self.request("GET", url, **kwargs)

    def close(self):
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()
        if self._fallback is not None:
            self._fallback.close()

    # ------------------------------------------------------------------ internals
    def _requests(self):
        if self._fallback is None:
            import requests  # pylint: disable=import-outside-toplevel
            self._fallback = requests.Session()
            self._fallback.headers.update(self.headers)
        return self._fallback

    def _context(self, verify):
        if verify is False:
            key = False
        elif verify is True or not verify:
            key = _ca_from_environment() or True
        else:
            key = verify
        context = self._contexts.get(key)
        if context is None:
            if key is False:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif key is True:
                try:
                    import certifi  # pylint: disable=import-outside-toplevel
                    context = ssl.create_default_context(cafile=certifi.where())
                except ImportError:
                    context = ssl.create_default_context()
            elif os.path.isdir(key):
                context = ssl.create_default_context(capath=key)
            else:
                context = ssl.create_default_context(cafile=key)
            self._contexts[key] = context
        return key, context

    def _connection(self, parts, verify):
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        context = None
        if parts.scheme == "https":
            context_key, context = self._context(verify)
            key += (context_key,)
        connection = self._connections.get(key)
        if connection is None:
            connection = self._connections[key] = Connection(parts.hostname, port, context)
        return connection

    def _send(self, method, url, parts, path, headers, body, connect_timeout, read_timeout, verify):
        connection = self._connection(parts, verify)
        for attempt in (1, 2):
            reused = connection.usable()
            if not reused:
                connection.open(connect_timeout, read_timeout)
            try:
                connection.send(method, path, headers, body)
                answer = connection.receive(method)
            except Dropped as exc:
                connection.close()
                # A kept-alive connection the server closed while it was idle; for a method that may be
                # repeated, send it once more on a new connection (as browsers and urllib3 do).
                if reused and attempt == 1 and method in IDEMPOTENT:
                    continue
                raise ReadFailed("connection to %s broken: %s" % (parts.hostname, exc))
            except socket.timeout as exc:
                connection.close()
                raise ReadFailed("read timeout from %s: %s" % (parts.hostname, exc))
            except (OSError, ValueError) as exc:
                connection.close()
                raise ReadFailed("request to %s failed: %s" % (parts.hostname, exc))
            status, reason, pairs, content, will_close = answer
            if will_close:
                connection.close()
            return Response(status, reason, Headers(pairs), content, url)
        raise ReadFailed("connection to %s broken" % parts.hostname)  # pragma: no cover - the loop returns or raises
