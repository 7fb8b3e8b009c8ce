# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared harness for the benchmarks: an emulator, plays of N identical tasks, the request log.

A benchmark prints figures; it asserts nothing about speed. Per-task wall time is measured as
(time of a LARGE-task play - time of a SMALL-task play) / (LARGE - SMALL), best of REPEAT, so
ansible-playbook's own start-up cost cancels out.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import tempfile
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

import requests  # noqa: E402  pylint: disable=wrong-import-position

from collection_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
    emulator: "{{{{ lookup('ansible.builtin.file', emulator_info) | from_json }}}}"
  module_defaults:
    group/azdo.identity.all:
      auth_source: credential
      client_id: "{{{{ emulator.client_id }}}}"
      secret: "{{{{ emulator.client_secret }}}}"
      tenant: "{{{{ emulator.tenant_id }}}}"
      cloud_environment: "{{{{ emulator.base_url }}}}"
      ca_path: "{{{{ emulator.ca_path }}}}"
      organization_url: "{{{{ emulator.organization_url }}}}"
    # The emulator is a custom cloud (a URL); its connections stand for public Azure's.
    azdo.identity.azdo_service_connection:
      environment: AzureCloud
  tasks:
{tasks}
"""


def indent_task(task):
    """A task given as YAML text at column 0 becomes a list item of the play's tasks."""
    lines = task.strip("\n").split("\n")
    return "\n".join(["    - " + lines[0]] + ["      " + line for line in lines[1:]]) + "\n"


def operation(entry):
    """``METHOD path`` with ids folded, to group requests by kind."""
    path = GUID_RE.sub("{id}", entry.get("path") or "")
    return "%s %s" % (entry.get("method"), path)


class Bench(object):
    def __init__(self, emulator_args=None):
        self.workdir = tempfile.mkdtemp(prefix="azdo-bench-")
        self.emulator = EmulatorProcess(self.workdir, extra_args=emulator_args or ["--replication-delay", "0"])
        self.info = self.emulator.start()
        self.info_file = os.path.join(self.workdir, "info.json")
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), REQUESTS_CA_BUNDLE=self.info["ca_path"],
                        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                        ANSIBLE_NOCOLOR="1")
        self.session = requests.Session()
        self.session.verify = self.info["ca_path"]
        self.count = 0

    def close(self):
        self.emulator.stop()

    # ------------------------------------------------------------------ emulator admin
    def admin(self, method, path, body=None):
        response = self.session.request(method, self.info["admin_url"] + path, json=body, timeout=30,
                                        verify=self.info["ca_path"])
        response.raise_for_status()
        return response.json() if response.content else None

    def log(self):
        return self.admin("GET", "/requests")["requests"]

    def clear(self):
        self.admin("DELETE", "/requests")

    # ------------------------------------------------------------------ plays
    def write_play(self, task, copies):
        self.count += 1
        path = os.path.join(self.workdir, "play-%d.yml" % self.count)
        with open(path, "w") as handle:
            handle.write(PLAY.format(tasks="".join(indent_task(task) for dummy in range(copies))))
        return path

    def run(self, task, copies=1, check=False):
        """Run a play of ``copies`` identical tasks; returns (seconds, output). Fails loudly if the play fails."""
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", self.write_play(task, copies),
               "-e", "emulator_info=" + self.info_file]
        if check:
            cmd.append("--check")
        started = time.monotonic()
        done = subprocess.run(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit("benchmark play failed:\n" + done.stdout[-4000:])
        return elapsed, done.stdout

    def measure(self, task, check=False):
        """One run of ``task``: seconds, and requests and writes by service from the log."""
        self.clear()
        elapsed, output = self.run(task, 1, check)
        log = self.log()
        changed = re.search(r"changed=(\d+)", output)
        return dict(seconds=elapsed, requests=len(log), writes=sum(1 for e in log if e.get("write")),
                    changed=int(changed.group(1)) if changed else None,
                    services=dict(collections.Counter(e.get("service", "?") for e in log)),
                    kinds=dict(collections.Counter(operation(e) for e in log)))

    def requests_per_task(self, task, copies=10, check=False):
        """Run ``copies`` no-op tasks; return per-task figures from the request log."""
        self.clear()
        output = self.run(task, copies, check)[1]
        log = self.log()
        services = collections.Counter(e.get("service", "?") for e in log)
        kinds = collections.Counter(operation(e) for e in log)
        changed = re.search(r"changed=(\d+)", output)
        return dict(requests=len(log) / float(copies), writes=sum(1 for e in log if e.get("write")),
                    changed=int(changed.group(1)) if changed else None,
                    services=dict((k, v / float(copies)) for k, v in services.items()),
                    kinds=dict((k, v / float(copies)) for k, v in kinds.items()))

    def seconds_per_task(self, task, small=5, large=25, repeat=3):
        best_small = min(self.run(task, small)[0] for dummy in range(repeat))
        best_large = min(self.run(task, large)[0] for dummy in range(repeat))
        return (best_large - best_small) / (large - small)


def print_requests(title, figures, minimum=None):
    print("%s: %.2f requests per no-op task, %d writes, changed=%s"
          % (title, figures["requests"], figures["writes"], figures["changed"]))
    for kind, count in sorted(figures["kinds"].items()):
        print("    %.2f  %s" % (count, kind))
    if minimum:
        print("    minimum needed: %s" % minimum)
