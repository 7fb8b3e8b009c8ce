# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps organization paths (placeholder: later issues register routes here)."""

from __future__ import annotations

from .web import HttpError, Request, Response


def azdo_fallback(_emu, req: Request) -> Response:
    """404 in Azure DevOps' error shape [CONTRACTS 2.2]."""
    raise HttpError(404, "VssResourceNotFoundException", f"The resource '{req.path}' is not emulated yet.",
                    type_name="Microsoft.VisualStudio.Services.WebApi.VssResourceNotFoundException, "
                              "Microsoft.VisualStudio.Services.WebApi")


def decorate(req: Request, response: Response) -> None:
    """Azure DevOps activity id header."""
    response.headers["ActivityId"] = req.request_id
    response.headers["X-TFS-Session"] = req.request_id


def register(router, _emu) -> None:
    """No Azure DevOps routes yet."""
    router.fallback("azdo", azdo_fallback)
    router.decorator("azdo", decorate)
