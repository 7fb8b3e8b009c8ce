# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Admin API: request log, fault injection, reset, seed, config, state; CLI lifecycle."""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests

RG_API = "2022-09-01"


def rg_put(emu, name: str):
    return emu.arm("PUT", f"/subscriptions/{emu.sub}/resourceGroups/{name}", api_version=RG_API,
                   json={"location": "eastus"})


def test_request_log(emu):
    emu.token()
    rg_put(emu, "logged")
    emu.arm("GET", f"/subscriptions/{emu.sub}/resourceGroups/logged", api_version=RG_API)
    emu.admin("GET", "/state")
    log = emu.log()
    assert [(e["method"], e["service"], e["write"]) for e in log] == [
        ("POST", "entra", False), ("PUT", "arm", True), ("GET", "arm", False)]
    put = log[1]
    assert put["path"] == f"/subscriptions/{emu.sub}/resourceGroups/logged"
    assert put["query"] == {"api-version": RG_API} and put["status"] == 201
    assert put["fault"] is False and put["request_id"]
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    assert emu.admin("DELETE", "/requests").status_code == 204
    assert emu.log() == []


def test_fault_429_fires_count_times_without_mutating(emu):
    fault = emu.admin("POST", "/faults", json={"method": "PUT", "path": "/resourceGroups/flaky$", "status": 429,
                                               "retry_after": "1", "count": 2}).json()
    assert fault["id"] and fault["count"] == 2
    for _attempt in range(2):
        resp = rg_put(emu, "flaky")
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
        assert resp.json()["error"]["code"] == "TooManyRequests"
        assert resp.headers["x-ms-request-id"]
        head = emu.arm("HEAD", f"/subscriptions/{emu.sub}/resourceGroups/flaky", api_version=RG_API)
        assert head.status_code == 404  # the faulted PUT changed nothing
    assert rg_put(emu, "flaky").status_code == 201
    assert emu.admin("GET", "/faults").json()["faults"] == []
    log = [e for e in emu.log() if e["method"] == "PUT"]
    assert [(e["status"], e["fault"], e["write"]) for e in log] == [(429, True, True), (429, True, True),
                                                                    (201, False, True)]


def test_fault_503_custom_code_and_body(emu):
    emu.admin("POST", "/faults", json={"path": "/subscriptions/[^/]+$", "status": 503, "code": "ServerBusy"})
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API)
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "ServerBusy"
    emu.admin("POST", "/faults", json={"path": "/subscriptions/[^/]+$", "status": 500, "body": {"custom": 1},
                                       "headers": {"X-Test": "yes"}})
    resp = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API)
    assert resp.json() == {"custom": 1} and resp.headers["X-Test"] == "yes"
    assert emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API).status_code == 200


def test_fault_shapes_follow_service(emu):
    emu.admin("POST", "/faults", json=[{"path": "/oauth2/v2.0/token$", "status": 503},
                                       {"path": "^/v1.0/", "status": 429, "retry_after": "2"},
                                       {"path": "^/emulator-org/", "status": 500}])
    token = emu.request("POST", f"/{emu.info['tenant_id']}/oauth2/v2.0/token", data={})
    assert token.status_code == 503
    assert token.json()["error"] == "temporarily_unavailable"
    assert token.json()["error_description"].startswith("AADSTS")
    graph = emu.request("GET", "/v1.0/applications")
    assert graph.status_code == 429 and set(graph.json()["error"]) == {"code", "message", "innerError"}
    azdo = emu.request("GET", "/emulator-org/_apis/projects")
    assert azdo.status_code == 500 and {"$id", "typeKey", "eventId"} <= set(azdo.json())


def test_fault_reset_and_latency(emu):
    emu.admin("POST", "/faults", json={"method": "GET", "path": "/resourcegroups$", "reset": True})
    with pytest.raises(requests.exceptions.ConnectionError):
        emu.arm("GET", f"/subscriptions/{emu.sub}/resourcegroups", api_version=RG_API)
    assert emu.arm("GET", f"/subscriptions/{emu.sub}/resourcegroups", api_version=RG_API).status_code == 200
    emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "latency": 0.4, "count": 1})
    started = time.monotonic()
    slow = emu.arm("GET", f"/subscriptions/{emu.sub}/resourcegroups", api_version=RG_API)
    assert slow.status_code == 200 and time.monotonic() - started >= 0.4
    entries = [e for e in emu.log() if e["path"].endswith("/resourcegroups")]
    assert [(e["status"], e["fault"]) for e in entries] == [(None, True), (200, False), (200, True)]


