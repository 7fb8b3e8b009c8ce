# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""latency_by_kind (request classification, validation) and rate-limit fault rules (every Nth, seeded
probability, with and without Retry-After, Retry-After windows on the emulator clock)."""

from __future__ import annotations

import random
import uuid

import pytest

from .azdo_support import Azdo

RG_API = "2021-04-01"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "api://AzureADTokenExchange"
KINDS = ("token", "metadata", "arm_read", "arm_write", "role_assignment_write", "fic_write", "graph_read", "graph_write",
         "azdo_read", "azdo_write", "endpoint_verify")


def graph(emu, method: str, path: str, **kwargs):
    headers = {"Authorization": f"Bearer {emu.token('https://graph.microsoft.com/.default')}"}
    return emu.request(method, "/v1.0" + path, headers=headers, **kwargs)


def rgs(emu):
    return emu.arm("GET", f"/subscriptions/{emu.sub}/resourcegroups", api_version=RG_API)


def one_call_of_each_kind(emu) -> None:
    """Send one request of every latency kind (the emulator classifies them in the request log)."""
    ado = Azdo(emu)
    emu.token()  # token
    emu.request("GET", "/metadata/endpoints", params={"api-version": "2019-05-01"})  # metadata
    rgs(emu)  # arm_read
    emu.arm("PUT", f"/subscriptions/{emu.sub}/resourcegroups/rg-kinds", api_version=RG_API,
            json={"location": "eastus"})  # arm_write
    principal = emu.seed({"principals": [{"type": "ServicePrincipal"}]})["principals"][0]["id"]
    emu.arm("PUT", f"{emu.rg_path}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}", json={
        "properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                       "principalId": principal, "principalType": "ServicePrincipal"}})  # role_assignment_write
    app = graph(emu, "POST", "/applications", json={"displayName": "kinds"}).json()  # graph_write
    graph(emu, "GET", f"/applications/{app['id']}")  # graph_read
    graph(emu, "POST", f"/applications/{app['id']}/federatedIdentityCredentials",
          json={"name": "k", "issuer": ISSUER, "subject": "s", "audiences": [AUDIENCE]})  # fic_write
    ado.call("GET", "/_apis/projects")  # azdo_read
    draft = ado.create(ado.body("sc-kinds", client_id=app["appId"], draft=True))  # azdo_write
    finish = dict(draft, isReady=True, data={k: v for k, v in draft["data"].items() if k != "isDraft"})
    ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{draft['id']}", json=finish)  # endpoint_verify
    ado.call("PUT", f"/_apis/serviceendpoint/endpoints/{draft['id']}", json=dict(draft, description="still a draft"))


def test_every_request_is_classified_by_kind(emu):
    one_call_of_each_kind(emu)
    kinds = [(e["method"], e["kind"]) for e in emu.log()]
    assert {kind for _method, kind in kinds} == set(KINDS), kinds
    assert kinds[-2:] == [("PUT", "endpoint_verify"), ("PUT", "azdo_write")]  # a draft edit is no verification
    getbyids = graph(emu, "POST", "/directoryObjects/getByIds", json={"ids": [emu.info["principal_id"]]})
    assert getbyids.status_code == 200 and emu.log()[-1]["kind"] == "graph_read"  # a read sent as POST


def test_latency_by_kind_is_validated(emu):
    assert emu.admin("GET", "/config").json()["latency_by_kind"] == {}
    for bad in ({"graph_reads": 1}, {"token": -1}, {"token": "1"}, {"token": True}, [1], "token"):
        resp = emu.admin("POST", "/config", json={"latency_by_kind": bad})
        assert resp.status_code == 400, bad
    unknown = emu.admin("POST", "/config", json={"latency_by_kind": {"graph_reads": 1}}).json()
    assert "graph_reads" in unknown["error"]["message"] and "graph_read" in unknown["error"]["message"]
    set_all = emu.config(latency_by_kind={kind: 0 for kind in KINDS})
    assert set_all["latency_by_kind"] == {kind: 0.0 for kind in KINDS}
    assert emu.config(latency_by_kind={"token": 0.5})["latency_by_kind"] == {"token": 0.5}  # replaces the mapping
    emu.admin("POST", "/reset")
    assert emu.admin("GET", "/config").json()["latency_by_kind"] == {}


def test_latency_by_kind_adds_to_the_kind_only(emu):
    emu.config(latency=0.05, latency_by_kind={"graph_read": 0.4})
    assert graph(emu, "GET", "/applications").status_code == 200
    rgs(emu)
    by_kind = {e["kind"]: e["duration_ms"] for e in emu.log()}
    assert by_kind["graph_read"] >= 450  # latency + the kind's extra seconds, both real waiting
    assert by_kind["arm_read"] >= 50


# ---------------------------------------------------------------------------------------------- rate-limit faults
def test_every_nth_matching_request_gets_429(emu):
    rule = emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "status": 429, "every": 3, "count": None,
                                              "retry_after": "7"}).json()
    statuses = [rgs(emu) for _attempt in range(7)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 200, 200, 429, 200]
    throttled = statuses[2]
    assert throttled.headers["Retry-After"] == "7" and throttled.json()["error"]["code"] == "TooManyRequests"
    listed = emu.admin("GET", "/faults").json()["faults"][0]
    assert listed["id"] == rule["id"] and listed["matched"] == 7 and listed["fired"] == 2
    assert [e["fault"] for e in emu.log() if e["kind"] == "arm_read"] == [False, False, True, False, False, True, False]


def test_every_nth_with_count_stops_after_count_firings(emu):
    emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "status": 429, "every": 2, "count": 2})
    assert [rgs(emu).status_code for _attempt in range(6)] == [200, 429, 200, 429, 200, 200]
    assert emu.admin("GET", "/faults").json() == {"faults": []}


@pytest.mark.parametrize("seed", [0, 7, "bench"])
def test_probability_under_a_fixed_seed_is_reproducible(emu, seed):
    emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "status": 429, "probability": 0.4, "seed": seed,
                                       "count": None})
    first = [rgs(emu).status_code for _attempt in range(20)]
    rng = random.Random(seed)  # the rule draws from random.Random(seed), one draw per matching request
    assert first == [429 if rng.random() < 0.4 else 200 for _attempt in range(20)]
    assert 429 in first and 200 in first
    emu.admin("DELETE", "/faults")
    emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "status": 429, "probability": 0.4, "seed": seed,
                                       "count": None})
    assert [rgs(emu).status_code for _attempt in range(20)] == first  # same seed, same sequence


def test_probability_edges(emu):
    emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "status": 429, "probability": 0, "count": None})
    assert {rgs(emu).status_code for _attempt in range(5)} == {200}
    emu.admin("DELETE", "/faults")
    emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "status": 429, "probability": 1, "count": None})
    assert {rgs(emu).status_code for _attempt in range(5)} == {429}


def test_429_with_and_without_retry_after(emu):
    emu.admin("POST", "/faults", json=[{"path": "/resourcegroups$", "status": 429, "retry_after": 3},
                                       {"path": "/resourcegroups$", "status": 429}])
    with_header = rgs(emu)
    assert with_header.status_code == 429 and with_header.headers["Retry-After"] == "3"
    without = rgs(emu)
    assert without.status_code == 429 and "Retry-After" not in without.headers
    graph_rule = emu.admin("POST", "/faults", json={"service": "graph", "status": 429}).json()
    bare = graph(emu, "GET", "/applications")
    assert bare.status_code == 429 and "Retry-After" not in bare.headers
    assert bare.json()["error"]["code"] == "TooManyRequests" and graph_rule["retry_after"] is None


def test_retry_after_window_follows_the_emulator_clock(emu):
    """Requests sent before Retry-After has elapsed get another 429 with the time that remains."""
    emu.freeze()
    emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "status": 429, "retry_after": 10, "window": True})
    first = rgs(emu)
    assert first.status_code == 429 and first.headers["Retry-After"] == "10"
    emu.advance(3.5)
    again = rgs(emu)
    assert again.status_code == 429 and again.headers["Retry-After"] == "7"
    assert len(emu.admin("GET", "/faults").json()["faults"]) == 1  # count 1 was spent, the window still holds
    emu.advance(6.5)
    assert rgs(emu).status_code == 200
    assert emu.admin("GET", "/faults").json() == {"faults": []}
    assert [e["fault"] for e in emu.log() if e["kind"] == "arm_read"] == [True, True, False]


def test_every_nth_opens_a_window_each_time(emu):
    emu.freeze()
    emu.admin("POST", "/faults", json={"path": "/resourcegroups$", "status": 429, "retry_after": 5, "window": True,
                                       "every": 2, "count": None})
    assert [rgs(emu).status_code for _attempt in range(3)] == [200, 429, 429]
    emu.advance(5)
    assert [rgs(emu).status_code for _attempt in range(3)] == [200, 429, 429]


def test_rate_limit_rule_validation(emu):
    for bad in ({"status": 429, "every": 0}, {"status": 429, "every": 1.5}, {"status": 429, "every": True},
                {"status": 429, "probability": 1.5}, {"status": 429, "probability": "0.5"},
                {"status": 429, "every": 2, "probability": 0.5}, {"status": 429, "window": True},
                {"status": 429, "window": True, "retry_after": "soon"}, {"status": 429, "probability": 0.5, "seed": 1.5},
                {"reset": True, "window": True, "retry_after": 1}):
        assert emu.admin("POST", "/faults", json=bad).status_code == 400, bad
