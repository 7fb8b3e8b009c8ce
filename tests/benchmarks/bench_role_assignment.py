# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what a no-op role_assignment task costs, printed as figures (not a test).

* HTTP requests and writes per task, by kind, from the emulator's request log;
* the wall time of a no-op role_assignment task as a ratio to a trivial module task
  (ansible.builtin.ping), both measured in the same run as whole ansible-playbook processes;
* where the difference goes: imports, token, requests (direct module processes).

Run: make bench
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Bench, collections_root, print_requests  # noqa: E402  pylint: disable=wrong-import-position

NOOP_TASK = """azdo.identity.role_assignment:
  scope: "/subscriptions/{{ emulator.subscription_id }}/resourceGroups/{{ emulator.resource_group }}"
  role: Reader
  principal_id: "{{ emulator.principal_id }}"
"""
PING_TASK = "ansible.builtin.ping:\n"


def import_cost(module):
    code = "import time; t=time.perf_counter(); import %s; print(time.perf_counter()-t)" % module
    return min(float(subprocess.check_output([sys.executable, "-c", code], universal_newlines=True))
               for dummy in range(5))


def direct_run(module_name, args, env, directory):
    """Best of 5 wall times of one module process run as Ansible would (args file), without Ansible around it."""
    args_file = os.path.join(directory, "args.json")
    with open(args_file, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    best = None
    for dummy in range(5):
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", module_name, args_file], env=env, stdout=subprocess.PIPE, check=True)
        elapsed = time.monotonic() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    bench = Bench()
    try:
        info = bench.info
        bench.run(NOOP_TASK)  # creates the assignment: everything measured afterwards is a no-op
        print("== role_assignment no-op benchmark (emulator on 127.0.0.1)")
        print_requests("role_assignment", bench.requests_per_task(NOOP_TASK, 25),
                       "1 role definition lookup + 1 assignment GET (ARM), 1 token (+ MSAL's tenant discovery), "
                       "1 cloud metadata read (custom cloud only)")
        print_requests("role_assignment --check", bench.requests_per_task(NOOP_TASK, 25, check=True))
        noop = bench.seconds_per_task(NOOP_TASK)
        ping = bench.seconds_per_task(PING_TASK)
        print("per-task wall time: role_assignment no-op %.3fs, ansible.builtin.ping %.3fs, ratio %.2f (target <= 1.3)"
              % (noop, ping, noop / ping if ping else float("nan")))
        module_env = dict(bench.env, PYTHONPATH=collections_root())
        args = dict(auth_source="credential", client_id=info["client_id"], secret=info["client_secret"],
                    tenant=info["tenant_id"], cloud_environment=info["base_url"], ca_path=info["ca_path"],
                    scope="/subscriptions/%s/resourceGroups/%s" % (info["subscription_id"], info["resource_group"]),
                    role="Reader", principal_id=info["principal_id"])
        direct_ra = direct_run("ansible_collections.azdo.identity.plugins.modules.role_assignment", args, module_env,
                               bench.workdir)
        direct_ping = direct_run("ansible.modules.ping", {}, module_env, bench.workdir)
        print("where the time goes (one module process, best of 5):")
        print("  role_assignment no-op %.3fs vs ping module %.3fs: +%.3fs" % (direct_ra, direct_ping, direct_ra - direct_ping))
        for module in ("requests", "azure.identity", "ansible.module_utils.basic"):
            print("  import %-28s %.3fs" % (module, import_cost(module)))
    finally:
        bench.close()


if __name__ == "__main__":
    main()
