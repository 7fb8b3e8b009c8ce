# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Graph v1.0 (placeholder: no resources yet; later issues register routes here)."""

from __future__ import annotations

from .web import HttpError, Request, Response


def graph_fallback(_emu, req: Request) -> Response:
    """Graph answers an unknown segment with 400 BadRequest [CONTRACTS 2.3 shape]."""
    parts = req.path.strip("/").split("/")
    segment = parts[1] if len(parts) > 1 else ""
    raise HttpError(400, "BadRequest", f"Resource not found for the segment '{segment}' (not emulated yet).")


def decorate(req: Request, response: Response) -> None:
    """Graph response headers."""
    response.headers["request-id"] = req.request_id
    response.headers["client-request-id"] = req.header("client-request-id") or req.request_id


def register(router, _emu) -> None:
    """No Graph routes yet."""
    router.fallback("graph", graph_fallback)
    router.decorator("graph", decorate)
