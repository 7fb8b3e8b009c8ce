# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new client secret never reaches the output unless the user hid the task (issue 10, item 1).

Failed on f86db6e: app_registration returned ``secret_text`` with ``_ansible_no_log``, a reserved key that
ansible-core strips from results, so a task without ``no_log`` printed the value at -v. Now such a task fails
before any write, and a ``no_log`` task's value appears nowhere in the -vvvv --diff output. The same through
ansible-runner (job events and artifacts) is in tests/awx/test_awx_secret.py.
"""

from __future__ import annotations


def app_secrets(admin, name):
    """Every secret value the emulator holds for the app called ``name``."""
    return [s["value"] for a in admin.state()["applications"] if a["displayName"] == name
            for s in a.get("secrets") or []]


def test_a_task_that_is_not_no_log_is_refused_before_any_write(run_playbook, admin):
    name = "app-secret-visible"
    for check in (True, False):
        admin.clear_requests()
        done = run_playbook("secret_output.yml", extra_vars={"app_name": name, "hide": False}, check=check, diff=True,
                            expect_rc=2, args=["-vvvv"])
        assert "no_log: true" in done.stdout and "Nothing was changed" in done.stdout, done.stdout[-3000:]
        assert admin.writes() == []
    assert app_secrets(admin, name) == []


def test_a_no_log_task_keeps_the_value_out_of_the_output(run_playbook, admin):
    name = "app-secret-hidden"
    runs = []
    for rotate in (False, True):  # a rotation returns a new value again
        done = run_playbook("secret_output.yml", extra_vars={"app_name": name, "hide": True, "rotate": rotate},
                            diff=True, args=["-vvvv"])
        values = app_secrets(admin, name)
        assert len(values) == 1  # one secret with that label: the rotation replaced it
        runs.append((done.stdout, values[0]))
    assert runs[0][1] != runs[1][1]
    for out, value in runs:
        assert "changed=1" in out and "'no_log: true' was specified for this result" in out
        assert value not in out and value[:12] not in out
