# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unauthenticated test-control API under /_emulator (see README "Admin API")."""

from __future__ import annotations

import copy

from .web import HttpError, Request, Response

SEED_ORDER = (
    ("tenants", "add_tenant"),
    ("managementGroups", "add_management_group"),
    ("subscriptions", "add_subscription"),
    ("resourceGroups", "add_resource_group"),
    ("resources", "add_resource"),
    ("principals", "add_principal"),
    ("applications", "add_application"),
    ("roleAssignments", "add_role_assignment"),
)
SEED_TABLES = ("tenants", "principals", "applications", "management_groups", "subscriptions", "resource_groups",
               "resources", "role_assignments")


def camel_keys(value):
    """Accept snake_case spellings (display_name -> displayName) anywhere in a seed body."""
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            head, *rest = str(key).split("_")
            name = head + "".join(part[:1].upper() + part[1:] for part in rest) if rest and head else key
            out[name] = item if name in ("tags", "properties") else camel_keys(item)
        return out
    return value


def _bad(message: str) -> HttpError:
    return HttpError(400, "InvalidEmulatorRequest", message)


def _json_body(req: Request) -> dict:
    body = req.json(lambda detail: _bad(f"body is not JSON: {detail}"))
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _bad("body must be a JSON object")
    return body


def info(emu, _req: Request) -> Response:
    """GET /_emulator[/info]: the info-file content."""
    return Response(200, emu.info_data)


def get_requests(emu, _req: Request) -> Response:
    """GET /_emulator/requests: the request log, oldest first."""
    with emu.log_lock:
        return Response(200, {"requests": list(emu.requests)})


def clear_requests(emu, _req: Request) -> Response:
    """DELETE /_emulator/requests."""
    with emu.log_lock:
        emu.requests.clear()
    return Response(204)


def get_faults(emu, _req: Request) -> Response:
    """GET /_emulator/faults: active rules in match order."""
    with emu.log_lock:
        return Response(200, {"faults": [emu.faults.public(r) for r in emu.faults.rules]})


def add_fault(emu, req: Request) -> Response:
    """POST /_emulator/faults: append a rule (or a list of rules)."""
    body = req.json(lambda detail: _bad(f"body is not JSON: {detail}"))
    specs = body if isinstance(body, list) else [body]
    created = []
    with emu.log_lock:
        try:
            for spec in specs:
                created.append(emu.faults.add(spec))
        except (ValueError, TypeError) as exc:
            raise _bad(str(exc)) from exc
    return Response(200, created[0] if not isinstance(body, list) else {"faults": created})


def clear_faults(emu, _req: Request) -> Response:
    """DELETE /_emulator/faults."""
    with emu.log_lock:
        emu.faults.rules.clear()
    return Response(204)


def delete_fault(emu, req: Request) -> Response:
    """DELETE /_emulator/faults/{id}."""
    with emu.log_lock:
        before = len(emu.faults.rules)
        emu.faults.rules[:] = [r for r in emu.faults.rules if r["id"] != req.group("id")]
        removed = before != len(emu.faults.rules)
    return Response(204 if removed else 404)


def get_config(emu, _req: Request) -> Response:
    """GET /_emulator/config."""
    return Response(200, dict(emu.state.config))


def set_config(emu, req: Request) -> Response:
    """POST /_emulator/config: partial update, validated."""
    try:
        return Response(200, emu.state.set_config(_json_body(req)))
    except ValueError as exc:
        raise _bad(str(exc)) from exc


def reset(emu, _req: Request) -> Response:
    """POST /_emulator/reset: seed state, start-up config, empty log and faults."""
    emu.state.reset()
    with emu.log_lock:
        emu.requests.clear()
        emu.faults.rules.clear()
    return Response(200, {"reset": True})


