# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 13, target 2: one token and one cloud metadata read per run, reused by later tasks; not by another run.

Before the run cache every task of these plays sent its own metadata, OpenID configuration and token
requests (3 tasks: 3 of each).
"""

from __future__ import annotations

import os
import re

TASKS = 3
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
TASK = """    - name: Read the role assignments of the resource group ({n})
      azdo.identity.role_assignment_info:
        scope: "/subscriptions/{{{{ emulator.subscription_id }}}}/resourceGroups/{{{{ emulator.resource_group }}}}"
        include: at_scope
"""
JWT_START = "eyJ0eXAi"  # base64 of '{"typ"': the start of every token the emulator issues


def kinds(log):
    token = [e for e in log if e["method"] == "POST" and e["path"].endswith("/oauth2/v2.0/token")]
    openid = [e for e in log if "openid-configuration" in e["path"]]
    metadata = [e for e in log if e["path"].startswith("/metadata/endpoints")]
    return dict(token=len(token), openid=len(openid), metadata=len(metadata))


def play(tmp_path):
    path = tmp_path / "run-cache.yml"
    path.write_text(PLAY.format(tasks="".join(TASK.format(n=n) for n in range(TASKS))))
    return str(path)


def run(run_playbook, ansible_env, tmp_path, admin, extra_env=None):
    """One ansible-playbook run with its own ANSIBLE_LOCAL_TEMP; the request counts by kind."""
    local_tmp = tmp_path / "local-tmp"
    local_tmp.mkdir(exist_ok=True)
    extra = dict(extra_env or {}, ANSIBLE_LOCAL_TEMP=str(local_tmp))
    saved = dict((k, ansible_env.get(k)) for k in extra)
    ansible_env.update(extra)  # the session's environment dict, which run_playbook hands to ansible-playbook
    admin.clear_requests()
    try:
        done = run_playbook(play(tmp_path), args=("-vvv",))
    finally:
        for key, value in saved.items():
            if value is None:
                ansible_env.pop(key, None)
            else:
                ansible_env[key] = value
    return done, kinds(admin.requests()), local_tmp


def test_later_tasks_send_no_token_or_metadata_request(run_playbook, ansible_env, admin, tmp_path):
    done, first, local_tmp = run(run_playbook, ansible_env, tmp_path, admin)
    assert re.search(r"ok=%d\s+changed=0\s+unreachable=0\s+failed=0" % TASKS, done.stdout), done.stdout[-3000:]
    assert first == dict(token=1, openid=1, metadata=1), first
    # Neither the token nor the run's key shows up, even at -vvv; and the cache went away with the run.
    assert JWT_START not in done.stdout
    assert "AZDO_IDENTITY_RUN_KEY" not in done.stdout
    assert os.listdir(str(local_tmp)) == []

    # Another run of the same user gets its own token: it cannot pick up the first run's.
    done, second, local_tmp = run(run_playbook, ansible_env, tmp_path, admin)
    assert second == first, second


def test_token_cache_can_be_turned_off(run_playbook, ansible_env, admin, tmp_path):
    done, counts, local_tmp = run(run_playbook, ansible_env, tmp_path, admin,
                                  extra_env=dict(AZDO_IDENTITY_TOKEN_CACHE="false"))
    assert counts == dict(token=TASKS, openid=TASKS, metadata=TASKS), counts
