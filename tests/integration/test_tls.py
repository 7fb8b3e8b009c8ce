# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS verification as the README's "TLS" table states it, against the emulator (its CA is private).

Each case runs one module in check mode (cloud metadata, a token, one ARM read; no write) with a chosen
environment: ``validate_certs`` and ``ca_path`` against ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import certifi
import pytest

from collection_path import collections_root
from test_bad_input import MODULES

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def run_check(emulator, tmp_path, env_ca=None, **tls):
    args = dict(auth_source="credential", client_id=emulator["client_id"], secret=emulator["client_secret"],
                tenant=emulator["tenant_id"], cloud_environment=emulator["base_url"], retry_budget=5,
                name="id-tls-check", resource_group=emulator["resource_group"],
                subscription_id=emulator["subscription_id"], _ansible_check_mode=True)
    args.update(tls)
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict((k, v) for k, v in os.environ.items() if k not in CA_VARIABLES)
    env["PYTHONPATH"] = collections_root()
    env.update(env_ca or {})
    done = subprocess.run([sys.executable, os.path.join(MODULES, "managed_identity.py"), str(path)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120, check=False)
    return json.loads(done.stdout)


def tls_warnings(result):
    """The TLS warnings, as text: ansible-core 2.17 returns strings, 2.19+ structured warning summaries."""
    texts = [w if isinstance(w, str) else json.dumps(w) for w in result.get("warnings", [])]
    return [text for text in texts if "validate_certs is false" in text]


def test_default_trusts_certifi_only_so_a_private_ca_fails(emulator, tmp_path):
    result = run_check(emulator, tmp_path)
    assert result.get("failed") is True
    assert "TLS verification failed" in result["msg"] and "ca_path" in result["msg"], result["msg"]


@pytest.mark.parametrize("variable", CA_VARIABLES)
def test_default_honours_the_ca_bundle_variables(emulator, tmp_path, variable):
    result = run_check(emulator, tmp_path, env_ca={variable: emulator["ca_path"]})
    assert not result.get("failed"), result
    assert tls_warnings(result) == []


def test_ca_path_wins_over_requests_ca_bundle(emulator, tmp_path):
    # the variable names a bundle without the emulator's CA: ca_path alone decides
    result = run_check(emulator, tmp_path, env_ca={"REQUESTS_CA_BUNDLE": certifi.where()}, ca_path=emulator["ca_path"])
    assert not result.get("failed"), result
    result = run_check(emulator, tmp_path, env_ca={"REQUESTS_CA_BUNDLE": emulator["ca_path"]}, ca_path=certifi.where())
    assert result.get("failed") is True and "TLS verification failed" in result["msg"]


def test_validate_certs_false_verifies_nothing_and_warns(emulator, tmp_path):
    result = run_check(emulator, tmp_path, validate_certs=False)
    assert not result.get("failed"), result
    assert len(tls_warnings(result)) == 1
    result = run_check(emulator, tmp_path, validate_certs=False, ca_path=certifi.where())
    assert not result.get("failed"), result
    assert "ca_path is ignored" in tls_warnings(result)[0]
