# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run cache: private files only, never past expiry, unreadable to another run, off with one option."""

from __future__ import annotations

import os
import stat
import sys
import time

import pytest

from fakes import FakeRaw

from ansible_collections.azdo.identity.plugins.module_utils import _token_cache
from ansible_collections.azdo.identity.plugins.module_utils._auth import SecretAuth, select_auth
from ansible_collections.azdo.identity.plugins.module_utils._cloud import BUILTIN_CLOUDS, resolve_cloud
from ansible_collections.azdo.identity.plugins.module_utils._token_cache import MARGIN, RunCache, run_cache

CLOUD = BUILTIN_CLOUDS["AzureCloud"]
KEY = b"k" * 32
SCOPE = "https://management.azure.com/.default"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload-of-the-token.signature"


class _Token(object):
    def __init__(self, token, expires_on):
        self.token, self.expires_on = token, expires_on


class _Credential(object):
    def __init__(self, lifetime=3600):
        self.calls = 0
        self.lifetime = lifetime

    def get_token(self, scope):
        self.calls += 1
        return _Token("%s-%d" % (TOKEN, self.calls), int(time.time()) + self.lifetime)


@pytest.fixture
def run_dir(tmp_path):
    parent = tmp_path / "ansible-local-1234"
    parent.mkdir(mode=0o700)
    return str(parent / "azdo-identity-cache")


def method(store, secret="s", credential=None):
    auth = SecretAuth(CLOUD, "t", "c", secret)
    auth._credential = credential or _Credential()
    auth.store = store
    return auth


def files(directory):
    return sorted(name for name in os.listdir(directory) if not name.endswith(".lock"))


def test_second_process_reuses_the_token(run_dir):
    first = method(RunCache(run_dir, KEY))
    assert first.token(SCOPE).startswith(TOKEN)
    second = method(RunCache(run_dir, KEY))  # a later task: a new process, same run
    assert second.token(SCOPE) == first.token(SCOPE)
    assert second._credential.calls == 0 and first._credential.calls == 1


