# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's one clock: every time-dependent rule reads it, tests move it (POST /_emulator/clock).

Real time plus an offset; ``advance`` adds to the offset, ``freeze`` stops it. ``sleep`` waits in emulator
time, so a frozen clock holds a waiting request (the FIC write window) until a test advances it. Only the
admin API changes it; ``reset`` puts it back on real time. Request latency (``latency``, fault ``latency``)
stays real waiting: it exists to cost wall-clock time in benchmarks.
"""

from __future__ import annotations

import threading
import time

# The clock of the emulator running in this process (one per process). Helpers without access to the
# state (timestamps in error bodies, ``now_stamp``) read it through :func:`now`.
_CURRENT = None


class Clock:
    """Real time + ``offset``, or a fixed instant while frozen; thread-safe."""

    def __init__(self):
        self._cond = threading.Condition()
        self.offset = 0.0
        self.frozen_at: float | None = None
        self.waiting = 0  # requests inside sleep()

    # pickling (--state-file): the condition is rebuilt
    def __getstate__(self) -> dict:
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    def __setstate__(self, data: dict) -> None:
        self._cond = threading.Condition()
        self.offset = float(data.get("offset") or 0.0)
        self.frozen_at = data.get("frozen_at")
        self.waiting = 0

    def now(self) -> float:
        """Seconds since the epoch, in emulator time."""
        frozen = self.frozen_at
        return frozen if frozen is not None else time.time() + self.offset

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def advance(self, seconds: float) -> float:
        """Move time forward (never back); wakes requests waiting in :meth:`sleep`."""
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("'advance' must be >= 0: the clock never goes back")
        with self._cond:
            if self.frozen_at is not None:
                self.frozen_at += seconds
            else:
                self.offset += seconds
            self._cond.notify_all()
            return self.now()

    def freeze(self, on: bool) -> float:
        """Stop (True) or restart (False) the clock; restarting continues from the frozen instant."""
        with self._cond:
            if on and self.frozen_at is None:
                self.frozen_at = time.time() + self.offset
            elif not on and self.frozen_at is not None:
                self.offset = self.frozen_at - time.time()
                self.frozen_at = None
            self._cond.notify_all()
            return self.now()

    def reset(self) -> None:
        """Back to real time, running."""
        with self._cond:
            self.offset, self.frozen_at = 0.0, None
            self._cond.notify_all()

    def sleep(self, seconds: float) -> None:
        """Wait until ``seconds`` of emulator time have passed (real waiting while running)."""
        if seconds <= 0:
            return
        target = self.now() + float(seconds)
        with self._cond:
            self.waiting += 1
            try:
                while True:
                    remaining = target - self.now()
                    if remaining <= 0:
                        return
                    # Frozen: only advance()/freeze(False)/reset() can end the wait; wake up now and then anyway.
                    self._cond.wait(timeout=1.0 if self.frozen_at is not None else min(remaining, 1.0))
            finally:
                self.waiting -= 1

    def snapshot(self) -> dict:
        """What GET/POST /_emulator/clock answer."""
        now = self.now()
        return {"now": now, "now_iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                "offset": round(now - time.time(), 6), "frozen": self.frozen, "waiting": self.waiting}


def install(clock: Clock) -> None:
    """Make ``clock`` the one :func:`now` reads."""
    global _CURRENT  # pylint: disable=global-statement
    _CURRENT = clock


def now() -> float:
    """Emulator time (real time when no emulator state exists yet)."""
    return _CURRENT.now() if _CURRENT is not None else time.time()
