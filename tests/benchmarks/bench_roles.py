# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: each role's first run and its no-op re-run against the emulator - wall time (whole
ansible-playbook process), HTTP requests and writes from the request log, and the no-op requests
next to the minimum reads the role needs. Run: make bench
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Bench  # noqa: E402  pylint: disable=wrong-import-position

ROLES = [
    ("workload_identity_service_connection", """ansible.builtin.include_role:
  name: azdo.identity.workload_identity_service_connection
vars:
  workload_identity_service_connection_items:
    - name: sc-bench-mi
      project: "{{ emulator.project_name }}"
      subscription_id: "{{ emulator.subscription_id }}"
      resource_group: "{{ emulator.resource_group }}"
      identity: {resource_group: "{{ emulator.resource_group }}"}
      pipeline_permissions: {pipelines: [pipeline-1]}
""", "identity GET; connection lookup (x2: draft step, finish step); credential list; role definition + "
     "assignment GET; project GET (x2); pipeline list + permission GET"),
    ("app_registration_service_connection", """ansible.builtin.include_role:
  name: azdo.identity.app_registration_service_connection
vars:
  app_registration_service_connection_items:
    - name: sc-bench-app
      project: "{{ emulator.project_name }}"
      subscription_id: "{{ emulator.subscription_id }}"
""", "app by uniqueName + service principal GET; connection lookup (x2); app GET + credential list; "
     "role definition + assignment GET; project GET (x2)"),
    ("secret_service_connection", """ansible.builtin.include_role:
  name: azdo.identity.secret_service_connection
vars:
  secret_service_connection_items:
    - name: sc-bench-secret
      project: "{{ emulator.project_name }}"
      subscription_id: "{{ emulator.subscription_id }}"
""", "connection lookup (x2); app by uniqueName + service principal GET; role definition + assignment GET; "
     "project GET (x2)"),
    ("azdo_service_principal", """ansible.builtin.include_role:
  name: azdo.identity.azdo_service_principal
vars:
  azdo_service_principal_items:
    - name: bench-bot
      managed_identity: {name: id-bench-bot, resource_group: "{{ emulator.resource_group }}",
                         subscription_id: "{{ emulator.subscription_id }}"}
      access_level: basic
""", "identity GET; Graph subject list + storage key + entitlement GET"),
    ("service_connection_conversion", """ansible.builtin.include_role:
  name: azdo.identity.service_connection_conversion
vars:
  service_connection_conversion_projects: ["{{ emulator.project_name }}"]
  service_connection_conversion_include: ["^sc-automatic-spn$"]
""", "project GET + connection list (the converted connection is then skipped without a request)"),
]


def main():
    bench = Bench(["--replication-delay", "0"])
    try:
        print("== roles: first run and no-op re-run (emulator on 127.0.0.1; each module process also reads the "
              "cloud metadata and gets a token)")
        print("%-40s %9s %8s %7s | %9s %8s %7s" % ("role", "first s", "requests", "writes", "no-op s", "requests",
                                                   "writes"))
        for name, task, minimum in ROLES:
            first = bench.measure(task)
            again = bench.measure(task)
            figures = (name, first["seconds"], first["requests"], first["writes"], again["seconds"], again["requests"],
                       again["writes"])
            print("%-40s %9.2f %8d %7d | %9.2f %8d %7d" % figures)
            arm_graph_azdo = sum(v for k, v in again["services"].items() if k in ("arm", "graph", "azdo"))
            print("    no-op: changed=%s; %d API reads (%s), %d token/metadata requests; minimum reads: %s"
                  % (again["changed"], arm_graph_azdo,
                     ", ".join("%s %d" % (k, v) for k, v in sorted(again["services"].items())),
                     again["requests"] - arm_graph_azdo, minimum))
    finally:
        bench.close()


if __name__ == "__main__":
    main()
