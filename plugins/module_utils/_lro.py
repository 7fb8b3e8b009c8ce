# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ARM long-running operations: follow ``Azure-AsyncOperation``, ``Location`` or the resource's
``provisioningState`` to the end of the operation."""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._http import short_url as _short
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError, parse_retry_after, request_id_of

LRO_TERMINAL = frozenset(("succeeded", "failed", "canceled", "cancelled"))


def wait_for_lro(rest, response, timeout=1800.0, interval=5.0, what="operation"):
    """Follow an ARM long-running operation started by ``response`` to its end.

    Polls ``Azure-AsyncOperation`` when present, else ``Location``; honours ``Retry-After``.
    Returns the body of the final answer (the operation status or the Location target).
    Raises :class:`ApiError` when the operation fails or the timeout passes.
    """
    policy = rest.policy
    started = policy.clock()
    async_url = response.header("Azure-AsyncOperation")
    location = response.header("Location")
    poll = async_url or location
    if not poll:
        state = provisioning_state(response.body)
        if state is None or state.lower() in LRO_TERMINAL:
            return _check_provisioning(response.body, what)
        # No operation header, but the resource says it is still being worked on: poll it.
        return _wait_for_provisioning(rest, response.url, timeout, interval, what, started)
    rest.check_same_origin(poll)
    wait = parse_retry_after(response.header("Retry-After"))
    announced = 0.0
    while True:
        elapsed = policy.clock() - started
        wait = interval if wait is None else min(wait, 60.0)
        if elapsed + wait > timeout:
            raise ApiError("Timed out after %.0fs waiting for %s to finish (poll %s)" % (elapsed, what, _short(poll)),
                           code="OperationTimeout")
        if elapsed - announced >= 30:
            announced = elapsed
            rest.progress("Still waiting for %s after %.0fs" % (what, elapsed))
        policy.sleep(wait)
        answer = rest.request("GET", poll, ok=(200, 201, 202, 204), api_version="")
        wait = parse_retry_after(answer.header("Retry-After"))
        if async_url:
            status = str((answer.body or {}).get("status") or "").lower()
            if status not in LRO_TERMINAL:
                continue
            if status == "succeeded":
                return answer.body
            err = (answer.body or {}).get("error") or {}
            raise ApiError(err.get("message") or "%s ended with status %s" % (what, status),
                           status=answer.status, code=err.get("code") or status.capitalize(),
                           request_id=request_id_of(answer.headers), method="GET", url=poll, body=answer.body)
        if answer.status == 202:
            continue
        return answer.body

def _wait_for_provisioning(rest, url, timeout, interval, what, started):
    policy = rest.policy
    announced = 0.0
    while True:
        elapsed = policy.clock() - started
        if elapsed + interval > timeout:
            raise ApiError("Timed out after %.0fs waiting for %s to finish provisioning" % (elapsed, what),
                           code="OperationTimeout")
        if elapsed - announced >= 30:
            announced = elapsed
            rest.progress("Still waiting for %s after %.0fs" % (what, elapsed))
        policy.sleep(interval)
        answer = rest.request("GET", url, api_version="")
        state = provisioning_state(answer.body)
        if state is None or state.lower() in LRO_TERMINAL:
            return _check_provisioning(answer.body, what)

def _check_provisioning(body, what):
    state = provisioning_state(body)
    if state is not None and state.lower() in ("failed", "canceled", "cancelled"):
        raise ApiError("%s ended in provisioning state %s" % (what, state), code=state)
    return body


def provisioning_state(body):
    """``properties.provisioningState`` of an ARM resource body, or ``None``."""
    if isinstance(body, dict):
        props = body.get("properties")
        if isinstance(props, dict) and props.get("provisioningState"):
            return str(props["provisioningState"])
    return None
