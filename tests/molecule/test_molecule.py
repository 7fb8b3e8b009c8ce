# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``molecule test`` for each scenario under extensions/molecule/, all against one emulator.

Each scenario runs prepare, a dry run (check mode; converge.yml itself asserts from the emulator's
request log that it sent no write), converge, idempotence, a second dry run and verify (see
extensions/molecule/config.yml). Here the run must succeed, the first dry run and the converge must
have had something to do, the later runs nothing, and no secret may appear in Molecule's output.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import urllib.request

import pytest

from collection_path import collections_root

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MOLECULE_DIR = os.path.join(REPO, "extensions", "molecule")
SCENARIOS = sorted(name for name in os.listdir(MOLECULE_DIR)
                   if os.path.isfile(os.path.join(MOLECULE_DIR, name, "molecule.yml")))
EXPECTED_STEPS = ["destroy", "prepare", "check", "converge", "idempotence", "check", "verify"]
RECAP = re.compile(r"^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
STEP_DONE = re.compile(r"\[[^\]>]+>\s*(\w+)\]\s+Executed:\s+(\w+)")


def steps_and_changes(output):
    """[(step, changed)] in the order Molecule ran them: each step's last play recap before its 'Executed' line."""
    found, changed = [], None
    for line in output.splitlines():
        recap = RECAP.search(line.strip())
        if recap:
            changed = int(recap.group(2)) if changed is None else changed + int(recap.group(2))
            continue
        done = STEP_DONE.search(line)
        if done:
            found.append((done.group(1), changed))
            changed = None
    return found


def secrets_of(info):
    """Every secret the emulator knows: the seeded client secret, the PAT and all app registration passwords."""
    context = ssl.create_default_context(cafile=info["ca_path"])
    with urllib.request.urlopen(info["admin_url"] + "/state", context=context, timeout=30) as response:  # noqa: S310
        state = json.loads(response.read().decode("utf-8"))
    values = {info["client_secret"], info["azdo_pat"]}
    for app in state.get("applications") or []:
        values.update(s["value"] for s in app.get("secrets") or [] if s.get("value"))
    return values


def molecule_env(info, ephemeral):
    env = dict(os.environ)
    env.update(
        # Molecule's state (e.g. "prepared") of this run only: never an earlier run's, nor another checkout's.
        MOLECULE_EPHEMERAL_DIRECTORY=ephemeral,
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        AZDO_EMULATOR_INFO=info["info_file"],
        ANSIBLE_COLLECTIONS_PATH=collections_root(),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        NO_COLOR="1",
        PY_COLORS="0",
        PYTHONWARNINGS="ignore",
    )
    return env


@pytest.fixture(scope="session")
def emulator_info(molecule_emulator, tmp_path_factory):
    """The emulator's info, and the file the scenarios read it from (AZDO_EMULATOR_INFO)."""
    path = tmp_path_factory.mktemp("molecule-vars") / "emulator.json"
    path.write_text(json.dumps(molecule_emulator))
    return dict(molecule_emulator, info_file=str(path))


def test_scenarios_are_found():
    assert "workload_identity_service_connection" in SCENARIOS
    for role in os.listdir(os.path.join(REPO, "roles")):
        assert role in SCENARIOS, "role %s has no Molecule scenario under extensions/molecule/" % role


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario, emulator_info, tmp_path):
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "molecule"), "test", "-s", scenario],
                          cwd=REPO, env=molecule_env(emulator_info, str(tmp_path / "ephemeral")), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=900, check=False)
    assert done.returncode == 0, "molecule test -s %s exited %s:\n%s" % (scenario, done.returncode, done.stdout[-15000:])
    steps = steps_and_changes(done.stdout)
    assert [step for step, changed in steps] == EXPECTED_STEPS, done.stdout[-5000:]
    changes = [changed for step, changed in steps]
    assert changes[2] >= 1, "the first dry run found nothing to do"
    assert changes[3] >= 1, "converge changed nothing"
    assert changes[4:] == [0, 0, 0], "idempotence, the second dry run and verify must change nothing"
    leaked = [s for s in secrets_of(emulator_info) if s in done.stdout]
    assert not leaked, "%d secret(s) appear in the output of molecule test -s %s" % (len(leaked), scenario)
