# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The standard-library transport against a real local HTTP server: reuse, stale connections, failures, proxies, TLS."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import threading

import pytest

from ansible_collections.azdo.identity.plugins.module_utils import _transport
from ansible_collections.azdo.identity.plugins.module_utils._http import RestClient, RetryPolicy, TransportError, new_session


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _special(self):
        """Answers framed in the other ways RFC 9112 section 6.3 allows; True when one was sent."""
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=bogus-charset")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b'{"parts": ', b'["a", "b"]}'):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
            return True
        if self.path == "/empty":
            self.send_response(204)
            self.end_headers()
            return True
        if self.path == "/until-close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b'{"all": "until the end"}')
            self.close_connection = True
            return True
        return False

    def _answer(self):
        if self._special():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        data = json.dumps({"method": self.command, "path": self.path, "body": body.decode()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("X-Ms-Request-Id", "rq-1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if self.server.drop_after_answer:
            # Close without saying so: the client believes the connection is still open.
            self.close_connection = True

    do_GET = do_POST = do_PUT = _answer


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super(_Server, self).__init__(("127.0.0.1", 0), _Handler)
        self.seen = []
        self.connections = 0
        self.drop_after_answer = False

    def get_request(self):
        self.connections += 1
        return super(_Server, self).get_request()


@pytest.fixture
def server():
    httpd = _Server()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url(server, path):
    return "http://127.0.0.1:%d%s" % (server.server_address[1], path)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_requests_share_one_kept_alive_connection(server):
    session = new_session("agent/1")
    first = session.request("GET", url(server, "/a?x=1"), headers={"Authorization": "Bearer t"}, timeout=(5, 5),
                            allow_redirects=False, verify=True)
    second = session.request("POST", url(server, "/b"), headers={"Content-Type": "application/json"}, timeout=(5, 5),
                             allow_redirects=False, verify=True, data='{"k": "v"}')
    assert first.status_code == 200 and first.json()["path"] == "/a?x=1"
    assert second.json() == {"method": "POST", "path": "/b", "body": '{"k": "v"}'}
    assert first.headers.get("x-ms-request-id") == "rq-1" and "CONTENT-TYPE" in first.headers
    assert server.connections == 1
    sent = server.seen[0][2]
    assert sent["Authorization"] == "Bearer t" and sent["User-Agent"] == "agent/1" and sent["Accept"] == "application/json"


def test_connection_the_server_dropped_is_reopened_once(server):
    server.drop_after_answer = True
    session = new_session()
    for path in ("/1", "/2", "/3"):
        assert session.request("GET", url(server, path), timeout=(5, 5), allow_redirects=False).json()["path"] == path
    assert server.connections == 3 and len(server.seen) == 3


def test_refused_connection_is_a_connect_failure():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(_transport.ConnectFailed):
        new_session().request("GET", "http://127.0.0.1:%d/" % port, timeout=(2, 2), allow_redirects=False)


def test_silent_server_is_a_read_failure_and_rest_client_does_not_resend_a_post():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    try:
        base = "http://127.0.0.1:%d" % listener.getsockname()[1]
        with pytest.raises(_transport.ReadFailed):
            new_session().request("GET", base + "/", timeout=(2, 0.2), allow_redirects=False)
        client = RestClient(new_session(), base, timeout=(2, 0.2), policy=RetryPolicy(max_attempts=3, sleep=lambda s: None))
        with pytest.raises(TransportError) as info:
            client.request("POST", "/x", body={})
        assert "Connection failed" in info.value.message
    finally:
        listener.close()


def test_proxy_or_redirects_hand_the_request_to_requests(server, monkeypatch):
    calls = []

    class Fake(object):
        def request(self, *args, **kwargs):
            calls.append((args, kwargs))
            return "from requests"

    session = new_session()
    monkeypatch.setattr(session, "_requests", Fake)
    assert session.request("GET", url(server, "/r"), timeout=(5, 5), allow_redirects=True) == "from requests"
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    assert session.request("GET", url(server, "/p"), timeout=(5, 5), allow_redirects=False) == "from requests"
    assert len(calls) == 2 and server.seen == []


def test_proxy_detection():
    assert _transport._proxy_configured({"HTTPS_PROXY": "http://p:1"})
    assert _transport._proxy_configured({"all_proxy": "socks5://p:1"})
    assert not _transport._proxy_configured({"NO_PROXY": "*", "HTTPS_PROXY": ""})


def test_tls_settings_follow_requests(monkeypatch, tmp_path):
    certifi = pytest.importorskip("certifi")
    session = _transport.Session()
    key, context = session._context(False)
    assert key is False and context.verify_mode == ssl.CERT_NONE and not context.check_hostname
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    key, context = session._context(True)
    assert key is True and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    assert session._context(True)[0] == certifi.where()
    # An explicit CA path wins over the environment, as with requests' per-request verify.
    assert session._context(str(tmp_path))[0] == str(tmp_path)


def test_chunked_empty_and_close_delimited_answers(server):
    session = new_session()

    def get(path):
        return session.request("GET", url(server, path), timeout=(5, 5), allow_redirects=False)

    chunked = get("/chunked")
    assert chunked.json() == {"parts": ["a", "b"]}  # an unknown charset is read as UTF-8
    empty = get("/empty")
    assert empty.status_code == 204 and empty.content == b""
    assert get("/a").json()["path"] == "/a"
    assert server.connections == 1  # chunked and 204 answers leave the connection usable
    assert get("/until-close").json() == {"all": "until the end"}
    assert get("/b").json()["path"] == "/b"
    assert server.connections == 2
