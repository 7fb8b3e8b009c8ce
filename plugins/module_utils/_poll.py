# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for a service to catch up: one deadline, passed down, and one polling loop.

A module option such as ``timeout`` or ``ready_timeout`` is one budget for everything the task waits
for under it (a busy resource, a long-running operation, replication, a lock), so a :class:`Deadline`
is created once and handed to every wait below it; nothing starts a clock of its own. The deadline
carries the clock, the sleep and the progress voice of the run, so tests inject them once.

:func:`poll` calls a step until it stops answering :class:`Pending`, waiting with capped, jittered,
growing delays (or the wait the service asked for), telling the user what it waits for (once the wait
lasts ``announce_after`` seconds, then at most every ``ANNOUNCE_EVERY`` seconds), and fails when the
deadline or the call limit comes first, saying how long it waited, for what, and under which option.
It waits up to the deadline itself, never gives up early because the next wait would overshoot it.
:func:`retry` is :func:`poll` for a call that raises while the service catches up.
"""

from __future__ import annotations

import random
import time

from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError

ANNOUNCE_EVERY = 20.0


def seconds_text(value):
    """``0.4s``, ``9.5s``, ``12s``, ``300s``."""
    return ("%.1fs" % value) if value < 10 else ("%.0fs" % value)


class Deadline(object):
    """A moment by which waiting must end, on an injectable clock, with the run's sleep and progress voice.

    ``option`` names the setting the budget comes from, for timeout messages (``timeout=1800s``).
    """

    def __init__(self, seconds, clock=None, sleep=None, progress=None, option=None):
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.progress = progress or (lambda message: None)
        self.option = option
        self.seconds = float(seconds)
        self.started = self.clock()

    def elapsed(self):
        return self.clock() - self.started

    def remaining(self):
        return self.seconds - self.elapsed()

    def budget(self, option=None):
        """``timeout=1800s`` (or ``the 1800s allowed`` when no option is named)."""
        option = option or self.option
        if option:
            return "%s=%gs" % (option, self.seconds)
        return "the %gs allowed" % self.seconds


class Pending(object):
    """What a step answers while the service is not there yet.

    ``message`` says what is being waited for (for progress and the timeout message; a function of the wait in
    seconds for callers that word the wait themselves); ``error`` is raised
    instead of a plain timeout when waiting runs out, with how long it waited added; ``wait`` is the delay the
    service asked for (``Retry-After``), used instead of the growing backoff.
    """

    def __init__(self, message, error=None, wait=None):
        self.message = message
        self.error = error
        self.wait = wait


class PollTimeout(ApiError):
    """Waiting ran out of time (or of attempts)."""


def _gave_up(outcome, deadline, calls, out_of_calls, option):
    limit = ("after %d attempts" % calls) if out_of_calls else (
        "after %s (%s)" % (seconds_text(deadline.elapsed()), deadline.budget(option)))
    error = outcome.error
    if isinstance(error, ApiError):
        error.message = "%s; gave up %s" % (error.message, limit)
        error.args = (error.message,)
        return error
    if error is not None:
        return error
    message = outcome.message(0) if callable(outcome.message) else outcome.message
    return PollTimeout("Timed out %s: %s" % (limit, message), code="OperationTimeout")


def poll(step, deadline, sleep=None, progress=None, first=1.0, cap=30.0, max_calls=None, rand=None, option=None,
         announce_after=0.0, announce_every=ANNOUNCE_EVERY):
    """Call ``step()`` until it returns something other than :class:`Pending`, and return that.

    Waits start at ``first`` seconds and double up to ``cap``, with up to 10% jitter, and never pass the
    deadline. ``max_calls`` bounds how often ``step`` runs (for steps that write). ``option`` names the
    setting that sets the deadline, for the timeout message (default: the deadline's own). ``sleep`` and
    ``progress`` default to the deadline's.
    """
    sleep = sleep or deadline.sleep
    rand = rand or random.uniform
    progress = progress or deadline.progress
    delay = float(first)
    calls = 0
    announced = None
    slept_to_the_end = False
    while True:
        calls += 1
        outcome = step()
        if not isinstance(outcome, Pending):
            return outcome
        remaining = deadline.remaining()
        out_of_calls = max_calls is not None and calls >= max_calls
        # After a wait that ran to the deadline, that step was the last: the clock may still show a sliver of
        # time left (float arithmetic, a sleep that ends a hair early), and waiting for slivers never ends.
        if out_of_calls or remaining <= 0 or slept_to_the_end:
            raise _gave_up(outcome, deadline, calls, out_of_calls, option)
        if outcome.wait is not None:
            wait = float(outcome.wait)
        else:
            wait = min(cap, delay)
            wait += rand(0.0, 0.1 * wait)
        if wait >= remaining:
            wait, slept_to_the_end = remaining, True
        elapsed = deadline.elapsed()
        due = announced is None and elapsed + wait >= announce_after
        if due or (announced is not None and elapsed - announced >= announce_every):
            announced = elapsed
            if callable(outcome.message):  # a caller that words the wait itself
                text = outcome.message(wait)
            else:
                text = "%s; checking again in %s" % (outcome.message, seconds_text(wait))
            progress("%s (%s waited, %s)" % (text, seconds_text(elapsed), deadline.budget(option)))
        sleep(wait)
        delay = min(cap, delay * 2)


def retry(call, should_retry, deadline, message, **kwargs):
    """Call ``call()`` until it stops raising an :class:`ApiError` that ``should_retry(error)`` accepts.

    For conditions a service reports while it catches up with itself (Entra replication after a principal or
    app was created, concurrent writes on one parent). ``message(error)`` (or a string) says what is waited
    for. When the deadline passes, the last error is raised with how long it was retried. Keyword arguments
    go to :func:`poll`.
    """
    def step():
        try:
            return call()
        except ApiError as exc:
            if not should_retry(exc):
                raise
            return Pending(message(exc) if callable(message) else message, error=exc)

    return poll(step, deadline, **kwargs)
