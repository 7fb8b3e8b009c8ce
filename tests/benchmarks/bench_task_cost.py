# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (issue 13, targets 1, 2 and 4): what a no-op task of each module costs next to ansible.builtin.ping.

For every module, one ansible-playbook run of PAIRS pairs of tasks, a ping then the module's no-op task,
interleaved so that both see the same machine load. A benchmark-only callback (callback_plugins/task_cost.py)
records each task's wall time and CPU time (controller process, worker, module process). Printed per module:

* median wall and CPU of the module's tasks and of the ping tasks, the ratio of the medians and the
  median of the per-pair ratios (target: at most 1.3);
* HTTP requests per no-op task from the emulator's request log, and how many of the run's requests
  were token, OpenID configuration and cloud metadata reads (target: once per run, not per task);
* in a second run with a measuring interpreter wrapper, the peak RSS of each module process (target:
  at most 60 MiB).

It prints figures and asserts nothing about speed. Run: make bench, or
``python tests/benchmarks/bench_task_cost.py [--pairs N] [--modules a,b]`` with tests/ on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import BIN, PLAY, Bench, indent_task  # noqa: E402  pylint: disable=wrong-import-position

HERE = os.path.dirname(os.path.abspath(__file__))
PING = "ansible.builtin.ping:\n"
RG = "/subscriptions/{{ emulator.subscription_id }}/resourceGroups/{{ emulator.resource_group }}"

# name -> (setup task or None, the no-op task); the setup makes the resource, so the task changes nothing.
MODULES = collections.OrderedDict([
    ("role_assignment", (None, """azdo.identity.role_assignment:
  scope: "%s"
  role: Reader
  principal_id: "{{ emulator.principal_id }}"
""" % RG)),
    ("role_assignment_info", (None, """azdo.identity.role_assignment_info:
  scope: "%s"
  principal_id: "{{ emulator.principal_id }}"
""" % RG)),
    ("managed_identity", (None, """azdo.identity.managed_identity:
  name: id-cost
  resource_group: "{{ emulator.resource_group }}"
  subscription_id: "{{ emulator.subscription_id }}"
""")),
    ("managed_identity_federation", ("""azdo.identity.managed_identity:
  name: id-cost
  resource_group: "{{ emulator.resource_group }}"
  subscription_id: "{{ emulator.subscription_id }}"
""", """azdo.identity.managed_identity_federation:
  identity: id-cost
  resource_group: "{{ emulator.resource_group }}"
  subscription_id: "{{ emulator.subscription_id }}"
  name: fic-cost
  issuer: "https://login.microsoftonline.com/{{ emulator.tenant_id }}/v2.0"
  subject: /eid1/c/pub/t/cost/sc/cost
""")),
    ("app_registration", (None, """azdo.identity.app_registration:
  display_name: app-cost
  unique_name: app-cost
""")),
    ("managed_devops_pool_identity", ("SEED_POOL", """azdo.identity.managed_devops_pool_identity:
  pool: mdp-cost
  resource_group: "{{ emulator.resource_group }}"
  subscription_id: "{{ emulator.subscription_id }}"
  identity: id-mdp-cost
  key_vault: kv-mdp-cost
  certificates: [https://kv-mdp-cost.vault.azure.net/secrets/signing]
""")),
    ("azdo_service_principal", (None, """azdo.identity.azdo_service_principal:
  organization_url: "{{ emulator.organization_url }}"
  principal_id: "{{ emulator.principal_id }}"
  access_level: basic
""")),
    ("azdo_service_connection", ("""ansible.builtin.include_role:
  name: azdo.identity.workload_identity_service_connection
vars:
  workload_identity_service_connection_items:
    - name: sc-cost
      project: "{{ emulator.project_name }}"
      subscription_id: "{{ emulator.subscription_id }}"
      environment: AzureCloud
      identity: {name: id-sc-cost, resource_group: "{{ emulator.resource_group }}"}
""", """azdo.identity.azdo_service_connection:
  organization_url: "{{ emulator.organization_url }}"
  project: "{{ emulator.project_name }}"
  name: sc-cost
  identity_client_id: "CLIENT_ID"
  subscription_id: "{{ emulator.subscription_id }}"
""")),
    ("azdo_service_connection_info", (None, """azdo.identity.azdo_service_connection_info:
  organization_url: "{{ emulator.organization_url }}"
  project: "{{ emulator.project_name }}"
  scheme: service_principal
""")),
    # sc-cost (made by the azdo_service_connection setup) already uses the Entra issuer: nothing to move.
    ("azdo_service_connection_issuer", (None, """azdo.identity.azdo_service_connection_issuer:
  organization_url: "{{ emulator.organization_url }}"
  project: "{{ emulator.project_name }}"
  name: sc-cost
""")),
    ("azdo_service_connection_inventory", (None, """azdo.identity.azdo_service_connection_inventory:
  organization_url: "{{ emulator.organization_url }}"
  projects: ["{{ emulator.project_name }}"]
""")),
    # One wired connection, every step asked (the drift module's cost for one item; items run side by side).
    ("workload_identity_service_connection_drift", (None, """azdo.identity.workload_identity_service_connection_drift:
  organization_url: "{{ emulator.organization_url }}"
  items: "{{ [{'name': 'sc-cost', 'project': emulator.project_name, 'subscription_id': emulator.subscription_id,
              'environment': 'AzureCloud', 'identity': {'name': 'id-sc-cost', 'resource_group': emulator.resource_group}}]
           | azdo.identity.role_items(role='workload_identity_service_connection') }}"
""")),
])

