# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP/1.1 connection on ``socket`` and ``ssl`` for ``_transport.Session`` (see its docstring).

Message framing as RFC 9112 section 6.3 defines it: no body for an answer to HEAD, nor for 1xx, 204
and 304; else chunked when Transfer-Encoding says so; else Content-Length; else until the server
closes the connection.
"""

from __future__ import annotations

import select
import socket
import ssl


class TransportFailure(Exception):
    """The request got no complete HTTP answer."""


class ConnectTimeout(TransportFailure):
    """No connection within the connect timeout: the request never reached the service."""


class ConnectFailed(TransportFailure):
    """The connection (or its TLS handshake) failed: the request never reached the service."""


class ReadFailed(TransportFailure):
    """The connection broke or timed out after the request was sent: the service may have acted on it."""


IDEMPOTENT = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
_MAX_LINE = 65536
_MAX_HEADERS = 200


class Dropped(Exception):
    """The server closed the connection before it answered."""


class Connection(object):
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
            raise Dropped(str(exc))

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
                raise Dropped(str(exc))
            if not line:
                raise Dropped("closed without an answer")
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