def test_directory_and_files_are_private_and_hold_no_plain_token_or_secret(run_dir):
    method(RunCache(run_dir, KEY), secret="the-client-secret").token(SCOPE)
    assert stat.S_IMODE(os.stat(run_dir).st_mode) == 0o700
    names = files(run_dir)
    assert len(names) == 1
    path = os.path.join(run_dir, names[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, "rb") as handle:
        blob = handle.read()
    assert TOKEN.encode() not in blob and b"the-client-secret" not in blob and b"eyJ" not in blob
    assert "the-client-secret" not in names[0]


def test_another_run_cannot_read_or_find_the_entry(run_dir):
    method(RunCache(run_dir, KEY)).token(SCOPE)
    other = method(RunCache(run_dir, b"o" * 32))
    assert other.token(SCOPE).startswith(TOKEN) and other._credential.calls == 1
    # Its file has another name, and our file does not open with its key.
    ours, theirs = RunCache(run_dir, KEY), RunCache(run_dir, b"o" * 32)
    assert ours.name("token", ["x"]) != theirs.name("token", ["x"])
    with open(os.path.join(run_dir, files(run_dir)[0]), "rb") as handle:
        blob = handle.read()
    assert (ours.open(blob) is None) != (theirs.open(blob) is None)


def test_other_identity_secret_or_scope_gets_its_own_token(run_dir):
    store = RunCache(run_dir, KEY)
    method(store).token(SCOPE)
    wrong_secret = method(RunCache(run_dir, KEY), secret="another")
    wrong_secret.token(SCOPE)
    assert wrong_secret._credential.calls == 1
    other_scope = method(RunCache(run_dir, KEY))
    other_scope.token("https://graph.microsoft.com/.default")
    assert other_scope._credential.calls == 1


def test_expired_entry_is_not_used_and_is_deleted(run_dir):
    now = [time.time()]
    store = RunCache(run_dir, KEY, clock=lambda: now[0])
    assert store.put("token", ["a"], "value", now[0] + MARGIN + 60)
    assert store.get("token", ["a"]) == "value"
    now[0] += 61  # inside the safety margin
    assert store.get("token", ["a"]) is None
    assert files(run_dir) == []


def test_token_near_its_end_is_never_stored(run_dir):
    short = method(RunCache(run_dir, KEY), credential=_Credential(lifetime=MARGIN - 10))
    short.token(SCOPE)
    assert files(run_dir) == []


def test_corrupt_or_tampered_file_is_ignored(run_dir):
    store = RunCache(run_dir, KEY)
    first = method(store)
    first.token(SCOPE)
    path = os.path.join(run_dir, files(run_dir)[0])
    with open(path, "rb") as handle:
        blob = bytearray(handle.read())
    blob[20] ^= 1
    with open(path, "wb") as handle:
        handle.write(bytes(blob))
    again = method(RunCache(run_dir, KEY))
    assert again.token(SCOPE).startswith(TOKEN) and again._credential.calls == 1
    with open(path, "wb") as handle:
        handle.write(b"not even close")
    assert RunCache(run_dir, KEY).get("token", ["anything"]) is None


def test_file_readable_by_others_is_refused(run_dir):
    store = RunCache(run_dir, KEY)
    store.put("token", ["a"], "value", time.time() + 3600)
    path = os.path.join(run_dir, files(run_dir)[0])
    os.chmod(path, 0o644)
    assert RunCache(run_dir, KEY).get("token", ["a"]) is None


def test_symlinked_entry_is_refused(run_dir, tmp_path):
    store = RunCache(run_dir, KEY)
    store.put("token", ["a"], "value", time.time() + 3600)
    path = os.path.join(run_dir, files(run_dir)[0])
    target = str(tmp_path / "elsewhere")
    os.rename(path, target)
    os.symlink(target, path)
    assert RunCache(run_dir, KEY).get("token", ["a"]) is None


def test_directory_open_to_others_is_refused(run_dir):
    os.mkdir(run_dir, 0o700)
    os.chmod(run_dir, 0o755)
    store = RunCache(run_dir, KEY)
    assert not store.put("token", ["a"], "value", time.time() + 3600)
    assert store.get("token", ["a"]) is None
    assert os.listdir(run_dir) == []


def test_parent_writable_by_others_is_refused(run_dir):
    os.chmod(os.path.dirname(run_dir), 0o777)
    assert not RunCache(run_dir, KEY).put("token", ["a"], "value", time.time() + 3600)


def test_other_users_file_and_directory_are_refused(run_dir, monkeypatch):
    store = RunCache(run_dir, KEY)
    store.put("token", ["a"], "value", time.time() + 3600)
    real = os.geteuid()
    # The same files seen by a process of another user: the owner is no longer "me".
    monkeypatch.setattr(os, "geteuid", lambda: real + 1)
    assert RunCache(run_dir, KEY).get("token", ["a"]) is None


def test_symlinked_directory_is_refused(run_dir, tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    os.symlink(str(real), run_dir)
    assert not RunCache(run_dir, KEY).put("token", ["a"], "value", time.time() + 3600)
    assert os.listdir(str(real)) == []


def test_off_without_the_action_plugin_or_when_opted_out(run_dir):
    env = {_token_cache.RUN_KEY_ENV: (b"k" * 32).hex(), _token_cache.RUN_CACHE_ENV: run_dir}
    assert isinstance(run_cache(True, env), RunCache)
    assert run_cache(False, env) is None
    assert run_cache(True, {}) is None
    assert run_cache(True, dict(env, **{_token_cache.RUN_KEY_ENV: "not hex"})) is None
    assert run_cache(True, dict(env, **{_token_cache.RUN_CACHE_ENV: "relative/dir"})) is None


def test_key_is_taken_out_of_the_process_environment(run_dir, monkeypatch):
    monkeypatch.setattr(_token_cache, "_FROM_ENVIRON", {})
    monkeypatch.setenv(_token_cache.RUN_KEY_ENV, (b"k" * 32).hex())
    monkeypatch.setenv(_token_cache.RUN_CACHE_ENV, run_dir)
    assert isinstance(run_cache(True), RunCache)
    assert _token_cache.RUN_KEY_ENV not in os.environ  # a child process (az) never inherits it
    assert isinstance(run_cache(True), RunCache)


def test_select_auth_without_store_never_writes(run_dir):
    auth = select_auth(dict(auth_source="credential", client_id="c", tenant="t", secret="s"), CLOUD, environ={})
    assert auth.store is None
    auth._credential = _Credential()
    auth.token(SCOPE)
    assert not os.path.exists(run_dir)


def test_cache_hit_imports_no_azure_identity(run_dir, monkeypatch):
    method(RunCache(run_dir, KEY)).token(SCOPE)
    for name in [n for n in sys.modules if n == "azure.identity" or n.startswith(("azure.identity.", "msal"))]:
        monkeypatch.delitem(sys.modules, name)
    auth = select_auth(dict(auth_source="credential", client_id="c", tenant="t", secret="s"), CLOUD, environ={},
                       store=RunCache(run_dir, KEY))
    assert auth.token(SCOPE).startswith(TOKEN)
    assert "azure.identity" not in sys.modules and "msal" not in sys.modules


MODERN = [{"name": "Emulated", "resourceManager": "https://127.0.0.1:8443/",
           "microsoftGraphResourceId": "https://127.0.0.1:8443/",
           "authentication": {"loginEndpoint": "https://127.0.0.1:8443/",
                              "audiences": ["https://management.core.windows.net/"]}}]


def test_cloud_metadata_is_read_once_per_run_and_per_tls_setting(run_dir, make_client):
    client, session = make_client([FakeRaw(200, MODERN), FakeRaw(200, MODERN)], base_url="https://127.0.0.1:8443",
                                  token=None)
    first = resolve_cloud("https://127.0.0.1:8443", lambda base: client, store=RunCache(run_dir, KEY), verify="/ca.pem")
    again = resolve_cloud("https://127.0.0.1:8443/", lambda base: client, store=RunCache(run_dir, KEY), verify="/ca.pem")
    assert len(session.sent) == 1
    assert vars(again) == vars(first) and again.graph_scope == "https://127.0.0.1:8443/.default"
    # Metadata read with verification off is never handed to a task that verifies (nor the reverse).
    resolve_cloud("https://127.0.0.1:8443", lambda base: client, store=RunCache(run_dir, KEY), verify=False)
    assert len(session.sent) == 2
