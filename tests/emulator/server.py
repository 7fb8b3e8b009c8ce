# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS server, request dispatch, request log and fault injection."""

from __future__ import annotations

import datetime
import json
import math
import random
import re
import secrets
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import trustme

from . import admin, arm_resources, authorization, azdo, entra, graph, keyvault, managed_identity, metadata, pools, validation
from .errors import default_code, make_entra_renderer, render_arm, render_azdo, render_graph
from .state import Identity, State
from .tokens import TokenService
from .web import GUID_RE, HttpError, Request, Response, Router

# First path segment -> service. GUIDs, tenant domains and common/organizations are Entra;
# anything else is reserved for an Azure DevOps organization.
SERVICE_BY_SEGMENT = {
    "metadata": "metadata",
    "subscriptions": "arm",
    "providers": "arm",
    "v1.0": "graph",
    "beta": "graph",
    "_emulator": "admin",
    "common": "entra",
    "organizations": "entra",
    "consumers": "entra",
}
SERVICE_MODULES = (metadata, entra, arm_resources, authorization, managed_identity, keyvault, pools, graph, azdo, admin,
                   validation)
LOG_LIMIT = 20000


def classify(path: str) -> str:
    """The service owning a path, by its first segment."""
    first = path.lstrip("/").split("/", 1)[0]
    low = first.lower()
    if low in SERVICE_BY_SEGMENT:
        return SERVICE_BY_SEGMENT[low]
    if not first:
        return "arm"
    if GUID_RE.match(first) or low.endswith(".onmicrosoft.com"):
        return "entra"
    return "azdo"


TOKEN_PATH_RE = re.compile(r"/oauth2(?:/v2\.0)?/token/?$", re.IGNORECASE)
ENDPOINT_ID_PATH_RE = re.compile(r"/_apis/serviceendpoint/endpoints/[^/]+/?$", re.IGNORECASE)


def _verifies_endpoint(req: Request) -> bool:
    """An Azure DevOps PUT that makes the service verify a connection: a conversion of its scheme, or a body
    asking for a ready (non-draft) connection, which is how a draft is finished (README "Azure DevOps")."""
    if req.method != "PUT" or not ENDPOINT_ID_PATH_RE.search(req.path):
        return False
    if (req.arg("operation") or "").lower() == "convertauthenticationscheme":
        return True
    try:
        body = json.loads(req.body or b"null")
    except ValueError:
        return False
    if not isinstance(body, dict) or body.get("isReady") is not True:
        return False
    return str((body.get("data") or {}).get("isDraft", "")).lower() != "true"


def request_kind(req: Request, write: bool) -> str:
    """The ``latency_by_kind`` class of a request (see state.LATENCY_KINDS)."""
    low = req.path.lower()
    if req.service == "entra":
        return "token" if TOKEN_PATH_RE.search(req.path) else "metadata"
    if req.service == "metadata":
        return "metadata"
    if req.service == "arm":
        if write and "/providers/microsoft.authorization/roleassignments/" in low:
            return "role_assignment_write"
        if write and "/federatedidentitycredentials" in low:
            return "fic_write"
        return "arm_write" if write else "arm_read"
    if req.service == "graph":
        if write and "/federatedidentitycredentials" in low:
            return "fic_write"
        return "graph_write" if write else "graph_read"
    if _verifies_endpoint(req):
        return "endpoint_verify"
    return "azdo_write" if write else "azdo_read"


