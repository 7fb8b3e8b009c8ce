# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the AWX / Automation Platform tests: the built collection tarball and one emulator."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))

from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position
from emulator.validation import fetch_record, summarize  # noqa: E402  pylint: disable=wrong-import-position
from awx_support import read_galaxy_version, venv_tool  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def collection_tarball(tmp_path_factory):
    """``ansible-galaxy collection build`` of the working tree, as `make build` does it."""
    output = tmp_path_factory.mktemp("build")
    done = subprocess.run([venv_tool("ansible-galaxy"), "collection", "build", "--output-path", str(output), REPO],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout
    path = output / ("azdo-identity-%s.tar.gz" % read_galaxy_version())
    assert path.is_file(), done.stdout
    return path


@pytest.fixture(scope="session")
def installed_collection(collection_tarball, tmp_path_factory):
    """The tarball installed as a collections path (what an EE image build or an AWX project sync does)."""
    root = tmp_path_factory.mktemp("installed")
    done = subprocess.run([venv_tool("ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
                           "--collections-path", str(root), str(collection_tarball)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout
    assert (root / "ansible_collections" / "azdo" / "identity" / "MANIFEST.json").is_file()
    return root


@pytest.fixture(scope="session")
def awx_emulator(tmp_path_factory):
    process = EmulatorProcess(str(tmp_path_factory.mktemp("awx-emulator")), extra_args=["--replication-delay", "1"])
    info = process.start()
    yield info
    try:
        text, violations = summarize(fetch_record(info))
    finally:
        process.stop()
    if violations:
        pytest.fail("requests of the AWX job that violate the official API specifications:\n" + text, pytrace=False)
