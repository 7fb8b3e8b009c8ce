# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/workload_identity_service_connection_parallel.yml: one host per connection, --forks at a time.

Issue 13 item 3: many items at once, as users would run the playbook (credentials from the environment).
The speed-up itself is measured by tests/benchmarks/bench_parallel.py, not asserted here.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import uuid

from collection_path import REPO

BIN = os.path.dirname(sys.executable)


def run(ansible_env, emulator, items, forks=4, extra=()):
    env = dict(ansible_env, AZURE_CLIENT_ID=emulator["client_id"], AZURE_CLIENT_SECRET=emulator["client_secret"],
               AZURE_TENANT_ID=emulator["tenant_id"], AZURE_SUBSCRIPTION_ID=emulator["subscription_id"])
    variables = {
        "azdo_identity_auth_source": "env", "azdo_identity_organization_url": emulator["organization_url"],
        "azdo_identity_cloud_environment": emulator["base_url"],
        "workload_identity_service_connection_defaults": {
            "project": emulator["project_name"], "environment": "AzureCloud",
            "identity": {"resource_group": emulator["resource_group"]}, "role_assignments": []},
        "workload_identity_service_connection_items": items,
    }
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "--forks", str(forks),
           os.path.join("playbooks", "workload_identity_service_connection_parallel.yml"), "-e", json.dumps(variables)]
    return subprocess.run(cmd + list(extra), env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=900, check=False)


def endpoints(admin, names):
    return dict((e["name"], e) for e in admin.state()["azdo"]["serviceEndpoints"] if e["name"] in names)


def test_every_connection_gets_its_own_host_and_ends_ready(ansible_env, emulator, admin):
    key = uuid.uuid4().hex[:6]
    names = ["sc par %s %d" % (key, n) for n in range(6)]  # spaces: derived identity names must stay valid
    done = run(ansible_env, emulator, [{"name": name} for name in names])
    assert done.returncode == 0, done.stdout[-6000:]
    for name in names:
        assert "%s/%s" % (emulator["project_name"], name) in done.stdout  # a host per connection in the recap
    found = endpoints(admin, names)
    assert sorted(found) == sorted(names) and all(e["ready"] for e in found.values())
    admin.clear_requests()
    again = run(ansible_env, emulator, [{"name": name} for name in names])
    assert again.returncode == 0 and "changed=1" not in again.stdout and "changed=2" not in again.stdout, again.stdout[-4000:]
    # The re-run finds everything in place before any host exists: no host, no write (before the drift check,
    # every host ran all of its steps again, 79% of the first run's time at 200 connections).
    assert "All 6 connection(s) are in their desired state" in again.stdout and admin.writes() == []
    assert not any("%s/%s" % (emulator["project_name"], name) in again.stdout for name in names), again.stdout[-4000:]
    # Each host reads its own connection, never the whole project's list: with hundreds of hosts, one list per
    # host grew with the square of the number of connections (failed on ad5bb03: every host listed the project).
    lists = [r for r in admin.requests()
             if r["method"] == "GET" and r["path"].endswith("/_apis/serviceendpoint/endpoints")]
    assert lists and all(r["query"].get("endpointNames") for r in lists), [r["query"] for r in lists]


def test_a_bad_item_stops_everything_before_the_first_write(ansible_env, emulator, admin):
    admin.clear_requests()
    key = uuid.uuid4().hex[:6]
    done = run(ansible_env, emulator, [{"name": "sc-par-ok-" + key}, {"name": "sc-par-bad-" + key, "project": ""}])
    assert done.returncode != 0
    assert "project is required" in done.stdout
    assert admin.writes() == []


def test_only_the_connections_that_need_work_get_a_host_and_check_mode_writes_nothing(ansible_env, emulator, admin):
    key = uuid.uuid4().hex[:6]
    names = ["sc par some %s %d" % (key, n) for n in range(3)]  # spaces: each must still get its own host
    assert run(ansible_env, emulator, [{"name": name} for name in names[:2]]).returncode == 0
    admin.clear_requests()
    items = [{"name": names[0]}, {"name": names[1], "description": "changed"}, {"name": names[2]}]
    check = run(ansible_env, emulator, items, extra=["--check", "--diff"])
    assert check.returncode == 0, check.stdout[-6000:]
    assert admin.writes() == []
    assert "2 of 3 connection(s) need work" in check.stdout
    project = emulator["project_name"]
    assert "%s/%s" % (project, names[0]) not in check.stdout  # in place: no host
    for name in names[1:]:
        assert "%s/%s" % (project, name) in check.stdout
    done = run(ansible_env, emulator, items)
    assert done.returncode == 0, done.stdout[-6000:]
    assert endpoints(admin, names[1:2])[names[1]]["description"] == "changed"


def test_a_connection_the_role_would_refuse_stops_everything_before_the_first_write(ansible_env, emulator, admin):
    key = uuid.uuid4().hex[:6]
    taken = "sc-par-taken-" + key
    assert run(ansible_env, emulator, [{"name": taken}]).returncode == 0
    admin.clear_requests()
    # the same connection, now asked to use another identity the item does not allow it to change to
    done = run(ansible_env, emulator, [{"name": "sc-par-new-" + key}, {"name": taken, "identity": {"name": "id-other-" + key}}])
    assert done.returncode != 0
    assert "Nothing was changed" in done.stdout and "allow_identity_change" in done.stdout and taken in done.stdout
    assert admin.writes() == []


def test_the_connections_are_wired_at_the_same_time(ansible_env, emulator, admin):
    """The hosts really run side by side: their slow federated credential writes overlap in time.

    Failed on bf97cfb: the second play ran the role's per-item include_tasks under the linear strategy, which
    gives every host its own copy of the included tasks and then runs them host after host (bench_parallel:
    11.9 s per connection with --forks 10, as slow as one process). The play now uses the free strategy.
    """
    admin.clear_requests()
    admin.config(latency_by_kind={"fic_write": 1.5})
    try:
        key = uuid.uuid4().hex[:6]
        done = run(ansible_env, emulator, [{"name": "sc-conc-%s-%d" % (key, n)} for n in range(3)], forks=3)
    finally:
        admin.config(latency_by_kind={})
    assert done.returncode == 0, done.stdout[-6000:]
    spans = []
    for entry in admin.requests():
        if entry.get("kind") == "fic_write":
            end = datetime.datetime.fromisoformat(entry["time"]).timestamp()
            spans.append((end - entry["duration_ms"] / 1000.0, end))
    assert len(spans) == 3, spans
    spans.sort()
    overlapping = sum(1 for before, after in zip(spans, spans[1:]) if after[0] < before[1])
    assert overlapping >= 1, "the three credential writes ran one after another: %s" % spans