# The measuring interpreter: runs the real one as its child and records the child's peak RSS and CPU.
WRAPPER = """#!{python} -IS
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv({python!r}, [{python!r}] + sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
with open({log!r}, "a") as handle:
    handle.write(json.dumps(dict(script=os.path.basename(sys.argv[-1]), maxrss_kib=usage.ru_maxrss,
                                 cpu=usage.ru_utime + usage.ru_stime)) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


# benchlib's play, with the emulator's details as plain extra vars (-e @file) instead of a lookup that every
# reference would run again: what is measured is the module, not the harness's templating.
COST_PLAY = "".join(line for line in PLAY.splitlines(True) if not line.startswith("    emulator: "))


def named(task, name):
    return "name: %s\n%s" % (name, task)


class CostBench(object):
    def __init__(self, bench):
        self.bench = bench
        self.task_log = os.path.join(bench.workdir, "tasks.jsonl")
        self.rss_log = os.path.join(bench.workdir, "rss.jsonl")
        self.wrapper = os.path.join(bench.workdir, "measuring-python")
        self.vars_file = os.path.join(bench.workdir, "emulator-vars.json")
        with open(self.vars_file, "w") as handle:
            json.dump({"emulator": bench.info}, handle)
        with open(self.wrapper, "w") as handle:
            handle.write(WRAPPER.format(python=sys.executable, log=self.rss_log))
        os.chmod(self.wrapper, 0o700)
        bench.env.update(ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
                         ANSIBLE_CALLBACKS_ENABLED="task_cost", AZDO_BENCH_TASK_LOG=self.task_log)

    def play(self, tasks, interpreter=None):
        """Run one play of ``tasks`` (YAML texts); fail loudly if it fails."""
        bench = self.bench
        path = bench.write_play("", 0)
        with open(path, "w") as handle:
            handle.write(COST_PLAY.format(tasks="".join(indent_task(t) for t in tasks)))
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path, "-e", "@" + self.vars_file]
        if interpreter:
            cmd += ["-e", "ansible_python_interpreter=" + interpreter]
        done = subprocess.run(cmd, env=bench.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        if done.returncode != 0:
            raise SystemExit("benchmark play failed:\n" + done.stdout[-4000:])
        return done.stdout

    def measure(self, module, task, pairs):
        tasks = []
        for index in range(pairs):
            tasks.append(named(PING, "ping %d" % index))
            tasks.append(named(task, "%s %d" % (module, index)))
        for path in (self.task_log, self.rss_log):
            if os.path.exists(path):
                os.unlink(path)
        self.bench.clear()
        output = self.play(tasks)
        log = self.bench.log()
        with open(self.task_log) as handle:
            rows = [json.loads(line) for line in handle]
        ping = [r for r in rows if r["task"].startswith("ping ")]
        mine = [r for r in rows if r["task"].startswith(module + " ")]
        if len(ping) != pairs or len(mine) != pairs or "changed=0" not in output:
            raise SystemExit("%s: expected %d ok no-op tasks of each kind:\n%s" % (module, pairs, output[-3000:]))
        auth = [e for e in log if e["method"] == "POST" and e["path"].endswith("/oauth2/v2.0/token")
                or "openid-configuration" in e["path"] or e["path"].startswith("/metadata/endpoints")]
        memory_pairs = min(pairs, 5)
        self.play(tasks[:2 * memory_pairs], interpreter=self.wrapper)
        with open(self.rss_log) as handle:
            rss = [json.loads(line) for line in handle]
        return dict(
            wall=statistics.median(r["wall"] for r in mine), cpu=statistics.median(r["cpu"] for r in mine),
            ping_wall=statistics.median(r["wall"] for r in ping), ping_cpu=statistics.median(r["cpu"] for r in ping),
            pair_wall=statistics.median(m["wall"] / p["wall"] for m, p in zip(mine, ping)),
            pair_cpu=statistics.median(m["cpu"] / p["cpu"] for m, p in zip(mine, ping)),
            requests=len(log) / float(pairs), auth=len(auth), writes=sum(1 for e in log if e.get("write")),
            rss=max(r["maxrss_kib"] for r in rss if module in r["script"]) / 1024.0,
            ping_rss=max(r["maxrss_kib"] for r in rss if "ping" in r["script"]) / 1024.0,
            module_cpu=statistics.median(r["cpu"] for r in rss if module in r["script"]),
            ping_module_cpu=statistics.median(r["cpu"] for r in rss if "ping" in r["script"]))

    def setup(self, module, setup, task):
        bench = self.bench
        if setup == "SEED_POOL":
            bench.admin("POST", "/config", {"pool_provisioning_duration": 0.2})
            bench.admin("POST", "/seed", {"managedIdentities": [{"name": "id-mdp-cost"}],
                                          "vaults": [{"name": "kv-mdp-cost", "enableRbacAuthorization": True}],
                                          "pools": [{"name": "mdp-cost"}]})
        elif setup:
            bench.run(setup)
        if "CLIENT_ID" in task:
            identities = bench.admin("GET", "/state")["managed_identity"]["managedIdentities"]
            task = task.replace("CLIENT_ID", [i for i in identities if i["name"] == "id-sc-cost"][0]["clientId"])
        bench.run(task)  # makes the resource: every measured task is then a no-op
        return task


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--pairs", type=int, default=20, help="ping/no-op task pairs per module (default 20)")
    parser.add_argument("--modules", default=",".join(MODULES), help="comma-separated module names")
    options = parser.parse_args()
    bench = Bench(["--page-size", "50", "--replication-delay", "0"])
    try:
        cost = CostBench(bench)
        print("== no-op task cost vs ansible.builtin.ping, %d interleaved pairs per module in one run each "
              "(emulator on 127.0.0.1; %s)" % (options.pairs, time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())))
        print("   load average before: %s" % " ".join("%.2f" % x for x in os.getloadavg()))
        print("%-42s %13s %13s %7s %7s %7s %7s %9s %6s %9s %9s" % (
            "module", "wall ms", "cpu ms", "wall x", "cpu x", "pair w", "pair c", "req/task", "auth", "RSS MiB",
            "ping RSS"))
        worst = dict(wall=0.0, cpu=0.0, rss=0.0)
        for module in options.modules.split(","):
            setup, task = MODULES[module]
            task = cost.setup(module, setup, task)
            figures = cost.measure(module, task, options.pairs)
            wall_x = figures["wall"] / figures["ping_wall"]
            cpu_x = figures["cpu"] / figures["ping_cpu"]
            worst = dict(wall=max(worst["wall"], wall_x), cpu=max(worst["cpu"], cpu_x), rss=max(worst["rss"], figures["rss"]))
            print("%-42s %6.0f/%-6.0f %6.0f/%-6.0f %7.2f %7.2f %7.2f %7.2f %9.2f %6d %9.1f %9.1f" % (
                module, 1000 * figures["wall"], 1000 * figures["ping_wall"], 1000 * figures["cpu"],
                1000 * figures["ping_cpu"], wall_x, cpu_x, figures["pair_wall"], figures["pair_cpu"],
                figures["requests"], figures["auth"], figures["rss"], figures["ping_rss"]))
            print("%-42s module process alone: %.0f ms CPU (ping module %.0f ms); writes in the run: %d" % (
                "", 1000 * figures["module_cpu"], 1000 * figures["ping_module_cpu"], figures["writes"]))
        print("columns: wall/cpu = median no-op task / median ping task (ms); x = ratio of medians; pair = median of "
              "per-pair ratios; req/task = requests per no-op task; auth = token + OpenID configuration + cloud "
              "metadata requests in the whole run; RSS = peak of any one module process")
        print("worst: wall %.2fx, cpu %.2fx (target <= 1.3x); peak RSS %.1f MiB (target <= 60 MiB)"
              % (worst["wall"], worst["cpu"], worst["rss"]))
    finally:
        bench.close()


if __name__ == "__main__":
    main()
