# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration fixtures: one emulator for the whole session, and ansible-playbook runs against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))

from collection_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position
from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position
from emulator.validation import fetch_record, summarize  # noqa: E402  pylint: disable=wrong-import-position


class Admin(object):
    """The emulator's /_emulator API, with the CA set explicitly (REQUESTS_CA_BUNDLE is machine-wide here)."""

    def __init__(self, info):
        self.info = info
        self.url = info["admin_url"].rstrip("/")
        self.session = requests.Session()
        self.session.verify = info["ca_path"]

    def _call(self, method, path, body=None):
        response = self.session.request(method, self.url + path, json=body, verify=self.info["ca_path"], timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self):
        return self._call("GET", "/requests")["requests"]

    def clear_requests(self):
        self._call("DELETE", "/requests")

    def writes(self):
        return [r for r in self.requests() if r.get("write")]

    def add_fault(self, **rule):
        return self._call("POST", "/faults", rule)

    def clear_faults(self):
        self._call("DELETE", "/faults")

    def config(self, **values):
        return self._call("POST", "/config", values) if values else self._call("GET", "/config")

    def seed(self, body):
        return self._call("POST", "/seed", body)

    def state(self):
        return self._call("GET", "/state")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("emulator")
    process = EmulatorProcess(str(workdir), extra_args=["--page-size", "2", "--replication-delay", "2"])
    info = process.start()
    yield info
    try:
        # End-of-run check: every request the modules sent matches the official specs (README "Request validation").
        # The emulator keeps this record across request-log clears; `python -m emulator.validation` prints it too.
        text, violations = summarize(fetch_record(info))
        with open(os.path.join(str(workdir), "spec-validation.txt"), "w") as handle:
            handle.write(text + "\n")
    finally:
        process.stop()
    if violations:
        pytest.fail("requests that violate the official API specifications:\n" + text, pytrace=False)


@pytest.fixture
def admin(emulator):
    client = Admin(emulator)
    client.clear_faults()
    yield client
    client.clear_faults()


@pytest.fixture(scope="session")
def ansible_env(emulator):
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_root(),
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        # Explicit, so the machine-wide bundle cannot hide a missing ca_path in the modules.
        REQUESTS_CA_BUNDLE=emulator["ca_path"],
        PYTHONWARNINGS="ignore",
    )
    return env


@pytest.fixture(scope="session")
def run_playbook(emulator, ansible_env, tmp_path_factory):
    info_file = str(tmp_path_factory.mktemp("vars") / "emulator.json")
    with open(info_file, "w") as handle:
        json.dump(emulator, handle)
    bindir = os.path.dirname(sys.executable)

    def run(playbook, extra_vars=None, check=False, diff=False, expect_rc=0, args=()):
        cmd = [os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", "-c", "local",
               os.path.join(HERE, playbook), "-e", "emulator_info=%s" % info_file]
        for key, value in (extra_vars or {}).items():
            cmd += ["-e", json.dumps({key: value})]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        cmd += list(args)
        done = subprocess.run(cmd, env=ansible_env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=600, check=False)
        if expect_rc is not None and done.returncode != expect_rc:
            raise AssertionError("ansible-playbook exited %s (expected %s):\n%s"
                                 % (done.returncode, expect_rc, done.stdout[-12000:]))
        return done

    return run
