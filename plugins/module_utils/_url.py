# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""URLs with every path segment quoted, and queries encoded the way Azure's own clients send them."""

from __future__ import annotations

from urllib.parse import quote, urlencode


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


def odata_quote(value):
    """A string literal for OData (``$filter`` values and alternate-key segments): single quotes doubled."""
    return "'%s'" % str(value).replace("'", "''")