def test_fault_validation_and_delete(emu):
    assert emu.admin("POST", "/faults", json={"path": "x"}).status_code == 400
    assert emu.admin("POST", "/faults", json={"status": 429, "bogus": 1}).status_code == 400
    assert emu.admin("POST", "/faults", json={"status": 429, "path": "("}).status_code == 400
    rule = emu.admin("POST", "/faults", json={"status": 500, "path": "nothing-matches", "count": None}).json()
    assert emu.admin("DELETE", f"/faults/{rule['id']}").status_code == 204
    assert emu.admin("DELETE", f"/faults/{rule['id']}").status_code == 404
    emu.admin("POST", "/faults", json={"status": 500, "path": "nothing-matches"})
    assert emu.admin("DELETE", "/faults").status_code == 204
    assert emu.admin("GET", "/faults").json() == {"faults": []}


def test_unlimited_fault(emu):
    emu.admin("POST", "/faults", json={"status": 409, "path": "/resourceGroups/busy$", "count": None})
    assert [rg_put(emu, "busy").status_code for _attempt in range(3)] == [409, 409, 409]


def test_config_and_latency(emu):
    config = emu.admin("GET", "/config").json()
    assert config["page_size"] == 2 and config["replication_delay"] == 1.0
    assert emu.admin("POST", "/config", json={"nope": 1}).status_code == 400
    assert emu.admin("POST", "/config", json={"page_size": 0}).status_code == 400
    assert emu.admin("POST", "/config", json={"enforce_rbac": "yes"}).status_code == 400
    emu.config(latency=0.3)
    started = time.monotonic()
    emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API)
    assert time.monotonic() - started >= 0.3
    emu.config(latency=60)
    assert emu.admin("GET", "/config", timeout=20).status_code == 200  # admin calls are not delayed (no timeout)


def test_reset(emu):
    rg_put(emu, "temp")
    emu.arm("DELETE", emu.rg_path, api_version=RG_API)
    emu.config(page_size=7)
    emu.admin("POST", "/faults", json={"status": 500, "path": "never"})
    assert emu.admin("POST", "/reset").json() == {"reset": True}
    assert emu.arm("HEAD", emu.rg_path, api_version=RG_API).status_code == 204
    assert emu.arm("HEAD", f"/subscriptions/{emu.sub}/resourceGroups/temp", api_version=RG_API).status_code == 404
    assert emu.admin("GET", "/config").json()["page_size"] == 2
    assert emu.admin("GET", "/faults").json()["faults"] == []
    assert [e["method"] for e in emu.log()] == ["HEAD", "HEAD"]


def test_seed_returns_created_objects(emu):
    pid = str(uuid.uuid4())
    created = emu.seed({
        "managementGroups": [{"name": "mg-child"}],
        "resourceGroups": [{"name": "seeded-rg", "location": "westus", "tags": {"k": "v"}}],
        "resources": [{"resourceGroup": "seeded-rg", "type": "Microsoft.ContainerRegistry/registries", "name": "acr1"}],
        "principals": [{"id": pid, "type": "User", "displayName": "someone", "age": 0}],
        "applications": [{"displayName": "app-one"}],
        "roleAssignments": [{"scope": f"/subscriptions/{emu.sub}/resourceGroups/seeded-rg", "role": "Reader",
                             "principalId": pid}],
    })
    app = created["applications"][0]
    assert app["secrets"][0]["value"] and app["principalId"] and app["displayName"] == "app-one"
    assert created["principals"][0]["id"] == pid
    assert created["resources"][0]["id"].endswith("/providers/Microsoft.ContainerRegistry/registries/acr1")
    token = emu.token(client_id=app["appId"], secret=app["secrets"][0]["value"])
    assert token
    state = emu.admin("GET", "/state").json()
    assert any(ra["principalId"] == pid for ra in state["roleAssignments"])
    assert {p["id"] for p in state["principals"]} >= {pid, app["principalId"], emu.info["principal_id"]}


def test_seed_accepts_snake_case(emu):
    created = emu.seed({"principals": [{"type": "ServicePrincipal", "display_name": "snake", "age": "0"}],
                        "role_assignments": []})
    assert created["principals"][0]["displayName"] == "snake"
    state = emu.admin("GET", "/state").json()
    young = [p for p in state["principals"] if p["displayName"] == "snake"]
    assert young and emu.clock()["now"] - young[0]["createdAt"] < 5


def test_seed_is_atomic(emu):
    before = emu.admin("GET", "/state").json()
    bad = emu.admin("POST", "/seed", json={"resourceGroups": [{"name": "half"}], "principals": [{"id": "not-a-guid"}]})
    assert bad.status_code == 400
    after = emu.admin("GET", "/state").json()
    assert after["resourceGroups"] == before["resourceGroups"] and after["principals"] == before["principals"]
    assert emu.admin("POST", "/seed", json={"unknown": []}).status_code == 400


def test_info_and_unknown_admin_path(emu):
    info = emu.admin("GET", "/info").json()
    assert info["base_url"] == emu.base and info["pid"] == emu.info["pid"]
    assert emu.admin("GET", "/nope").status_code == 404