class Faults:
    """Ordered fault rules; each firing decrements ``count`` and exhausted rules are dropped.

    A rule may fire on every ``every``-th matching request, or with ``probability`` drawn from its own
    ``random.Random(seed)`` (the same seed gives the same sequence), and a 429/503 with a numeric ``retry_after``
    may hold a ``window``: until that many seconds of emulator time have passed, every matching request gets the
    same status with the remaining seconds as Retry-After — ARM answers requests sent before the Retry-After
    has elapsed with a new 429 and a new Retry-After (https://learn.microsoft.com/azure/azure-resource-manager/
    management/request-limits-and-throttling). Microsoft Graph may leave Retry-After out (CONTRACTS 2.3 [G-ERR]:
    429/503 "may" carry it), hence rules without ``retry_after``.
    """

    KEYS = {"method", "path", "service", "status", "retry_after", "reset", "latency", "count", "body", "code",
            "message", "headers", "after", "every", "probability", "seed", "window"}
    INTERNAL = ("regex", "rng", "until", "exhausted")

    def __init__(self, clock=None):
        self.rules: list[dict] = []
        self.clock = clock

    def _now(self) -> float:
        return self.clock.now() if self.clock is not None else time.time()

    def add(self, spec: dict) -> dict:
        """Validate and append a rule."""
        if not isinstance(spec, dict):
            raise ValueError("fault must be a JSON object")
        unknown = set(spec) - self.KEYS
        if unknown:
            raise ValueError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        rule = {"id": str(uuid.uuid4()), "method": (spec.get("method") or "*").upper(), "path": spec.get("path") or ".*",
                "service": spec.get("service"), "status": spec.get("status"), "retry_after": spec.get("retry_after"),
                "reset": bool(spec.get("reset", False)), "latency": float(spec.get("latency") or 0),
                "count": spec.get("count", 1), "body": spec.get("body"), "code": spec.get("code"),
                "message": spec.get("message"), "headers": dict(spec.get("headers") or {}), "fired": 0, "matched": 0,
                "every": spec.get("every"), "probability": spec.get("probability"), "seed": spec.get("seed", 0),
                "window": bool(spec.get("window", False)), "until": None, "exhausted": False,
                "after": bool(spec.get("after", False))}  # after: handle the request first, then lose/replace the answer
        try:
            rule["regex"] = re.compile(rule["path"])
        except re.error as exc:
            raise ValueError(f"invalid path regex: {exc}") from exc
        if rule["status"] is not None and (not isinstance(rule["status"], int) or not 100 <= rule["status"] <= 599):
            raise ValueError("status must be an HTTP status code")
        if rule["status"] is None and not rule["reset"] and not rule["latency"]:
            raise ValueError("a fault needs status, reset or latency")
        if rule["count"] is not None and (not isinstance(rule["count"], int) or rule["count"] < 1):
            raise ValueError("count must be a positive integer or null (unlimited)")
        if rule["latency"] < 0:
            raise ValueError("latency must be >= 0")
        if rule["every"] is not None and (isinstance(rule["every"], bool) or not isinstance(rule["every"], int)
                                          or rule["every"] < 1):
            raise ValueError("every must be a positive integer (fire on every Nth matching request)")
        probability = rule["probability"]
        if probability is not None and (isinstance(probability, bool) or not isinstance(probability, (int, float))
                                        or not 0 <= probability <= 1):
            raise ValueError("probability must be a number from 0 to 1")
        if rule["every"] is not None and probability is not None:
            raise ValueError("every and probability cannot be combined")
        if isinstance(rule["seed"], bool) or not isinstance(rule["seed"], (int, str)):
            raise ValueError("seed must be an integer or a string")
        if rule["window"] and (rule["status"] is None or self._seconds(rule["retry_after"]) is None):
            raise ValueError("window needs a status and a numeric retry_after (seconds)")
        rule["rng"] = random.Random(rule["seed"])
        self.rules.append(rule)
        return self.public(rule)

    @staticmethod
    def _seconds(value) -> float | None:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            return None
        return seconds if seconds >= 0 else None

    @classmethod
    def public(cls, rule: dict) -> dict:
        """Rule without internal fields."""
        return {k: v for k, v in rule.items() if k not in cls.INTERNAL}

    def take(self, method: str, path: str, service: str) -> dict | None:
        """The fault for this request, if a rule matches and fires (consuming one of its ``count``)."""
        now = self._now()
        for rule in list(self.rules):
            if rule["exhausted"] and (rule["until"] is None or now >= rule["until"]):
                self.rules.remove(rule)  # its last window is over
                continue
            if rule["method"] not in ("*", method):
                continue
            if rule["service"] and rule["service"] != service:
                continue
            if not rule["regex"].search(path):
                continue
            if rule["until"] is not None and now < rule["until"]:
                held = dict(rule)  # inside the Retry-After window: the same answer, the time that remains
                held["retry_after"] = str(max(1, math.ceil(rule["until"] - now)))
                return held
            if rule["exhausted"]:
                continue
            rule["matched"] += 1
            if rule["every"] is not None and rule["matched"] % rule["every"]:
                continue
            if rule["probability"] is not None and rule["rng"].random() >= rule["probability"]:
                continue
            rule["fired"] += 1
            if rule["window"]:
                rule["until"] = now + self._seconds(rule["retry_after"])
            if rule["count"] is not None:
                rule["count"] -= 1
                if rule["count"] <= 0:
                    rule["exhausted"] = True
                    if not rule["window"]:
                        self.rules.remove(rule)
            return dict(rule)
        return None


