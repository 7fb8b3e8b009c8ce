# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from fakes import FakeRaw

from ansible_collections.azdo.identity.plugins.module_utils._graph import GraphClient, key_segment
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError

LAG = {"error": {"code": "Request_BadRequest",
                 "message": "The appId 'a' of the service principal does not reference a valid application object."}}
GONE = {"error": {"code": "Request_BadRequest", "message": "No password credential found with keyId k."}}


def test_alternate_key_segment_is_quoted_once():
    assert key_segment("applications", "uniqueName", "it's") == "applications(uniqueName='it''s')"


def test_service_principal_create_waits_out_replication_lag(make_client, clock):
    client = make_client([FakeRaw(400, LAG), FakeRaw(400, LAG), FakeRaw(201, {"id": "sp"})],
                         base_url="https://graph.example/v1.0")[0]
    assert GraphClient(client).create_service_principal("a")["id"] == "sp"
    assert len(clock.sleeps) == 2


def test_service_principal_create_reads_the_one_a_lost_answer_made(make_client):
    conflict = {"error": {"code": "Request_MultipleObjectsWithSameKeyValue", "message": "exists"}}
    client = make_client([FakeRaw(409, conflict), FakeRaw(200, {"id": "sp-existing"})],
                         base_url="https://graph.example/v1.0")[0]
    assert GraphClient(client).create_service_principal("a")["id"] == "sp-existing"


def test_remove_password_already_gone_is_success(make_client):
    client, session = make_client([FakeRaw(400, GONE), FakeRaw(200, {"id": "o", "passwordCredentials": []})],
                                  base_url="https://graph.example/v1.0")
    GraphClient(client).remove_password("o", "k")
    assert [s["method"] for s in session.sent] == ["POST", "GET"]


def test_remove_password_refused_while_key_present_is_an_error(make_client):
    client = make_client([FakeRaw(400, GONE), FakeRaw(200, {"id": "o", "passwordCredentials": [{"keyId": "k"}]})],
                         base_url="https://graph.example/v1.0")[0]
    with pytest.raises(ApiError):
        GraphClient(client).remove_password("o", "k")


def test_upsert_sends_prefer_create_if_missing(make_client):
    client, session = make_client([FakeRaw(201, {"id": "o", "appId": "a"})], base_url="https://graph.example/v1.0")
    status, body = GraphClient(client).upsert_application("key", {"displayName": "x"})
    assert status == 201 and body["appId"] == "a"
    assert session.sent[0]["headers"]["Prefer"] == "create-if-missing"
    assert session.sent[0]["url"].startswith("https://graph.example/v1.0/applications(uniqueName='key')")
