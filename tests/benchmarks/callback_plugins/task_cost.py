# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: the wall and CPU time of every task of a play, as JSON lines.

Enabled only by tests/benchmarks/bench_task_cost.py (ANSIBLE_CALLBACK_PLUGINS, ANSIBLE_CALLBACKS_ENABLED);
it writes to the file named by AZDO_BENCH_TASK_LOG.

* wall: from the task's start to its result, in the controller's main process;
* cpu: the CPU time of the controller's main process during that span, plus the worker process that
  ran the task and everything the worker waited for (the module process): the callback waits for the
  worker to exit and reaps it, so its CPU is counted in this task's RUSAGE_CHILDREN and not a later one.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_cost
short_description: Benchmark only; wall and CPU time per task as JSON lines
description:
  - Writes one JSON line per task result to the file named by E(AZDO_BENCH_TASK_LOG).
type: aggregate
author:
  - azdo.identity contributors (@azdo-identity)
"""


def _cpu():
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_cost"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get("AZDO_BENCH_TASK_LOG")
        self._start = None

    @staticmethod
    def _reap(timeout=5.0):
        """Wait until every worker process has exited, and reap it (its CPU then counts in RUSAGE_CHILDREN)."""
        deadline = time.monotonic() + timeout
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.001)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._reap()
        self._start = (task.get_name(), time.perf_counter(), _cpu())

    def _done(self, result, status):
        if self._start is None or not self._path:
            return
        name, wall0, cpu0 = self._start
        wall = time.perf_counter() - wall0
        self._reap()
        cpu = _cpu() - cpu0
        self._start = None
        with open(self._path, "a") as handle:
            handle.write(json.dumps(dict(task=name, status=status, wall=wall, cpu=cpu)) + "\n")

    def v2_runner_on_ok(self, result):
        self._done(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._done(result, "skipped")
