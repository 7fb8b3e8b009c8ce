# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (issue 13 item 3): N workload identity connections end to end, sequential vs parallel.

Every connection is the whole flow (identity, draft, federated credential, role, finish, pipeline authorization)
against the emulator with realistic latency injected per kind of call (``latency_by_kind``: about 100 ms per
request, seconds for a federated credential write, a role assignment and a connection's verification). It runs
playbooks/workload_identity_service_connection.yml (one process, items one after another) and
playbooks/workload_identity_service_connection_parallel.yml with --forks F, each on its own fresh set of names,
each followed by its no-op re-run, then a parallel run with 429s injected on 5% of the requests (seeded),
and checks that every run made exactly one identity, one credential, one role assignment and one ready
connection per item (nothing lost, nothing duplicated). It prints figures and asserts nothing about speed.

    make bench                       # every benchmark
    python tests/benchmarks/bench_parallel.py [N] [FORKS] [SEQUENTIAL_N]

SEQUENTIAL_N (default N) lets the sequential run use fewer items when time is short: its per-connection time
is then scaled to N, and the output says so.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import BIN, Bench  # noqa: E402  pylint: disable=wrong-import-position
from collection_path import REPO  # noqa: E402  pylint: disable=wrong-import-position

LATENCY = {"token": 0.1, "metadata": 0.1, "arm_read": 0.1, "arm_write": 0.2, "graph_read": 0.1, "graph_write": 0.2,
           "azdo_read": 0.1, "azdo_write": 0.2, "fic_write": 2.0, "role_assignment_write": 2.0,
           "endpoint_verify": 3.0}


def run_playbook(bench, playbook, items, forks, check=False):
    info = bench.info
    env = dict(bench.env, AZURE_CLIENT_ID=info["client_id"], AZURE_CLIENT_SECRET=info["client_secret"],
               AZURE_TENANT_ID=info["tenant_id"], AZURE_SUBSCRIPTION_ID=info["subscription_id"])
    variables = {
        "azdo_identity_auth_source": "env", "azdo_identity_organization_url": info["organization_url"],
        "azdo_identity_cloud_environment": info["base_url"],
        "workload_identity_service_connection_defaults": {
            "project": info["project_name"], "environment": "AzureCloud",
            "identity": {"resource_group": info["resource_group"]}, "resource_group": info["resource_group"],
            "pipeline_permissions": {"pipelines": ["pipeline-1"]}},
        "workload_identity_service_connection_items": items,
    }
    path = os.path.join(bench.workdir, "vars-%d.json" % time.monotonic_ns())
    with open(path, "w") as handle:
        json.dump(variables, handle)
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "--forks", str(forks),
           os.path.join(REPO, "playbooks", playbook), "-e", "@" + path] + (["--check"] if check else [])
    bench.clear()
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (playbook, done.stdout[-5000:]))
    log = bench.log()
    return dict(seconds=seconds, requests=len(log), writes=sum(1 for e in log if e.get("write")),
                throttled=sum(1 for e in log if e.get("status") == 429),
                kinds=collections.Counter(e.get("kind", "?") for e in log))


def check_made(bench, names):
    """Exactly one identity, credential, role assignment and ready connection per name."""
    state = bench.admin("GET", "/state")
    endpoints = collections.Counter(e["name"] for e in state["azdo"]["serviceEndpoints"])
    ready = set(e["name"] for e in state["azdo"]["serviceEndpoints"] if e["ready"])
    identities = dict((i["name"], i) for i in state["managed_identity"]["managedIdentities"])
    problems = []
    for name in names:
        identity = identities.get("id-" + name)
        if endpoints[name] != 1 or name not in ready:
            problems.append("%s: %d connection(s), ready=%s" % (name, endpoints[name], name in ready))
        if identity is None:
            problems.append("%s: no identity" % name)
            continue
        fics = identity.get("federatedIdentityCredentials") or []
        grants = [a for a in state["roleAssignments"] if a["principalId"] == identity["principalId"]]
        if len(fics) != 1 or len(grants) != 1:
            problems.append("%s: %d credential(s), %d role assignment(s)" % (name, len(fics), len(grants)))
    return problems


def show(title, figures, count):
    print("%-34s %7.1f s  %6.2f s/connection  %5.1f requests and %4.1f writes per connection  %d throttled"
          % (title, figures["seconds"], figures["seconds"] / count, figures["requests"] / float(count),
             figures["writes"] / float(count), figures["throttled"]))


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    forks = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    sequential_count = int(sys.argv[3]) if len(sys.argv) > 3 else count
    bench = Bench(["--replication-delay", "0"])
    try:
        bench.admin("POST", "/config", {"latency_by_kind": LATENCY})
        print("latency per kind of call (s): %s" % json.dumps(LATENCY, sort_keys=True))

        names = ["bench-seq-%03d" % n for n in range(sequential_count)]
        sequential = run_playbook(bench, "workload_identity_service_connection.yml", [{"name": n} for n in names], 1)
        show("sequential (%d connections)" % sequential_count, sequential, sequential_count)
        problems = check_made(bench, names)
        sequential_noop = run_playbook(bench, "workload_identity_service_connection.yml", [{"name": n} for n in names], 1)
        show("sequential no-op re-run", sequential_noop, sequential_count)

        names = ["bench-par-%03d" % n for n in range(count)]
        parallel = run_playbook(bench, "workload_identity_service_connection_parallel.yml", [{"name": n} for n in names],
                                forks)
        show("parallel, --forks %d (%d connections)" % (forks, count), parallel, count)
        problems += check_made(bench, names)
        noop = run_playbook(bench, "workload_identity_service_connection_parallel.yml", [{"name": n} for n in names],
                            forks)
        show("parallel no-op re-run", noop, count)

        bench.admin("POST", "/faults", {"status": 429, "retry_after": 1, "probability": 0.05, "seed": 7, "count": None})
        names = ["bench-429-%03d" % n for n in range(count)]
        throttled = run_playbook(bench, "workload_identity_service_connection_parallel.yml",
                                 [{"name": n} for n in names], forks)
        bench.admin("DELETE", "/faults")
        show("parallel with 5% 429s", throttled, count)
        problems += check_made(bench, names)

        per_sequential = sequential["seconds"] / sequential_count
        print("speed-up, --forks %d vs sequential (per connection): %.1fx (target >= 6x)"
              % (forks, per_sequential / (parallel["seconds"] / count)))
        if sequential_count != count:
            print("  (sequential measured on %d connections and scaled to %d: %.0f s)"
                  % (sequential_count, count, per_sequential * count))
        print("no-op re-run: %d writes (target 0), %.0f%% of the first run's time (target <= 33%%); sequential: %d "
              "writes, %.0f%%" % (noop["writes"], 100.0 * noop["seconds"] / parallel["seconds"], sequential_noop["writes"],
                                  100.0 * sequential_noop["seconds"] / sequential["seconds"]))
        print("nothing lost or duplicated: %s" % ("yes" if not problems else "NO\n  " + "\n  ".join(problems[:20])))
    finally:
        bench.close()


if __name__ == "__main__":
    main()