class Emulator:
    """Owns state, the route table, the TLS server and the admin-visible logs."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, identity: Identity | None = None,
                 config: dict | None = None, verbose: bool = False, organization: str = "emulator-org",
                 project: str = "emulator-project", state: State | None = None):
        # ``state`` is a State restored from a previous run (--state-file); its identity wins.
        self.state = state if state is not None else State(identity or Identity.create(), config)
        self.identity = self.state.identity
        self.tokens = TokenService(secrets.token_bytes(32))
        self.verbose = verbose
        self.organization = organization
        self.project = project
        self.requests: deque = deque(maxlen=LOG_LIMIT)
        self.request_seq = 0
        self.faults = Faults(self.state.clock)
        self.log_lock = threading.Lock()
        self.ca = trustme.CA()
        self.httpd = _TLSServer((host, port), _Handler, self)
        self.host = host
        self.port = self.httpd.server_address[1]
        self.base_url = f"https://{host}:{self.port}"
        self.router = Router()
        self.router.renderer("arm", render_arm)
        self.router.renderer("metadata", render_arm)
        self.router.renderer("admin", render_arm)
        self.router.renderer("graph", render_graph)
        self.router.renderer("azdo", render_azdo)
        self.router.renderer("entra", make_entra_renderer(self.base_url))
        self.info_extras: dict = {}  # info-file keys added by service modules at registration
        self.validator = validation.Validator(self)  # requests checked against the official specs
        for module in SERVICE_MODULES:
            module.register(self.router, self)
        self._thread: threading.Thread | None = None
        self.info_data = self.info()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def write_ca(self, path: str) -> None:
        """Write the CA certificate PEM clients must trust."""
        self.ca.cert_pem.write_to_path(path)

    def info(self, ca_path: str | None = None) -> dict:
        """The info-file content."""
        ident = self.identity
        return {
            "base_url": self.base_url,
            "host": self.host,
            "port": self.port,
            "ca_path": ca_path,
            "tenant_id": ident.tenant_id,
            "tenant_domain": ident.tenant_domain,
            "subscription_id": ident.subscription_id,
            "subscription_name": ident.subscription_name,
            "resource_group": ident.resource_group,
            "location": ident.location,
            "client_id": ident.client_id,
            "client_secret": ident.client_secret,
            "principal_id": ident.principal_id,
            "authority": self.base_url,
            "token_endpoint": f"{self.base_url}/{ident.tenant_id}/oauth2/v2.0/token",
            "organization": self.organization,
            "organization_url": f"{self.base_url}/{self.organization}",
            "project_name": self.project,
            "admin_url": f"{self.base_url}/_emulator",
            "cloud_metadata_url": f"{self.base_url}/metadata/endpoints",
            **self.info_extras,
            "pid": None,
        }

    def own_hosts(self) -> set[str]:
        """host[:port] strings that address this emulator."""
        names = {self.host, "127.0.0.1", "localhost"}
        return {f"{name}:{self.port}".lower() for name in names}

    # ------------------------------------------------------------------ request log
    def log_request(self, req: Request, status: int | None, write: bool, fault: dict | None, started: float) -> None:
        """Record one non-admin request."""
        with self.log_lock:
            self.request_seq += 1
            entry = {
                "seq": self.request_seq,
                "time": datetime.datetime.fromtimestamp(self.state.clock.now(), datetime.timezone.utc).isoformat(timespec="milliseconds"),
                "method": req.method,
                "path": req.path,
                "query": {k: (v[0] if len(v) == 1 else v) for k, v in req.query.items()},
                "query_string": req.query_string,
                "status": status,
                "write": write,
                "service": req.service,
                "kind": getattr(req, "kind", None),
                "fault": fault is not None,
                "fault_id": fault["id"] if fault else None,
                "request_id": req.request_id,
                "client_request_id": req.header("x-ms-client-request-id") or req.header("client-request-id"),
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            }
            result = getattr(req, "validation", None)
            if result is not None:
                entry.update(result.log_fields())
            self.requests.append(entry)
        if result is not None:
            self.validator.record(entry, req, result)
        if self.verbose:
            flag = " FAULT" if fault else ""
            print(f"{entry['time']} {req.method} {req.path}{'?' + req.query_string if req.query_string else ''} "
                  f"-> {status}{flag}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ dispatch
    def error_response(self, req: Request, err: HttpError) -> Response:
        """Render an error in the request's service shape."""
        render = self.router.renderers.get(req.service, render_arm)
        return render(req, err)

    def _fault_response(self, req: Request, fault: dict) -> Response:
        status = fault["status"]
        headers = dict(fault["headers"])
        if fault["retry_after"] is not None:
            headers["Retry-After"] = str(fault["retry_after"])
        if fault["body"] is not None:
            return Response(status, fault["body"], headers)
        code = fault["code"] or default_code(req.service, status)
        message = fault["message"] or f"Injected fault (HTTP {status}) from the emulator fault rule {fault['id']}."
        return self.error_response(req, HttpError(status, code, message, headers))

    def handle(self, handler: "_Handler") -> None:
        """Process one HTTP request end to end."""
        started = time.monotonic()
        parts = urlsplit(handler.path)
        path = unquote(parts.path) or "/"
        body = handler.read_body()
        service = classify(path)
        if service == "graph":
            # Graph ignores empty path segments: msgraph-sdk (kiota-http) in its default configuration sends
            # "/v1.0//applications" (httpx gives the base URL a trailing slash; README "Official clients").
            path = re.sub(r"//+", "/", path)
        req = Request(handler.command, path, parts.query, handler.headers, body, service, str(uuid.uuid4()))
        if service == "admin":
            handler.send(self._run(req), req)
            return
        route, match, allowed = self.router.resolve(service, req.method, path)
        req.route, req.match = route, match
        write = route.is_write(req.method) if route else (req.method in ("PUT", "PATCH", "POST", "DELETE"))
        req.kind = request_kind(req, write)
        config = self.state.config
        latency = float(config.get("latency") or 0) + float((config.get("latency_by_kind") or {}).get(req.kind, 0))
        if latency:
            time.sleep(latency)  # real waiting, not emulator time: latency exists to cost wall-clock time
        req.validation = self.validator.check(req)
        with self.log_lock:
            fault = self.faults.take(req.method, path, service)
        if fault is not None and fault["latency"]:
            time.sleep(fault["latency"])
        if fault is not None and not fault["after"]:
            if fault["reset"]:
                self.log_request(req, None, write, fault, started)
                handler.reset_connection()
                return
            if fault["status"] is not None:
                response = self._fault_response(req, fault)
                self._decorate(req, response)
                self.log_request(req, response.status, write, fault, started)  # logged before the client sees it
                handler.send(response, req)
                return
        response = self._run(req, allowed)
        self._decorate(req, response)
        if fault is not None and fault["after"]:  # processed (state changed), but the client never sees the answer
            if fault["reset"]:
                self.log_request(req, None, write, fault, started)
                handler.reset_connection()
                return
            if fault["status"] is not None:
                response = self._fault_response(req, fault)
                self._decorate(req, response)
        self.log_request(req, response.status, write, fault, started)
        handler.send(response, req)

    def _decorate(self, req: Request, response: Response) -> None:
        decorate = self.router.decorators.get(req.service)
        if decorate:
            decorate(req, response)

    def _run(self, req: Request, allowed: set | None = None) -> Response:
        if req.service == "admin":
            route, match, allowed = self.router.resolve("admin", req.method, req.path)
            req.route, req.match = route, match
        route = req.route
        try:
            if route is None:
                if allowed:
                    fallback = self.router.fallbacks.get(req.service)
                    if fallback and fallback.pre:
                        fallback.pre(self, req)
                    raise HttpError(405, "MethodNotAllowed",
                                    f"The requested resource does not support http method '{req.method}'.",
                                    {"Allow": ", ".join(sorted(allowed))})
                fallback = self.router.fallbacks.get(req.service)
                if fallback is None:
                    raise HttpError(404, "NotFound", f"No emulated API serves '{req.path}'.")
                route = fallback
            if route.pre:
                route.pre(self, req)
            checked = getattr(req, "validation", None)
            if checked is not None and checked.violations and self.state.config.get("reject_spec_violations"):
                raise self.validator.reject_error(req, checked)
            with self.state.lock:
                return route.handler(self, req)
        except HttpError as err:
            return self.error_response(req, err)
        except Exception as exc:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            return self.error_response(req, HttpError(500, "InternalServerError", f"Emulator bug: {exc!r}"))


