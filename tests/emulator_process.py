# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and stop the emulator in a subprocess (used by the integration tests and the benchmarks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

TESTS = os.path.dirname(os.path.abspath(__file__))


class EmulatorProcess(object):
    def __init__(self, workdir, extra_args=None, python=None):
        self.workdir = workdir
        self.info_file = os.path.join(workdir, "info.json")
        self.log_file = os.path.join(workdir, "emulator.log")
        self.extra_args = list(extra_args or [])
        self.python = python or sys.executable
        self.process = None

    def start(self, timeout=30.0):
        if os.path.exists(self.info_file):
            os.unlink(self.info_file)
        env = dict(os.environ)
        env["PYTHONPATH"] = TESTS + os.pathsep + env.get("PYTHONPATH", "")
        log = open(self.log_file, "w")
        self.process = subprocess.Popen([self.python, "-m", "emulator", "--info-file", self.info_file] + self.extra_args,
                                        cwd=TESTS, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                with open(self.log_file) as handle:
                    raise RuntimeError("emulator exited with %s:\n%s" % (self.process.returncode, handle.read()))
            if os.path.exists(self.info_file):
                with open(self.info_file) as handle:
                    return json.load(handle)
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("emulator did not write %s within %ss" % (self.info_file, timeout))

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
