# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the issuer_migration role over an organization of 200 connections (issue 12, "Scale").

Seeds the emulator's ``issuerFleet`` (10 projects x 20 connections cycling every kind: convertible, hand-off,
out of scope, already on Entra, secret-based), runs the role, then runs it again (no-op), and prints wall time,
requests and writes per connection from the emulator's request log. Latency per request and the verification
time Azure DevOps takes after a move are injected (issue 12: 100 ms, a few seconds). It prints figures and
asserts nothing about speed. Run: make bench, or alone:

    PYTHONPATH=tests .venv/bin/python tests/benchmarks/bench_issuer_migration.py

Environment: BENCH_ISSUER_PROJECTS (10), BENCH_ISSUER_PER_PROJECT (20), BENCH_ISSUER_LATENCY (0.1 s per request),
BENCH_ISSUER_VERIFY_SECONDS (3 s of isReady false after each move).
"""

from __future__ import annotations

import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Bench, operation  # noqa: E402  pylint: disable=wrong-import-position

PROJECTS = int(os.environ.get("BENCH_ISSUER_PROJECTS", "10"))
PER_PROJECT = int(os.environ.get("BENCH_ISSUER_PER_PROJECT", "20"))
LATENCY = float(os.environ.get("BENCH_ISSUER_LATENCY", "0.1"))
VERIFY_SECONDS = float(os.environ.get("BENCH_ISSUER_VERIFY_SECONDS", "3"))

TASK = """ansible.builtin.include_role:
  name: azdo.identity.issuer_migration
vars:
  issuer_migration_projects: {projects}
  issuer_migration_report_dir: {report_dir}
"""


def figures(bench, task, total, label):
    """Run the role once; print and return its figures (and the request log, for a closer look)."""
    result = bench.measure(task)
    result["log"] = bench.log()
    print("%-10s %8.1f s  %6.2f s/conn  %7d requests (%5.2f/conn)  %5d writes (%5.2f/conn)  changed=%s"
          % (label, result["seconds"], result["seconds"] / total, result["requests"], result["requests"] / float(total),
             result["writes"], result["writes"] / float(total), result["changed"]))
    return result


def main():
    bench = Bench(["--replication-delay", "0", "--latency", str(LATENCY)])
    try:
        bench.admin("POST", "/config", {"azdo_convert_async": VERIFY_SECONDS > 0,
                                        "azdo_convert_seconds": VERIFY_SECONDS or 1.0})
        fleet = bench.admin("POST", "/seed", {"issuerFleet": [{"projects": PROJECTS, "perProject": PER_PROJECT,
                                                               "prefix": "bench"}]})["issuerFleet"][0]
        total = len(fleet["connections"])
        kinds = collections.Counter("locked" if c["locked"] else ("entra" if c["issuerKind"] == "entra" else
                                                                  ("out of scope" if c["outOfScope"] or not c["issuerKind"]
                                                                   else "convertible"))
                                    for c in fleet["connections"])
        report_dir = os.path.join(bench.workdir, "report")
        task = TASK.format(projects=json.dumps(fleet["projects"]), report_dir=json.dumps(report_dir))
        print("== issuer_migration: %d connections in %d projects (%s); %.0f ms latency per request, %.0f s "
              "verification per move" % (total, PROJECTS, ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())),
                                         LATENCY * 1000, VERIFY_SECONDS))
        first = figures(bench, task, total, "first run")
        first_log_kinds = first["kinds"]
        again = figures(bench, task, total, "re-run")
        with open(os.path.join(report_dir, "issuer-migration.json")) as handle:
            report = json.load(handle)
        print("re-run outcomes: %s" % report["counts"])
        handed_off = [c["id"] for c in report["connections"] if c["action"] == "handoff"]
        writes = [e for e in again["log"] if e.get("write")]
        retries = [e for e in writes if any(i in (e.get("path") or "") for i in handed_off)]
        print("re-run writes: %d; %d of them for the %d hand-offs (the conversion request sent again, and the credential "
              "tried again on identities in this tenant; refused until the identity's owner acts); any other write: %d"
              % (len(writes), len(retries), len(handed_off), len(writes) - len(retries)))
        for kind, count in sorted(collections.Counter("%s %s" % (operation(e), e.get("status")) for e in writes).items()):
            print("    %6d  %s" % (count, kind))
        print("first run, requests by kind:")
        for kind, count in sorted(first_log_kinds.items(), key=lambda kv: -kv[1])[:14]:
            print("    %6d  %s" % (count, kind))
        print("re-run, requests by kind:")
        for kind, count in sorted(again["kinds"].items(), key=lambda kv: -kv[1])[:10]:
            print("    %6d  %s" % (count, kind))
    finally:
        bench.close()


if __name__ == "__main__":
    main()
