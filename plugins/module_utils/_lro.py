# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ARM long-running operations: follow ``Azure-AsyncOperation``, ``Location`` or the resource's
``provisioningState`` to the end of the operation, on the one polling loop (``_poll``) and within the
caller's deadline.

Azure's documented pattern (https://learn.microsoft.com/azure/azure-resource-manager/management/
async-operations): poll ``Azure-AsyncOperation`` when present (its ``status`` ends in ``Succeeded``,
``Failed`` or ``Canceled``), else ``Location`` (202 while running); wait ``Retry-After`` seconds when given.
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError, parse_retry_after, request_id_of
from ansible_collections.azdo.identity.plugins.module_utils._poll import Pending, poll

LRO_TERMINAL = frozenset(("succeeded", "failed", "canceled", "cancelled"))
MAX_RETRY_AFTER = 60.0


def provisioning_state(body):
    """``properties.provisioningState`` of an ARM resource body, or ``None``."""
    if isinstance(body, dict):
        props = body.get("properties")
        if isinstance(props, dict) and props.get("provisioningState"):
            return str(props["provisioningState"])
    return None


def check_provisioning(body, what):
    """``body``, unless it shows the resource ended failed or canceled."""
    state = provisioning_state(body)
    if state is not None and state.lower() in ("failed", "canceled", "cancelled"):
        raise ApiError("%s ended in provisioning state %s" % (what, state), code=state)
    return body


def _asked_wait(answer):
    wait = parse_retry_after(answer.header("Retry-After"))
    return None if wait is None else min(wait, MAX_RETRY_AFTER)


def wait_for_lro(rest, response, deadline, what="operation", first=5.0, cap=30.0):
    """Follow the ARM long-running operation started by ``response`` to its end, within ``deadline``.

    Returns the body of the final answer (the operation status, the Location target, or the resource).
    Raises :class:`ApiError` when the operation fails, and a timeout naming the deadline's option when it
    passes first. ``rest`` is the client that started the operation (its session, token and retry policy).
    """
    async_url = response.header("Azure-AsyncOperation")
    target = async_url or response.header("Location")
    if target:
        rest.check_same_origin(target)
    else:
        state = provisioning_state(response.body)
        if state is None or state.lower() in LRO_TERMINAL:
            return check_provisioning(response.body, what)
        # No operation header, but the resource says it is still being worked on: poll the resource.
        target = response.url
    started = [response]

    def step():
        if started:  # the answer that started the operation: wait before the first look
            return Pending("Waiting for %s to finish" % what, wait=_asked_wait(started.pop()))
        answer = rest.request("GET", target, ok=(200, 201, 202, 204), api_version="")
        wait = _asked_wait(answer)
        if async_url:
            status = str((answer.body or {}).get("status") or "").lower()
            if status not in LRO_TERMINAL:
                return Pending("Waiting for %s to finish (operation status %s)" % (what, status or "unknown"), wait=wait)
            if status == "succeeded":
                return answer.body
            err = (answer.body or {}).get("error") or {}
            raise ApiError(err.get("message") or "%s ended with status %s" % (what, status),
                           status=answer.status, code=err.get("code") or status.capitalize(),
                           request_id=request_id_of(answer.headers), method="GET", url=target, body=answer.body)
        if response.header("Location"):
            if answer.status == 202:
                return Pending("Waiting for %s to finish (HTTP 202)" % what, wait=wait)
            return answer.body
        state = provisioning_state(answer.body)
        if state is None or state.lower() in LRO_TERMINAL:
            return check_provisioning(answer.body, what)
        return Pending("Waiting for %s to finish provisioning (provisioning state %s)" % (what, state), wait=wait)

    return poll(step, deadline, first=first, cap=cap)
