# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What desired-state logic is given by a module: never the module itself."""

from __future__ import annotations

import time

from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline, poll


class Context(object):
    """What the logic gets from the module: the API clients, check mode, a voice for progress and a clock."""

    def __init__(self, clients, check_mode=False, progress=None, sleep=None, clock=None):
        self.clients = clients
        self.check_mode = check_mode
        self.progress = progress or (lambda message: None)
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic

    def deadline(self, seconds, option=None):
        """The one budget of a documented timeout option; every wait under it draws from this deadline."""
        return Deadline(seconds, self.clock, self.sleep, self.progress, option)

    def poll(self, step, deadline, **kwargs):
        return poll(step, deadline, sleep=self.sleep, progress=self.progress, **kwargs)
