# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: requests per no-op azdo_service_connection / _info task (a ready workload identity
connection with pipeline authorization), from the emulator's request log. Run: make bench
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Bench, print_requests  # noqa: E402  pylint: disable=wrong-import-position

SETUP = """ansible.builtin.include_role:
  name: azdo.identity.workload_identity_service_connection
vars:
  workload_identity_service_connection_items:
    - name: sc-bench
      project: "{{ emulator.project_name }}"
      subscription_id: "{{ emulator.subscription_id }}"
      identity: {name: id-sc-bench, resource_group: "{{ emulator.resource_group }}"}
"""
CONNECTION = """azdo.identity.azdo_service_connection:
  project: "{{ emulator.project_name }}"
  name: sc-bench
  identity_client_id: "CLIENT_ID"
  subscription_id: "{{ emulator.subscription_id }}"
"""
WITH_PIPELINES = CONNECTION + """  pipeline_permissions:
    pipelines: [pipeline-1]
"""
INFO = """azdo.identity.azdo_service_connection_info:
  project: "{{ emulator.project_name }}"
  scheme: service_principal
"""


def main():
    bench = Bench(["--replication-delay", "0"])
    try:
        bench.run(SETUP)
        identities = bench.admin("GET", "/state")["managed_identity"]["managedIdentities"]
        client_id = [i for i in identities if i["name"] == "id-sc-bench"][0]["clientId"]
        print("== azdo_service_connection: requests per no-op task (emulator on 127.0.0.1)")
        bench.run(WITH_PIPELINES.replace("CLIENT_ID", client_id))
        print_requests("azdo_service_connection", bench.requests_per_task(CONNECTION.replace("CLIENT_ID", client_id)),
                       "project GET + lookup by name (+ token, tenant discovery, cloud metadata)")
        print_requests("azdo_service_connection with pipeline_permissions",
                       bench.requests_per_task(WITH_PIPELINES.replace("CLIENT_ID", client_id)),
                       "+ pipeline list (names given) + permission GET")
        print_requests("azdo_service_connection_info", bench.requests_per_task(INFO), "project GET + one list")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
