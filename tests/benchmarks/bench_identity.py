# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: requests per no-op task for managed_identity, managed_identity_federation and app_registration.

Each scenario runs once to create its object, then 10 times as a no-op (real and --check);
the figures come from the emulator's request log. Run: make bench
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Bench, print_requests  # noqa: E402  pylint: disable=wrong-import-position

IDENTITY = """azdo.identity.managed_identity:
  name: id-bench
  resource_group: "{{ emulator.resource_group }}"
  subscription_id: "{{ emulator.subscription_id }}"
  tags: {team: bench}
"""
FEDERATION = """azdo.identity.managed_identity_federation:
  identity: id-bench
  resource_group: "{{ emulator.resource_group }}"
  subscription_id: "{{ emulator.subscription_id }}"
  name: sc-bench
  issuer: "https://login.microsoftonline.com/{{ emulator.tenant_id }}/v2.0"
  subject: /eid1/c/pub/t/bench/sc/bench
"""
APP = """azdo.identity.app_registration:
  display_name: app-bench
  unique_name: app-bench
  client_secret:
    display_name: azure-devops
"""
APP_FEDERATION = """azdo.identity.managed_identity_federation:
  application: "APP_ID"
  name: sc-bench
  issuer: "https://login.microsoftonline.com/{{ emulator.tenant_id }}/v2.0"
  subject: /eid1/c/pub/t/bench/sc/app
"""

SCENARIOS = [
    ("managed_identity", IDENTITY, "1 identity GET (+ token, tenant discovery, cloud metadata)"),
    ("managed_identity_federation (identity)", FEDERATION, "1 credential list"),
    ("app_registration (with secret)", APP, "1 app lookup by uniqueName + 1 service principal GET"),
    ("managed_identity_federation (app)", APP_FEDERATION, "1 app GET + 1 credential list"),
]


def main():
    bench = Bench()
    try:
        print("== identity modules: requests per no-op task (emulator on 127.0.0.1)")
        for title, task, minimum in SCENARIOS:
            if task is APP_FEDERATION:
                app = bench.session.get(bench.info["base_url"] + "/v1.0/applications(uniqueName='app-bench')",
                                        headers={"Authorization": "Bearer " + token(bench)}, timeout=30,
                                        verify=bench.info["ca_path"]).json()
                task = task.replace("APP_ID", app["appId"])
            bench.run(task)  # first run makes the object
            print_requests(title, bench.requests_per_task(task, 10), minimum)
            print_requests(title + " --check", bench.requests_per_task(task, 10, check=True))
    finally:
        bench.close()


def token(bench):
    info = bench.info
    # verify per call: REQUESTS_CA_BUNDLE in the environment would override Session.verify
    response = bench.session.post("%s/%s/oauth2/v2.0/token" % (info["base_url"], info["tenant_id"]), timeout=30,
                                  verify=info["ca_path"],
                                  data=dict(grant_type="client_credentials", client_id=info["client_id"],
                                            client_secret=info["client_secret"], scope=info["base_url"] + "/.default"))
    return response.json()["access_token"]


if __name__ == "__main__":
    main()
