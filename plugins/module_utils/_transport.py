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
import select
import socket
import ssl

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    urlsplit = None


class TransportFailure(Exception):
    """The request got no complete HTTP answer."""


class ConnectTimeout(TransportFailure):
    """No connection within the connect timeout: the request never reached the service."""


class ConnectFailed(TransportFailure):
    """The connection (or its TLS handshake) failed: the request never reached the service."""


class ReadFailed(TransportFailure):
    """The connection broke or timed out after the request was sent: the service may have acted on it."""


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
            connection = self._connections[key] = _Connection(parts.hostname, port, context)
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
            except _Dropped as exc:
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


IDEMPOTENT = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
_MAX_LINE = 65536
_MAX_HEADERS = 200


class _Dropped(Exception):
    """The server closed the connection before it answered."""


class _Connection(object):
    """One HTTP/1.1 connection (TLS when there is a context)."""

    def __init__(self, host, port, context):
        self.host, self.port, self.context = host, port, context
        self.sock = None
        self.reader = None
        authority = "[%s]" % host if ":" in host else host
        default = 443 if context is not None else 80
        self.authority = authority if port == default else "%s:%d" % (authority, port)

    def usable(self):
        """True when an open connection is still there: not closed by the server while idle (nothing to read)."""
        if self.sock is None:
            return False
        try:
            readable = select.select([self.sock], [], [], 0)[0]
        except (OSError, ValueError):
            readable = True
        if readable:
            self.close()
            return False
        return True

    def open(self, connect_timeout, read_timeout):
        """Connect (and shake hands) within the connect timeout, then wait for answers up to the read timeout."""
        self.close()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=connect_timeout)
        except socket.timeout as exc:
            raise ConnectTimeout("connect timeout to %s: %s" % (self.host, exc))
        except OSError as exc:
            raise ConnectFailed("could not connect to %s: %s" % (self.host, exc))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.context is not None:
                sock = self.context.wrap_socket(sock, server_hostname=self.host)
        except socket.timeout as exc:
            sock.close()
            raise ConnectTimeout("TLS handshake with %s timed out: %s" % (self.host, exc))
        except (OSError, ssl.SSLError, ValueError) as exc:
            sock.close()
            raise ConnectFailed("could not connect to %s: %s" % (self.host, exc))
        sock.settimeout(read_timeout)
        self.sock = sock
        self.reader = sock.makefile("rb")

    def close(self):
        if self.reader is not None:
            self.reader.close()
        if self.sock is not None:
            self.sock.close()
        self.sock = self.reader = None

    def send(self, method, path, headers, body):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: " + self.authority]
        for name, value in headers.items():
            if name.lower() not in ("host", "content-length", "transfer-encoding", "connection"):
                _check_header(name, value)
                lines.append("%s: %s" % (name, value))
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append("Content-Length: %d" % len(body or b""))
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "strict")
        try:
            self.sock.sendall(head + (body or b""))
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _Dropped(str(exc))

    def _line(self):
        line = self.reader.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise ValueError("header line too long")
        return line

    def receive(self, method):
        """``(status, reason, header pairs, body, will_close)`` of the next answer (1xx answers skipped)."""
        while True:
            try:
                line = self._line()
            except ConnectionResetError as exc:
                raise _Dropped(str(exc))
            if not line:
                raise _Dropped("closed without an answer")
            version, _sep, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
            code, _sep, reason = rest.partition(" ")
            if not version.startswith("HTTP/") or not code.isdigit():
                raise ValueError("not an HTTP status line: %r" % line[:80])
            status = int(code)
            pairs = self._headers()
            if 100 <= status < 200:
                continue
            break
        fields = dict((name.lower(), value) for name, value in pairs)
        will_close = "close" in fields.get("connection", "").lower() or (
            version == "HTTP/1.0" and "keep-alive" not in fields.get("connection", "").lower())
        if method == "HEAD" or status in (204, 304):
            return status, reason, pairs, b"", will_close
        if "chunked" in fields.get("transfer-encoding", "").lower():
            return status, reason, pairs, self._chunked(), will_close
        length = fields.get("content-length")
        if length is not None:
            size = int(length.split(",")[0].strip())
            content = self.reader.read(size) if size else b""
            if len(content) != size:
                raise ValueError("incomplete answer: %d of %d bytes" % (len(content), size))
            return status, reason, pairs, content, will_close
        return status, reason, pairs, self.reader.read(), True

    def _headers(self):
        pairs = []
        while True:
            line = self._line()
            if line in (b"\r\n", b"\n", b""):
                return pairs
            if len(pairs) >= _MAX_HEADERS:
                raise ValueError("too many headers")
            text = line.decode("latin-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and pairs:  # obsolete line folding
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + " " + text.strip())
                continue
            name, sep, value = text.partition(":")
            if sep:
                pairs.append((name.strip(), value.strip()))

    def _chunked(self):
        chunks = []
        while True:
            size_line = self._line()
            if not size_line:
                raise ValueError("incomplete chunked answer")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                self._headers()  # trailers
                return b"".join(chunks)
            chunk = self.reader.read(size)
            if len(chunk) != size:
                raise ValueError("incomplete chunk")
            chunks.append(chunk)
            self._line()


def _check_header(name, value):
    text = "%s%s" % (name, value)
    if "\r" in text or "\n" in text:
        raise ValueError("a header may not contain a line break: %s" % name)
