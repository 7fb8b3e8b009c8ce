# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request/response objects, errors and the route table shared by all services."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs

WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(value: Any) -> bool:
    """True for a dashed GUID string."""
    return isinstance(value, str) and bool(GUID_RE.match(value))


class HttpError(Exception):
    """A failed request; rendered in the owning service's error shape."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra


class Request:
    """One parsed HTTP request."""

    def __init__(self, method: str, path: str, query_string: str, headers: Any, body: bytes, service: str, request_id: str):
        self.method = method
        self.path = path
        self.query_string = query_string
        self.query = parse_qs(query_string, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.service = service
        self.request_id = request_id
        self.match: re.Match | None = None
        self.route: Route | None = None
        self.claims: dict | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter, name compared case-insensitively."""
        lname = name.lower()
        for key, values in self.query.items():
            if key.lower() == lname and values:
                return values[0]
        return default

    def has_arg(self, name: str) -> bool:
        """True when the query parameter is present (even empty)."""
        lname = name.lower()
        return any(key.lower() == lname for key in self.query)

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header value."""
        value = self.headers.get(name)
        return default if value is None else value

    def group(self, name: str) -> str:
        """A named group of the route match."""
        return self.match.group(name) if self.match else ""

    def json(self, error: Callable[[str], HttpError]) -> Any:
        """Decode the JSON body; ``error`` builds the service's parse error."""
        if not self.body or not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise error(str(exc)) from exc

    def form(self) -> dict[str, str]:
        """Decode an application/x-www-form-urlencoded body (first values)."""
        try:
            parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return {}
        return {key: values[0] for key, values in parsed.items()}


@dataclass
class Response:
    """A response to send; ``body`` is JSON-encoded unless bytes or None."""

    status: int = 200
    body: Any = None
    headers: dict = field(default_factory=dict)


@dataclass
class Route:
    """One entry of the route table."""

    service: str
    methods: frozenset
    pattern: re.Pattern
    handler: Callable
    write: bool | None = None
    pre: Callable | None = None

    def is_write(self, method: str) -> bool:
        """Whether a call through this route changes state."""
        return method in WRITE_METHODS if self.write is None else self.write


class Router:
    """Ordered route table plus per-service fallbacks, error renderers and header hooks."""

    def __init__(self):
        self.routes: list[Route] = []
        self.fallbacks: dict[str, Route] = {}
        self.renderers: dict[str, Callable] = {}
        self.decorators: dict[str, Callable] = {}

    def add(self, service: str, methods: str | tuple, pattern: str, handler: Callable, *,
            write: bool | None = None, pre: Callable | None = None, flags: int = re.IGNORECASE) -> Route:
        """Register a route; ``pattern`` is matched against the whole decoded path."""
        if isinstance(methods, str):
            methods = (methods,)
        route = Route(service, frozenset(m.upper() for m in methods), re.compile(pattern, flags), handler, write, pre)
        self.routes.append(route)
        return route

    def fallback(self, service: str, handler: Callable, *, pre: Callable | None = None) -> None:
        """Handler for paths of ``service`` that no route matches."""
        self.fallbacks[service] = Route(service, frozenset(), re.compile(""), handler, None, pre)

    def renderer(self, service: str, render: Callable) -> None:
        """Function (request, HttpError) -> Response giving the service's error shape."""
        self.renderers[service] = render

    def decorator(self, service: str, decorate: Callable) -> None:
        """Function (request, Response) adding the service's standard headers."""
        self.decorators[service] = decorate

    def resolve(self, service: str, method: str, path: str) -> tuple[Route | None, re.Match | None, set]:
        """Find the route for a request; returns (route, match, allowed methods on a path match)."""
        allowed: set = set()
        for route in self.routes:
            if route.service != service:
                continue
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if method in route.methods or (method == "HEAD" and "GET" in route.methods and "HEAD" not in route.methods):
                return route, match, allowed
            allowed |= route.methods
        return None, None, allowed
