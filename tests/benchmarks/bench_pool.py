# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what a managed_devops_pool_identity task costs, printed as figures (not a test).

* HTTP requests (and writes) per no-op task, real and check mode, by kind of request, from the emulator's log;
* the requests of the first (changing) run, for comparison;
* the wall time of a no-op task next to ansible.builtin.ping, measured the same way (benchlib).

Run: make bench
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Bench, print_requests  # noqa: E402  pylint: disable=wrong-import-position

POOL_TASK = """azdo.identity.managed_devops_pool_identity:
  pool: mdp-bench
  resource_group: "{{ emulator.resource_group }}"
  subscription_id: "{{ emulator.subscription_id }}"
  identity: id-mdp-bench
  key_vault: kv-mdp-bench
  certificates: [https://kv-mdp-bench.vault.azure.net/secrets/signing]
"""
PING_TASK = "ansible.builtin.ping:\n"


def main():
    bench = Bench(["--page-size", "50", "--replication-delay", "0"])
    try:
        bench.admin("POST", "/config", {"pool_provisioning_duration": 0.2})
        bench.admin("POST", "/seed", {"managedIdentities": [{"name": "id-mdp-bench"}],
                                      "vaults": [{"name": "kv-mdp-bench", "enableRbacAuthorization": True}],
                                      "pools": [{"name": "mdp-bench"}]})
        first = bench.measure(POOL_TASK)
        if first["changed"] != 1:
            raise SystemExit("the first run did not change the pool")
        print("== managed_devops_pool_identity benchmark (emulator on 127.0.0.1)")
        print("first (changing) run: %d requests, %d writes, %.2fs for the play (LRO of 0.2s, Retry-After 1s)"
              % (first["requests"], first["writes"], first["seconds"]))
        for kind, count in sorted(first["kinds"].items()):
            print("    %d  %s" % (count, kind))
        print_requests("managed_devops_pool_identity", bench.requests_per_task(POOL_TASK, 12),
                       "pool GET, vault GET (permission model, vault URI), role definition GET, role assignment GET; "
                       "the identity is read from the pool, not from Microsoft.ManagedIdentity")
        print_requests("managed_devops_pool_identity --check", bench.requests_per_task(POOL_TASK, 12, check=True))
        noop = bench.seconds_per_task(POOL_TASK, small=2, large=12)
        ping = bench.seconds_per_task(PING_TASK, small=2, large=12)
        print("per-task wall time: no-op %.3fs, ansible.builtin.ping %.3fs, ratio %.2f"
              % (noop, ping, noop / ping if ping else float("nan")))
    finally:
        bench.close()


if __name__ == "__main__":
    main()