def test_cli_lifecycle(tmp_path, emulator_starter):
    proc, info = emulator_starter(tmp_path, "--tenant-id", "11111111-2222-3333-4444-555555555555",
                                  "--subscription-id", "66666666-7777-8888-9999-000000000000")
    try:
        for key in ("base_url", "ca_path", "tenant_id", "subscription_id", "subscription_name", "resource_group",
                    "client_id", "client_secret", "principal_id", "organization_url", "project_name", "admin_url",
                    "cloud_metadata_url", "pid"):
            assert info.get(key), key
        assert info["tenant_id"] == "11111111-2222-3333-4444-555555555555"
        assert info["base_url"].startswith("https://127.0.0.1:")
        assert info["organization_url"] == info["base_url"] + "/emulator-org"
        assert info["pid"] == proc.pid
        resp = requests.get(info["admin_url"] + "/config", verify=info["ca_path"], timeout=10)
        assert resp.status_code == 200 and resp.json()["page_size"] == 50
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    with open(tmp_path / "emu.json", encoding="utf-8") as handle:
        assert json.load(handle)["pid"] == proc.pid
    assert (tmp_path / "emu.ca.pem").exists()


def test_state_file_keeps_objects_and_ids_across_restarts(tmp_path):
    """--state-file: a second emulator run sees what the first made, under the same tenant and secret."""
    tests_dir = str(pathlib.Path(__file__).resolve().parents[2])
    state_file = tmp_path / "state.pickle"

    def start(name):
        info_file = tmp_path / (name + ".json")
        process = subprocess.Popen([sys.executable, "-m", "emulator", "--info-file", str(info_file),
                                    "--state-file", str(state_file)], cwd=tests_dir)
        for dummy in range(200):
            if info_file.exists():
                return process, json.loads(info_file.read_text())
            time.sleep(0.05)
        process.kill()
        raise AssertionError("emulator did not start")

    first, info = start("first")
    try:
        requests.post(info["admin_url"] + "/seed", json={"resourceGroups": [{"name": "rg-kept"}]},
                      verify=info["ca_path"], timeout=10).raise_for_status()
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(10)
    second, again = start("second")
    try:
        groups = requests.get(again["admin_url"] + "/state", verify=again["ca_path"], timeout=10).json()["resourceGroups"]
        assert "rg-kept" in [g["name"] for g in groups]
        for key in ("tenant_id", "client_id", "client_secret", "subscription_id", "organization_id", "azdo_pat"):
            assert again[key] == info[key], key
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)


def test_clock_freeze_advance_and_reset(emu):
    """POST /_emulator/clock moves the one clock every time rule reads; reset returns to real time."""
    real = emu.clock()
    assert real["frozen"] is False and abs(real["offset"]) < 1 and real["waiting"] == 0
    frozen = emu.freeze()
    assert frozen["frozen"] is True
    assert emu.clock()["now"] == frozen["now"]  # a frozen clock does not move by itself
    moved = emu.advance(3600)
    assert moved["now"] == frozen["now"] + 3600 and moved["offset"] > 3590
    running = emu.clock(freeze=False)
    assert running["frozen"] is False and running["now"] >= moved["now"]  # continues from the frozen instant
    for bad in ({"advance": -1}, {"advance": "1"}, {"freeze": "yes"}, {"rewind": 1}, {}):
        assert emu.admin("POST", "/clock", json=bad).status_code == 400, bad
    emu.admin("POST", "/reset")
    assert abs(emu.clock()["offset"]) < 1 and emu.clock()["frozen"] is False


def test_clock_drives_async_operations_and_timestamps(emu):
    """A resource-group delete stays running for lro_duration of emulator time; stamps follow the clock."""
    emu.freeze()
    emu.config(lro_duration=120)
    rg_put(emu, "doomed")
    deleting = emu.arm("DELETE", f"/subscriptions/{emu.sub}/resourcegroups/doomed", api_version=RG_API)
    assert deleting.status_code == 202
    poll = deleting.headers["Location"]
    assert emu.arm("GET", poll, api_version=None).status_code == 202
    emu.advance(119)
    assert emu.arm("GET", poll, api_version=None).status_code == 202
    emu.advance(1)
    assert emu.arm("GET", poll, api_version=None).status_code == 200
    later = emu.advance(86400 * 400)["now_iso"]
    created = emu.seed({"principals": [{"type": "User", "age": 0}]})["principals"][0]
    assert abs(created["createdAt"] - emu.clock()["now"]) < 1
    stale = emu.token()
    expired = emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API, token=stale)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "ExpiredAuthenticationToken"
    emu._tokens.clear()  # pylint: disable=protected-access
    assert emu.arm("GET", f"/subscriptions/{emu.sub}", api_version=RG_API).status_code == 200
    assert emu.log()[-1]["time"][:10] == later[:10]


def test_readme_lists_every_config_key(emu):
    """The README's "Config keys" table names every switch GET /_emulator/config reports, and nothing else."""
    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Config keys (`POST /_emulator/config`)", 1)[1].split("\n### ", 1)[0]
    documented = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            documented.update(name.strip("` ") for name in line.split("|")[1].split("/"))
    assert documented == set(emu.admin("GET", "/config").json())
