# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one polling loop: waits up to the deadline (never gives up early), says how long it waited and under
which option, honours the service's wait, reports progress sparingly, and retries only what it is told to."""

from __future__ import annotations

import pytest

from fakes import FakeClock

from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline, Pending, PollTimeout, poll, retry


def deadline(clock, seconds, messages=None, option="timeout"):
    return Deadline(seconds, clock.clock, clock.sleep, messages.append if messages is not None else None, option)


def never(message="Waiting for the thing"):
    return lambda: Pending(message)


def test_a_short_timeout_is_waited_in_full_and_reported_honestly():
    clock = FakeClock()
    with pytest.raises(PollTimeout) as info:
        poll(never(), deadline(clock, 1), first=5.0)
    assert clock.now - 1000.0 == pytest.approx(1.0)  # it used to give up at once: "Timed out after 0s"
    assert info.value.message == "Timed out after 1.0s (timeout=1s): Waiting for the thing"
    assert info.value.code == "OperationTimeout"


def test_waits_grow_to_the_cap_and_stop_at_the_deadline():
    clock = FakeClock()
    with pytest.raises(PollTimeout):
        poll(never(), deadline(clock, 100), first=1.0, cap=8.0, rand=lambda low, high: 0.0)
    assert clock.sleeps[:5] == [1.0, 2.0, 4.0, 8.0, 8.0] and sum(clock.sleeps) == pytest.approx(100)


def test_the_service_asked_wait_wins_over_the_backoff():
    clock = FakeClock()
    answers = [Pending("x", wait=7.0), Pending("x", wait=3.0), "done"]
    assert poll(lambda: answers.pop(0), deadline(clock, 60), first=1.0) == "done"
    assert clock.sleeps == [7.0, 3.0]


def test_a_step_error_is_raised_with_the_time_waited_and_a_call_limit_is_named():
    clock = FakeClock()
    error = ApiError("not replicated yet", status=400, code="AADSTS700213")
    with pytest.raises(ApiError) as info:
        poll(lambda: Pending("x", error=error), deadline(clock, 30, option="ready_timeout"))
    assert info.value is error and info.value.code == "AADSTS700213"
    assert info.value.message == "not replicated yet; gave up after 30s (ready_timeout=30s)"
    with pytest.raises(PollTimeout) as info:
        poll(never(), deadline(clock, 600), max_calls=3)
    assert "after 3 attempts" in info.value.message


def test_progress_at_once_then_every_twenty_seconds_or_only_after_a_while():
    clock, messages = FakeClock(), []
    with pytest.raises(PollTimeout):
        poll(never(), deadline(clock, 61, messages), first=1.0, cap=1.0, rand=lambda low, high: 0.0)
    assert len(messages) == 4 and "Waiting for the thing; checking again in 1.0s" in messages[0]
    assert all("timeout=61s" in m for m in messages)
    clock, messages = FakeClock(), []
    with pytest.raises(PollTimeout):
        poll(never(), deadline(clock, 5, messages), first=0.05, cap=0.5, announce_after=10.0)
    assert messages == []  # a short wait for a lock says nothing


def test_retry_retries_only_what_it_is_told_and_shares_the_deadline():
    clock = FakeClock()
    budget = deadline(clock, 10, option="principal_timeout")
    failures = [ApiError("lag", status=400, code="PrincipalNotFound")] * 2

    def call():
        if failures:
            raise failures.pop()
        return "ok"

    assert retry(call, lambda exc: exc.has_code("PrincipalNotFound"), budget, "Waiting for replication") == "ok"
    spent = clock.now - 1000.0
    with pytest.raises(ApiError) as info:
        retry(lambda: (dummy for dummy in ()).throw(ApiError("denied", status=403)), lambda exc: exc.status == 409, budget, "x")
    assert info.value.message == "denied" and clock.now - 1000.0 == spent  # not retried, no wait
    with pytest.raises(ApiError) as info:
        retry(lambda: (dummy for dummy in ()).throw(ApiError("lag", code="PrincipalNotFound")),
              lambda exc: True, budget, "Waiting for replication")
    assert clock.now - 1000.0 == pytest.approx(10) and "gave up after 10s (principal_timeout=10s)" in info.value.message


def test_waiting_ends_at_the_deadline_even_when_the_clock_leaves_a_sliver():
    """A wait clamped to the deadline is the last one, whatever the clock then says.

    Failed on 6b8cdbd: a clock that ends each sleep a nanosecond early (or float residue: the compat unit run hung
    in test_pool.py, its fake clock's sleeps list filling 10 GB) always left a sliver of time, and poll() kept
    sleeping slivers forever.
    """
    clock = FakeClock()

    def early_sleep(seconds):
        clock.sleep(seconds - 1e-9 if seconds > 1e-9 else 0.0)

    calls = []

    def step():
        calls.append(clock.now)
        assert len(calls) < 50, "still polling after %d calls" % len(calls)
        return Pending("busy")

    with pytest.raises(PollTimeout):
        poll(step, Deadline(20, clock.clock, early_sleep), first=1.0, cap=10.0, rand=lambda low, high: high)
    assert len(calls) == 6 and clock.now == pytest.approx(1020, abs=1e-6)  # 1.1, 2.2, 4.4, 8.8, then the 3.5 s left
