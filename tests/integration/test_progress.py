# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 10 item 12: progress is shown while a task waits, and a retry that succeeded is no warning.

On f86db6e progress was a module warning: ``[WARNING]: GET ... answered 503; retrying ...`` printed once the task
had ended, and no ``[localhost]`` progress line existed, so both tests below failed there.
"""

from __future__ import annotations

import uuid


def _run(run_playbook, admin, emulator, verbosity=()):
    name = "id-progress-" + uuid.uuid4().hex[:8]
    # Retry-After 5: the REST core reports waits of 5 s or more (shorter ones are not worth a line).
    admin.add_fault(method="GET", path="userAssignedIdentities/" + name, service="arm", status=503, retry_after=5,
                    count=1)
    done = run_playbook("progress.yml", extra_vars={"identity_name": name}, args=verbosity)
    return done.stdout.splitlines()


def test_progress_is_printed_before_the_task_result_and_is_not_a_warning(run_playbook, admin, emulator):
    lines = _run(run_playbook, admin, emulator)
    progress = [i for i, line in enumerate(lines) if line.startswith("[localhost] ") and "retrying" in line]
    result = [i for i, line in enumerate(lines) if line.startswith("changed: [localhost]")]
    marker = [i for i, line in enumerate(lines) if "TASK [A marker task after it]" in line]
    assert len(progress) == 1, "\n".join(lines)
    assert "503" in lines[progress[0]]
    # The lines come out while the task runs: before its own result line, not after the task.
    assert progress[-1] < result[0] < marker[0], "\n".join(lines)
    assert not [line for line in lines if "[WARNING]" in line], "\n".join(lines)


def test_progress_needs_no_verbosity_and_survives_vvvv(run_playbook, admin, emulator):
    lines = _run(run_playbook, admin, emulator, verbosity=("-vvvv",))
    assert len([line for line in lines if line.startswith("[localhost] ") and "retrying" in line]) == 1
    assert not [line for line in lines if "[WARNING]" in line and "retrying" in line]
