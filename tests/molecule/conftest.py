# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One emulator for every Molecule scenario of the run (extensions/molecule/)."""

from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))

from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position
from emulator.validation import fetch_record, summarize  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def molecule_emulator(tmp_path_factory):
    """Start the emulator once; at the end, fail if any request sent during the run broke the official specs."""
    workdir = tmp_path_factory.mktemp("molecule-emulator")
    # A short replication delay still sends every new principal through the role modules' retry path.
    process = EmulatorProcess(str(workdir), extra_args=["--replication-delay", "1"])
    info = process.start()
    yield info
    try:
        text, violations = summarize(fetch_record(info))
        with open(os.path.join(str(workdir), "spec-validation.txt"), "w") as handle:
            handle.write(text + "\n")
    finally:
        process.stop()
    if violations:
        pytest.fail("requests of the Molecule scenarios that violate the official API specifications:\n" + text,
                    pytrace=False)
