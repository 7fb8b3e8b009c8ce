# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for a service to catch up: one deadline, passed down, and one polling loop.

A module option such as ``ready_timeout`` is one budget for everything the task waits for under it
(retried writes, readiness polls, replication), so a :class:`Deadline` is created once and handed to
every wait below it; nothing starts a clock of its own. :func:`poll` calls a step until it stops
answering :class:`Pending`, waiting with capped, jittered, growing delays, telling the user what it waits
for (at once, then at most every ``ANNOUNCE_EVERY`` seconds), and fails with the step's own error when
the deadline or the call limit comes first.
"""

from __future__ import annotations

import random
import time

from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError

ANNOUNCE_EVERY = 20.0


class Deadline(object):
    """A moment by which waiting must end, on an injectable clock."""

    def __init__(self, seconds, clock=None):
        self.clock = clock or time.monotonic
        self.seconds = float(seconds)
        self.started = self.clock()

    def elapsed(self):
        return self.clock() - self.started

    def remaining(self):
        return self.seconds - self.elapsed()


class Pending(object):
    """What a step answers while the service is not there yet: a message for the user, and the error to
    raise if waiting runs out (default: a timeout quoting the message)."""

    def __init__(self, message, error=None):
        self.message = message
        self.error = error


class PollTimeout(ApiError):
    """Waiting ran out of time (or of attempts)."""


def poll(step, deadline, sleep=None, progress=None, first=1.0, cap=30.0, max_calls=None, rand=None, option=None):
    """Call ``step()`` until it returns something other than :class:`Pending`, and return that.

    Waits start at ``first`` seconds and double up to ``cap``, with up to 10% jitter, and never pass the
    deadline. ``max_calls`` bounds how often ``step`` runs (for steps that write). ``option`` names the
    setting that sets the deadline, for the timeout message.
    """
    sleep = sleep or time.sleep
    rand = rand or random.uniform
    progress = progress or (lambda message: None)
    delay = float(first)
    calls = 0
    announced = None
    while True:
        calls += 1
        outcome = step()
        if not isinstance(outcome, Pending):
            return outcome
        wait = min(cap, delay)
        wait += rand(0.0, 0.1 * wait)
        out_of_calls = max_calls is not None and calls >= max_calls
        if out_of_calls or deadline.remaining() < wait:
            if outcome.error is not None:
                raise outcome.error
            limit = ("after %d attempts" % calls) if out_of_calls else (
                "after %.0fs%s" % (deadline.elapsed(), " (%s)" % option if option else ""))
            raise PollTimeout("%s; gave up %s" % (outcome.message, limit), code="OperationTimeout")
        elapsed = deadline.elapsed()
        if announced is None or elapsed - announced >= ANNOUNCE_EVERY:
            announced = elapsed
            progress("%s; checking again in %.0fs (%.0fs of %.0fs)" % (outcome.message, wait, elapsed, deadline.seconds))
        sleep(wait)
        delay = min(cap, delay * 2)
