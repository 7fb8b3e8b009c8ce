# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start one emulator subprocess per test session; reset it before every test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .official_support import RAN

TESTS_DIR = Path(__file__).resolve().parents[2]  # <repo>/tests, the directory holding the emulator package
START_TIMEOUT = 30


def start_emulator(workdir: Path, *extra: str) -> tuple[subprocess.Popen, dict]:
    """Run ``python -m emulator`` and wait for its info file."""
    info_file = workdir / "emu.json"
    log = open(workdir / "emulator.log", "w", encoding="utf-8")  # pylint: disable=consider-using-with
    env = dict(os.environ, PYTHONPATH=str(TESTS_DIR))
    cmd = [sys.executable, "-m", "emulator", "--info-file", str(info_file), "--port", "0", *extra]
    proc = subprocess.Popen(cmd, cwd=str(TESTS_DIR), env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT
    while not info_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"emulator did not start; see {workdir / 'emulator.log'}")
        time.sleep(0.05)
    with open(info_file, encoding="utf-8") as handle:
        return proc, json.load(handle)


@pytest.fixture(scope="session")
def emulator_starter():
    """The start_emulator function, for tests that need their own process."""
    return start_emulator


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory):
    """The shared emulator (short replication delay, page size 2)."""
    workdir = tmp_path_factory.mktemp("emulator")
    proc, info = start_emulator(workdir, "--replication-delay", "1", "--page-size", "2", "--latency", "0",
                                "--verbose")
    yield proc, info
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


class Emu:
    """Test helper bound to a running emulator."""

    def __init__(self, info: dict):
        self.info = info
        self.base = info["base_url"]
        self.ca = info["ca_path"]
        self.session = requests.Session()
        self.session.verify = self.ca
        self._tokens: dict = {}

    def url(self, path: str) -> str:
        """Absolute URL for a path."""
        return path if path.startswith("https://") else self.base + path

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Plain request (no auth added)."""
        kwargs.setdefault("verify", self.ca)
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.url(path), **kwargs)

    def token(self, scope: str = "https://management.azure.com/.default", client_id: str | None = None,
              secret: str | None = None, tenant: str | None = None) -> str:
        """Client-credentials token from the emulator's token endpoint."""
        key = (scope, client_id, secret, tenant)
        if key not in self._tokens:
            resp = self.request("POST", f"/{tenant or self.info['tenant_id']}/oauth2/v2.0/token", data={
                "grant_type": "client_credentials", "client_id": client_id or self.info["client_id"],
                "client_secret": secret or self.info["client_secret"], "scope": scope})
            assert resp.status_code == 200, resp.text
            self._tokens[key] = resp.json()["access_token"]
        return self._tokens[key]

    def arm(self, method: str, path: str, api_version: str | None = "2022-04-01", token: str | None = None,
            **kwargs) -> requests.Response:
        """Authenticated ARM call; api_version=None sends none."""
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("Authorization", f"Bearer {token or self.token()}")
        params = dict(kwargs.pop("params", {}) or {})
        if api_version and "api-version=" not in path:
            params.setdefault("api-version", api_version)
        return self.request(method, path, headers=headers, params=params, **kwargs)

    def admin(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the admin API (path relative to /_emulator)."""
        return self.request(method, "/_emulator" + path, **kwargs)

    def seed(self, body: dict) -> dict:
        """POST /_emulator/seed and return the created objects."""
        resp = self.admin("POST", "/seed", json=body)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def config(self, **values) -> dict:
        """POST /_emulator/config."""
        resp = self.admin("POST", "/config", json=values)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def clock(self, **body) -> dict:
        """POST /_emulator/clock (``advance=seconds``, ``freeze=bool``); GET without arguments."""
        resp = self.admin("POST", "/clock", json=body) if body else self.admin("GET", "/clock")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def freeze(self) -> dict:
        """Stop the emulator's clock: time-dependent rules change only through :meth:`advance`."""
        return self.clock(freeze=True)

    def advance(self, seconds: float) -> dict:
        """Move the emulator's clock forward (no sleeping)."""
        return self.clock(advance=seconds)

    def log(self) -> list:
        """The request log."""
        return self.admin("GET", "/requests").json()["requests"]

    @property
    def sub(self) -> str:
        """Seeded subscription id."""
        return self.info["subscription_id"]

    @property
    def rg_path(self) -> str:
        """Seeded resource group path."""
        return f"/subscriptions/{self.sub}/resourceGroups/{self.info['resource_group']}"


@pytest.fixture
def emu(emulator_process, monkeypatch):
    """A freshly reset emulator; REQUESTS_CA_BUNDLE points at its CA for this test only."""
    _proc, info = emulator_process
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", info["ca_path"])
    helper = Emu(info)
    resp = helper.admin("POST", "/reset")
    assert resp.status_code == 200, resp.text
    return helper


@pytest.fixture(autouse=True)
def _record_official_suite(request):
    """Note which official-client suites ran in this process (see official_support.RAN)."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    if name.startswith("test_official_"):
        RAN.add(name)
    yield
