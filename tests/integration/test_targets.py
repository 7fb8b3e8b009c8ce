# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each playbook target under targets/ runs once against the emulator; its own asserts decide."""

from __future__ import annotations

import os

import pytest

TARGETS = sorted(os.listdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "targets")))


@pytest.mark.parametrize("target", TARGETS)
def test_target(run_playbook, target):
    result = run_playbook("run_target.yml", extra_vars={"target": target})
    assert "failed=0" in result.stdout
