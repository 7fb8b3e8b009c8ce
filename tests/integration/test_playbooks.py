# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every flow playbook parses with its example vars, and the example satisfies the role's argument spec."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from collection_path import REPO, collections_root

PLAYBOOKS = sorted(f[:-4] for f in os.listdir(os.path.join(REPO, "playbooks")) if f.endswith(".yml") and f != "demo.yml")
BIN = os.path.dirname(sys.executable)


def run(args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    return subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,"] + args, env=env, cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def role_of(flow):
    """The role a playbook runs: playbooks named <role>_parallel run <role> over --forks hosts."""
    return flow[:-len("_parallel")] if flow.endswith("_parallel") else flow


def test_every_role_has_a_playbook():
    roles = sorted(os.listdir(os.path.join(REPO, "roles")))
    assert [r for r in roles if r not in PLAYBOOKS] == []


@pytest.mark.parametrize("flow", PLAYBOOKS)
def test_playbook_parses_with_its_example(flow):
    example = os.path.join(REPO, "playbooks", "vars", role_of(flow) + ".example.yml")
    done = run(["--syntax-check", os.path.join("playbooks", flow + ".yml"), "-e", "@" + example])
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("flow", PLAYBOOKS)
def test_example_satisfies_the_argument_spec(flow):
    example = os.path.join(REPO, "playbooks", "vars", role_of(flow) + ".example.yml")
    done = run([os.path.join("tests", "integration", "validate_example.yml"), "-e", "role_name=" + role_of(flow),
                "-e", "example_file=" + example])
    assert done.returncode == 0 and "failed=0" in done.stdout, done.stdout[-3000:]