def seed(emu, req: Request) -> Response:
    """POST /_emulator/seed: add objects atomically; returns what was created (with generated ids)."""
    body = camel_keys(_json_body(req))
    state = emu.state
    # Core keys first, then each service extension's keys, in registration order.
    order = [(key, state, method) for key, method in SEED_ORDER]
    order += [(key, ext, method) for ext in state.ext.values() for key, method in ext.seed_keys]
    unknown = set(body) - {key for key, _owner, _method in order}
    if unknown:
        raise _bad(f"unknown seed keys: {', '.join(sorted(unknown))}")
    with state.lock:
        saved = {name: copy.deepcopy(getattr(state, name)) for name in SEED_TABLES}
        saved_ext = {name: ext.save() for name, ext in state.ext.items()}
        created: dict = {}
        try:
            for key, owner, method in order:
                items = body.get(key) or []
                if not isinstance(items, list):
                    raise ValueError(f"'{key}' must be a list")
                created[key] = [copy.deepcopy(getattr(owner, method)(dict(item))) for item in items]
        except (ValueError, TypeError, KeyError) as exc:
            for name, table in saved.items():
                current = getattr(state, name)
                current.clear()
                current.update(table)
            for name, ext in state.ext.items():
                ext.restore(saved_ext[name])
            raise _bad(f"seed failed: {exc!r}") from exc
    return Response(200, {k: v for k, v in created.items() if v})


def get_state(emu, _req: Request) -> Response:
    """GET /_emulator/state: full dump."""
    snap = emu.state.snapshot()
    with emu.log_lock:
        snap["faults"] = [emu.faults.public(r) for r in emu.faults.rules]
    return Response(200, snap)


def get_clock(emu, _req: Request) -> Response:
    """GET /_emulator/clock: emulator time, offset from real time, frozen, requests waiting on it."""
    return Response(200, emu.state.clock.snapshot())


def set_clock(emu, req: Request) -> Response:
    """POST /_emulator/clock {"freeze": bool, "advance": seconds}: freeze/unfreeze first, then advance."""
    body = _json_body(req)
    unknown = set(body) - {"freeze", "advance"}
    if unknown or not body:
        raise _bad("clock body takes 'freeze' (boolean) and/or 'advance' (seconds >= 0)"
                   + (f"; unknown keys: {', '.join(sorted(unknown))}" if unknown else ""))
    clock = emu.state.clock
    if "freeze" in body:
        if not isinstance(body["freeze"], bool):
            raise _bad("'freeze' must be a boolean")
        clock.freeze(body["freeze"])
    if "advance" in body:
        value = body["advance"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise _bad("'advance' must be a number of seconds >= 0")
        clock.advance(value)
    return Response(200, clock.snapshot())


def mint_token(emu, req: Request) -> Response:
    """POST /_emulator/token: a correctly signed token with chosen claims (expired, other audience...)."""
    body = _json_body(req)
    state = emu.state
    tenant_id = (body.get("tenantId") or emu.identity.tenant_id).lower()
    app = state.application(tenant_id, body.get("clientId") or emu.identity.client_id)
    if app is None:
        raise _bad("unknown clientId for that tenant")
    lifetime = int(body.get("lifetime", state.config["token_lifetime"]))
    access_token, claims = emu.tokens.issue(tenant_id=tenant_id, audience=body.get("audience", "https://management.azure.com"),
                                            app_id=app["appId"], object_id=app["principalId"], lifetime=lifetime)
    if body.get("claims"):
        claims.update(body["claims"])
        access_token = emu.tokens.encode(claims)
    return Response(200, {"access_token": access_token, "claims": claims})


def register(router, _emu) -> None:
    """Admin routes (never logged, never faulted, no auth)."""
    router.add("admin", "GET", r"/_emulator(?:/info)?/?", info, write=False)
    router.add("admin", "GET", r"/_emulator/requests/?", get_requests, write=False)
    router.add("admin", "DELETE", r"/_emulator/requests/?", clear_requests)
    router.add("admin", "GET", r"/_emulator/faults/?", get_faults, write=False)
    router.add("admin", "POST", r"/_emulator/faults/?", add_fault)
    router.add("admin", "DELETE", r"/_emulator/faults/?", clear_faults)
    router.add("admin", "DELETE", r"/_emulator/faults/(?P<id>[^/]+)", delete_fault)
    router.add("admin", "GET", r"/_emulator/config/?", get_config, write=False)
    router.add("admin", "POST", r"/_emulator/config/?", set_config)
    router.add("admin", "POST", r"/_emulator/reset/?", reset)
    router.add("admin", "POST", r"/_emulator/seed/?", seed)
    router.add("admin", "GET", r"/_emulator/state/?", get_state, write=False)
    router.add("admin", "POST", r"/_emulator/token/?", mint_token)
    router.add("admin", "GET", r"/_emulator/clock/?", get_clock, write=False)
    router.add("admin", "POST", r"/_emulator/clock/?", set_clock)
