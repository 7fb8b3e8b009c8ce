# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what a no-op role_assignment task costs, printed as figures (not a test).

* HTTP requests and writes per task, per service, from the emulator's request log;
* the wall time of a no-op role_assignment task as a ratio to a trivial module task
  (ansible.builtin.ping), both measured in the same run as whole ansible-playbook processes:
  per-task time = (time of a 25-task play - time of a 5-task play) / 20, best of REPEAT;
* where the difference goes: imports, token, requests (direct module runs).

Run: make bench
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)

import requests  # noqa: E402  pylint: disable=wrong-import-position

from collection_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

SMALL, LARGE, REPEAT = 5, 25, 3
BIN = os.path.dirname(sys.executable)

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
  tasks:
{tasks}
"""
NOOP_TASK = """    - azdo.identity.role_assignment:
        scope: "/subscriptions/{{ emulator.subscription_id }}/resourceGroups/{{ emulator.resource_group }}"
        role: Reader
        principal_id: "{{ emulator.principal_id }}"
"""
PING_TASK = """    - ansible.builtin.ping:
"""


def write_play(directory, name, task, count):
    path = os.path.join(directory, name)
    with open(path, "w") as handle:
        handle.write(PLAY.format(tasks="".join(task for dummy in range(count))))
    return path


def run_play(path, env, info_file):
    started = time.monotonic()
    done = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path,
                           "-e", "emulator_info=" + info_file], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit("playbook failed:\n" + done.stdout[-4000:])
    return elapsed, done.stdout


class Admin(object):
    def __init__(self, info):
        self.url = info["admin_url"]
        self.verify = info["ca_path"]

    def clear(self):
        requests.delete(self.url + "/requests", verify=self.verify, timeout=30)

    def log(self):
        return requests.get(self.url + "/requests", verify=self.verify, timeout=30).json()["requests"]


def per_task(directory, env, info_file, name, task):
    small = write_play(directory, name + "-small.yml", task, SMALL)
    large = write_play(directory, name + "-large.yml", task, LARGE)
    best_small = min(run_play(small, env, info_file)[0] for dummy in range(REPEAT))
    best_large = min(run_play(large, env, info_file)[0] for dummy in range(REPEAT))
    return (best_large - best_small) / (LARGE - SMALL), best_small, best_large


def import_cost(module):
    code = "import time; t=time.perf_counter(); import %s; print(time.perf_counter()-t)" % module
    best = min(float(subprocess.check_output([sys.executable, "-c", code], universal_newlines=True))
               for dummy in range(5))
    return best


def direct_run(module_name, args, env, directory):
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
    workdir = tempfile.mkdtemp(prefix="azdo-bench-")
    emulator = EmulatorProcess(workdir, extra_args=["--page-size", "50", "--replication-delay", "0"])
    info = emulator.start()
    try:
        info_file = os.path.join(workdir, "info.json")
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), REQUESTS_CA_BUNDLE=info["ca_path"],
                   ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
        admin = Admin(info)
        # First run creates the assignment; everything measured afterwards is a no-op.
        first = write_play(workdir, "first.yml", NOOP_TASK, 1)
        run_play(first, env, info_file)

        admin.clear()
        out = run_play(write_play(workdir, "count.yml", NOOP_TASK, LARGE), env, info_file)[1]
        log = admin.log()
        by_service = {}
        for entry in log:
            by_service[entry.get("service", "?")] = by_service.get(entry.get("service", "?"), 0) + 1
        writes = [e for e in log if e.get("write")]
        changed = "changed=0" in out

        noop, noop_small, noop_large = per_task(workdir, env, info_file, "noop", NOOP_TASK)
        ping, ping_small, ping_large = per_task(workdir, env, info_file, "ping", PING_TASK)

        module_env = dict(env, PYTHONPATH=collections_root())
        args = dict(auth_source="credential", client_id=info["client_id"], secret=info["client_secret"],
                    tenant=info["tenant_id"], cloud_environment=info["base_url"], ca_path=info["ca_path"],
                    scope="/subscriptions/%s/resourceGroups/%s" % (info["subscription_id"], info["resource_group"]),
                    role="Reader", principal_id=info["principal_id"])
        direct_ra = direct_run("ansible_collections.azdo.identity.plugins.modules.role_assignment", args, module_env,
                               workdir)
        direct_ping = direct_run("ansible.modules.ping", {}, module_env, workdir)

        print("== role_assignment no-op benchmark (emulator on 127.0.0.1, %d tasks per play)" % LARGE)
        print("requests per no-op task: %.2f (writes: %d in %d tasks; play reported changed=0: %s)"
              % (len(log) / float(LARGE), len(writes), LARGE, changed))
        for service, count in sorted(by_service.items()):
            print("  %-9s %.2f per task" % (service, count / float(LARGE)))
        print("  minimum needed: 1 role definition lookup + 1 assignment GET (ARM), 1 token, 1 cloud metadata read"
              " (custom cloud only)")
        print("per-task wall time: role_assignment no-op %.3fs, ansible.builtin.ping %.3fs, ratio %.2f (target <= 1.3)"
              % (noop, ping, noop / ping if ping else float("nan")))
        print("  whole plays: no-op %d tasks %.2fs / %d tasks %.2fs; ping %d tasks %.2fs / %d tasks %.2fs"
              % (SMALL, noop_small, LARGE, noop_large, SMALL, ping_small, LARGE, ping_large))
        print("where the time goes (direct module process, best of 5):")
        print("  role_assignment no-op %.3fs vs ping module %.3fs: +%.3fs" % (direct_ra, direct_ping, direct_ra - direct_ping))
        for module in ("requests", "azure.identity", "ansible.module_utils.basic"):
            print("  import %-28s %.3fs" % (module, import_cost(module)))
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
