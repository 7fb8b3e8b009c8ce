# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a job template needs from the content: no prompt anywhere, and every module reachable through
``module_defaults: group/azdo.identity.all`` (where the credentials' settings go once)."""

from __future__ import annotations

import glob
import os

import yaml

from awx_support import REPO

PROMPTING_MODULES = ("pause", "ansible.builtin.pause", "ansible.legacy.pause")


def yaml_files(*patterns):
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(REPO, pattern))):
            with open(path) as handle:
                yield os.path.relpath(path, REPO), yaml.safe_load(handle)


def tasks_of(node):
    """Every task (dict with a module key) in a task list, blocks included."""
    for task in node or []:
        if not isinstance(task, dict):
            continue
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks_of(task.get(key))


def test_every_module_is_in_the_action_group():
    with open(os.path.join(REPO, "meta", "runtime.yml")) as handle:
        group = yaml.safe_load(handle)["action_groups"]["all"]
    modules = sorted(os.path.splitext(name)[0] for name in os.listdir(os.path.join(REPO, "plugins", "modules"))
                     if name.endswith(".py") and not name.startswith("_"))
    assert sorted(group) == modules


def test_playbooks_set_group_module_defaults_and_never_prompt():
    playbooks = list(yaml_files("playbooks/*.yml"))
    assert playbooks
    for path, plays in playbooks:
        for play in plays:
            assert "vars_prompt" not in play, path
            if "import_playbook" in play or "ansible.builtin.import_playbook" in play:
                continue
            assert "group/azdo.identity.all" in (play.get("module_defaults") or {}), \
                "%s: play %r sets no module_defaults for group/azdo.identity.all" % (path, play.get("name"))
            for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                for task in tasks_of(play.get(section)):
                    assert not [m for m in PROMPTING_MODULES if m in task], "%s prompts: %r" % (path, task.get("name"))


def test_roles_never_prompt():
    files = list(yaml_files("roles/*/tasks/*.yml", "roles/*/handlers/*.yml"))
    assert files
    for path, tasks in files:
        for task in tasks_of(tasks):
            assert not [m for m in PROMPTING_MODULES if m in task], "%s prompts: %r" % (path, task.get("name"))
