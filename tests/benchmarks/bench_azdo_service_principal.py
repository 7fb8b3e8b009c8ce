# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: requests per no-op azdo_service_principal task, and per entra_token lookup.

Scenarios: the emulator's own member (access level only); a member with two project entitlements named by
project name; the same with 120 members added after it, and a member added behind them (two Graph pages). Each runs 10 times as
a no-op (real and --check); the figures come from the emulator's request log. Run: make bench
"""

from __future__ import annotations

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Bench, print_requests  # noqa: E402  pylint: disable=wrong-import-position

SEEDED = """azdo.identity.azdo_service_principal:
  organization_url: "{{ emulator.organization_url }}"
  principal_id: "{{ emulator.principal_id }}"
  access_level: basic
"""
WITH_PROJECTS = """azdo.identity.azdo_service_principal:
  organization_url: "{{ emulator.organization_url }}"
  principal_id: "PRINCIPAL"
  access_level: stakeholder
  project_entitlements:
    - project: "{{ emulator.project_name }}"
      group: reader
    - project: sp-bench-project
      group: contributor
  purge_project_entitlements: true
"""
LOOKUP = """ansible.builtin.set_fact:
  bench_token: "{{ lookup('azdo.identity.entra_token', auth_source='credential', client_id=emulator.client_id,
                   secret=emulator.client_secret, tenant=emulator.tenant_id, cloud_environment=emulator.base_url,
                   ca_path=emulator.ca_path) }}"
no_log: true
"""


def seed_member(bench, name, projects):
    principal = str(uuid.uuid4())
    bench.admin("POST", "/seed", {"principals": [{"id": principal, "type": "ServicePrincipal", "displayName": name}],
                                  "azdoServicePrincipals": [{"originId": principal, "accessLevel": "stakeholder",
                                                             "projectEntitlements": projects}]})
    return principal


def main():
    bench = Bench()
    try:
        print("== azdo_service_principal: requests per no-op task (emulator on 127.0.0.1)")
        print_requests("seeded member, access level only", bench.requests_per_task(SEEDED, 10),
                       "1 Graph list page + 1 storage key + 1 entitlement GET (+ token, tenant discovery, metadata)")
        print_requests("seeded member --check", bench.requests_per_task(SEEDED, 10, check=True))

        bench.admin("POST", "/seed", {"projects": [{"name": "sp-bench-project"}]})
        projects = [{"project": bench.info["project_name"], "group": "projectReader"},
                    {"project": "sp-bench-project", "group": "projectContributor"}]
        task = WITH_PROJECTS.replace("PRINCIPAL", seed_member(bench, "sp-bench", projects))
        bench.run(task)
        print_requests("member with 2 projects by name, purge", bench.requests_per_task(task, 10),
                       "the same 3: projects are matched by name in the entitlement, not looked up")
        print_requests("member with 2 projects by name, purge --check", bench.requests_per_task(task, 10, check=True))

        for index in range(120):
            seed_member(bench, "sp-filler-%d" % index, [])
        print_requests("same, 120 members added after it (Graph page size 100)", bench.requests_per_task(task, 10),
                       "unchanged: the Graph list stops at the page that has the member")
        late = WITH_PROJECTS.replace("PRINCIPAL", seed_member(bench, "sp-bench-late", projects))
        print_requests("a member behind 120 others", bench.requests_per_task(late, 10),
                       "one more Graph page")

        print("== entra_token lookup: requests per lookup")
        print_requests("entra_token (credential, custom cloud)", bench.requests_per_task(LOOKUP, 10),
                       "cloud metadata + tenant discovery + 1 token request")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