class _TLSServer(ThreadingHTTPServer):
    """Threaded HTTPS server; the TLS handshake runs in the request thread."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler_class, emulator: Emulator):
        self.emulator = emulator
        super().__init__(address, handler_class)
        cert = emulator.ca.issue_cert("127.0.0.1", "localhost", "::1")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        """Ignore client disconnects and TLS failures; print anything else when verbose."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, OSError)):
            return
        if self.emulator.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Thin adapter from http.server to Emulator.handle."""

    protocol_version = "HTTP/1.1"
    server_version = "AzureEmulator/1.0"
    sys_version = ""
    timeout = 120
    wbufsize = 1 << 16  # one write per response; avoids Nagle/delayed-ACK stalls

    def setup(self):
        """Disable Nagle on the accepted socket."""
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        """Dispatch."""
        self.server.emulator.handle(self)

    do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin,unused-argument
        """Silence the default access log (see Emulator.log_request)."""

    def read_body(self) -> bytes:
        """Read a Content-Length or chunked request body."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, response: Response, req: Request) -> None:
        """Write a Response."""
        body = response.body
        headers = {k: v for k, v in response.headers.items() if v is not None}
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        self.send_response(response.status)
        for key, value in headers.items():
            self.send_header(key, str(value))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if req.method != "HEAD" and payload:
            self.wfile.write(payload)
        self.wfile.flush()

    def reset_connection(self) -> None:
        """Drop the TCP connection with an RST and send nothing."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
