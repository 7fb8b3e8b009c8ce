# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what a managed_devops_pool_identity task costs, printed as figures (not a test).

* HTTP requests (and writes) per no-op task, real and check mode, per service and per ARM call kind,
  from the emulator's request log;
* the requests of the first (changing) run, for comparison;
* the wall time of a no-op task: (time of a LARGE-task play - time of a SMALL-task play) / (LARGE - SMALL),
  best of REPEAT, next to ansible.builtin.ping measured the same way.

Run: make bench (or: PYTHONPATH=tests .venv/bin/python tests/benchmarks/bench_pool.py)
"""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)

import requests  # noqa: E402  pylint: disable=wrong-import-position

from collection_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

SMALL, LARGE, REPEAT = 2, 12, 3
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
POOL_TASK = """    - azdo.identity.managed_devops_pool_identity:
        pool: mdp-bench
        resource_group: "{{ emulator.resource_group }}"
        subscription_id: "{{ emulator.subscription_id }}"
        identity: id-mdp-bench
        key_vault: kv-mdp-bench
        certificates: [https://kv-mdp-bench.vault.azure.net/secrets/signing]
"""
PING_TASK = """    - ansible.builtin.ping:
"""
KINDS = (
    ("token", re.compile(r"/oauth2/")),
    ("login discovery", re.compile(r"/\.well-known/|/discovery/")),
    ("metadata", re.compile(r"^/metadata/")),
    ("pool", re.compile(r"/providers/Microsoft\.DevOpsInfrastructure/pools/[^/]+$", re.I)),
    ("pool operation", re.compile(r"/providers/Microsoft\.DevOpsInfrastructure/locations/", re.I)),
    ("vault", re.compile(r"/providers/Microsoft\.KeyVault/vaults/[^/]+$", re.I)),
    ("identity", re.compile(r"/providers/Microsoft\.ManagedIdentity/", re.I)),
    ("role definition", re.compile(r"/roleDefinitions", re.I)),
    ("role assignment", re.compile(r"/roleAssignments", re.I)),
)


class Admin(object):
    def __init__(self, info):
        self.url = info["admin_url"]
        self.verify = info["ca_path"]

    def call(self, method, path, body=None):
        response = requests.request(method, self.url + path, json=body, verify=self.verify, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def clear(self):
        self.call("DELETE", "/requests")

    def log(self):
        return self.call("GET", "/requests")["requests"]


def write_play(directory, name, task, count):
    path = os.path.join(directory, name)
    with open(path, "w") as handle:
        handle.write(PLAY.format(tasks="".join(task for dummy in range(count))))
    return path


def run_play(path, env, info_file, check=False):
    started = time.monotonic()
    command = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path, "-e", "emulator_info=" + info_file]
    done = subprocess.run(command + (["--check"] if check else []), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit("playbook failed:\n" + done.stdout[-4000:])
    return elapsed, done.stdout


def per_task(directory, env, info_file, name, task):
    small = write_play(directory, name + "-small.yml", task, SMALL)
    large = write_play(directory, name + "-large.yml", task, LARGE)
    best_small = min(run_play(small, env, info_file)[0] for dummy in range(REPEAT))
    best_large = min(run_play(large, env, info_file)[0] for dummy in range(REPEAT))
    return (best_large - best_small) / (LARGE - SMALL)


def breakdown(log, tasks):
    kinds = collections.Counter()
    for entry in log:
        kind = next((k for k, regex in KINDS if regex.search(entry["path"])), "other")
        kinds["%s %s" % (entry["method"], kind)] += 1
    return ", ".join("%s %.2f" % (k, v / float(tasks)) for k, v in sorted(kinds.items()))


def main():
    workdir = tempfile.mkdtemp(prefix="azdo-bench-pool-")
    emulator = EmulatorProcess(workdir, extra_args=["--page-size", "50", "--replication-delay", "0"])
    info = emulator.start()
    try:
        info_file = os.path.join(workdir, "info.json")
        with open(info_file, "w") as handle:
            json.dump(info, handle)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), REQUESTS_CA_BUNDLE=info["ca_path"],
                   ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
        admin = Admin(info)
        admin.call("POST", "/config", {"pool_provisioning_duration": 0.2})
        admin.call("POST", "/seed", {"managedIdentities": [{"name": "id-mdp-bench"}],
                                     "vaults": [{"name": "kv-mdp-bench", "enableRbacAuthorization": True}],
                                     "pools": [{"name": "mdp-bench"}]})

        admin.clear()
        first_time, out = run_play(write_play(workdir, "first.yml", POOL_TASK, 1), env, info_file)
        first = admin.log()
        if "changed=1" not in out:
            raise SystemExit("the first run did not change the pool:\n" + out[-3000:])

        results = {}
        for check in (False, True):
            admin.clear()
            out = run_play(write_play(workdir, "count.yml", POOL_TASK, LARGE), env, info_file, check=check)[1]
            results[check] = (admin.log(), "changed=0" in out)

        noop = per_task(workdir, env, info_file, "noop", POOL_TASK)
        ping = per_task(workdir, env, info_file, "ping", PING_TASK)

        print("== managed_devops_pool_identity benchmark (emulator on 127.0.0.1, %d tasks per play)" % LARGE)
        print("first (changing) run: %d requests, %d writes, %.2fs for the play (LRO of 0.2s, Retry-After 1s)"
              % (len(first), len([e for e in first if e.get("write")]), first_time))
        print("  " + breakdown(first, 1))
        for check, (log, unchanged) in sorted(results.items()):
            writes = [e for e in log if e.get("write")]
            print("requests per no-op task%s: %.2f (writes: %d in %d tasks; play reported changed=0: %s)"
                  % (" (check mode)" if check else "", len(log) / float(LARGE), len(writes), LARGE, unchanged))
            print("  " + breakdown(log, LARGE))
        print("  minimum needed for a no-op: pool GET, vault GET (permission model, vault URI), role definition GET, "
              "role assignment GET; the identity is read from the pool, not from Microsoft.ManagedIdentity")
        print("per-task wall time: no-op %.3fs, ansible.builtin.ping %.3fs, ratio %.2f"
              % (noop, ping, noop / ping if ping else float("nan")))
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
