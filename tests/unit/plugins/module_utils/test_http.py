# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import email.utils
import random

import pytest
import requests

from fakes import FakeRaw

from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError, BudgetExceeded, RetryPolicy, TransportError
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import parse_error, parse_retry_after
from ansible_collections.azdo.identity.plugins.module_utils._url import encode_query, join_url, quote_resource_id, quote_segment
from ansible_collections.azdo.identity.plugins.module_utils._lro import wait_for_lro
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline


# ---------------------------------------------------------------- error shapes
def test_parse_error_arm():
    text = '{"error":{"code":"RoleAssignmentExists","message":"The role assignment already exists."}}'
    code, message, rid = parse_error(409, {"x-ms-request-id": "r-1"}, text)
    assert (code, message, rid) == ("RoleAssignmentExists", "The role assignment already exists.", "r-1")


def test_parse_error_graph_nested_inner_error():
    text = ('{"error":{"code":"Request_ResourceNotFound","message":"Resource \'x\' does not exist.",'
            '"innerError":{"date":"2026-01-01T00:00:00","innerError":{"request-id":"g-42"}}}}')
    code, message, rid = parse_error(404, {}, text)
    assert code == "Request_ResourceNotFound"
    assert "does not exist" in message
    assert rid == "g-42"


def test_parse_error_azure_devops():
    text = ('{"$id":"1","innerException":null,"message":"Service endpoint with name x already exists.",'
            '"typeName":"Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi.DuplicateServiceConnectionException",'
            '"typeKey":"DuplicateServiceConnectionException","errorCode":0,"eventId":3000}')
    code, message, rid = parse_error(400, {"ActivityId": "a-9"}, text)
    assert code == "DuplicateServiceConnectionException"
    assert message.startswith("Service endpoint with name x")
    assert rid == "a-9"


def test_parse_error_entra():
    text = '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.","correlation_id":"c-1"}'
    code, message, rid = parse_error(401, {}, text)
    assert code == "invalid_client"
    assert message.startswith("AADSTS7000215")
    assert rid == "c-1"


def test_parse_error_html_and_empty():
    code, message = parse_error(203, {}, "<html><title>Azure DevOps Services | Sign In</title></html>")[:2]
    assert code is None and "Sign In" in message and "<" not in message
    code, message = parse_error(502, {}, "")[:2]
    assert code is None and "502" in message


def test_api_error_describe():
    err = ApiError("nope", status=400, code="PrincipalNotFound", request_id="abc")
    assert err.describe() == "PrincipalNotFound: nope (HTTP 400, request id abc)"
    assert err.has_code("principalnotfound") and not err.has_code("Other")


# ---------------------------------------------------------------- Retry-After and URLs
def test_retry_after_seconds_date_and_garbage():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(30, abs=1)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


def test_path_segments_are_quoted():
    assert quote_segment("a b/c?d#e%") == "a%20b%2Fc%3Fd%23e%25"
    assert join_url("https://h/", "org", "my project", "_apis") == "https://h/org/my%20project/_apis"
    assert quote_resource_id("/subscriptions/s/resourceGroups/rg x/") == "/subscriptions/s/resourceGroups/rg%20x"
    assert encode_query({"$filter": "roleName eq 'Reader'", "api-version": "2022-04-01", "skip": None}) == \
        "$filter=roleName%20eq%20%27Reader%27&api-version=2022-04-01"


def test_backoff_full_jitter_bounds():
    policy = RetryPolicy(base=1.0, cap=8.0, rand=random.Random(7).uniform)
    for attempt in range(1, 8):
        ceiling = min(8.0, 2 ** (attempt - 1))
        samples = [policy.backoff(attempt) for dummy in range(300)]
        assert min(samples) >= 0.0
        assert max(samples) <= ceiling
        # full jitter: the spread covers most of the range, not a fixed delay
        assert max(samples) - min(samples) > 0.5 * ceiling


def test_retry_after_takes_precedence_with_small_jitter():
    policy = RetryPolicy(base=1.0, cap=8.0, max_retry_after=60, rand=random.Random(1).uniform)
    for dummy in range(100):
        wait = policy.delay(5, retry_after=3.0)
        assert 3.0 <= wait <= 3.3
    assert policy.delay(1, retry_after=500) <= 61.0


# ---------------------------------------------------------------- request / retry
def test_429_with_retry_after_then_success(make_client, clock):
    client, session = make_client([FakeRaw(429, {"error": {"code": "TooManyRequests", "message": "slow"}},
                                           {"Retry-After": "2"}),
                                   FakeRaw(429, None, {"Retry-After": "1"}),
                                   FakeRaw(200, {"ok": True})])
    response = client.request("GET", "/thing", api_version="2022-04-01")
    assert response.body == {"ok": True}
    assert len(session.sent) == 3
    assert 2.0 <= clock.sleeps[0] <= 2.2 and 1.0 <= clock.sleeps[1] <= 1.1
    assert "api-version=2022-04-01" in session.sent[0]["url"]


def test_503_without_retry_after_backs_off_within_cap(make_client, clock):
    client = make_client([FakeRaw(503)] * 4 + [FakeRaw(200, {})])[0]
    client.request("GET", "/thing")
    assert len(clock.sleeps) == 4
    for attempt, slept in enumerate(clock.sleeps, start=1):
        assert 0.0 <= slept <= min(8.0, 2 ** (attempt - 1))


def test_post_is_not_resent_after_5xx_unless_safe(make_client):
    client, session = make_client([FakeRaw(503), FakeRaw(200, {})])
    with pytest.raises(ApiError) as info:
        client.request("POST", "/op", body={"a": 1})
    assert info.value.status == 503 and len(session.sent) == 1
    client, session = make_client([FakeRaw(503), FakeRaw(200, {"done": 1})])
    assert client.request("POST", "/op", body={"a": 1}, safe=True).body == {"done": 1}
    assert len(session.sent) == 2


def test_post_is_resent_after_429_since_it_was_not_processed(make_client):
    client, session = make_client([FakeRaw(429, None, {"Retry-After": "0"}), FakeRaw(201, {"id": 1})])
    assert client.request("POST", "/op", body={}).status == 201
    assert len(session.sent) == 2


def test_connection_reset_retried_for_get_not_for_post(make_client):
    reset = requests.exceptions.ConnectionError("Connection reset by peer")
    client, session = make_client([reset, FakeRaw(200, {"x": 1})])
    assert client.request("GET", "/a").body == {"x": 1}
    client, session = make_client([reset, FakeRaw(200, {"x": 1})])
    with pytest.raises(TransportError):
        client.request("POST", "/a", body={})
    assert len(session.sent) == 1


def test_connect_timeout_is_safe_even_for_post(make_client):
    client, session = make_client([requests.exceptions.ConnectTimeout("t"), FakeRaw(200, {})])
    client.request("POST", "/a", body={})
    assert len(session.sent) == 2


def test_non_retryable_4xx_raises_at_once_with_service_details(make_client):
    body = {"error": {"code": "PrincipalNotFound", "message": "Principal abc does not exist"}}
    client, session = make_client([FakeRaw(400, body, {"x-ms-request-id": "rq"})])
    with pytest.raises(ApiError) as info:
        client.request("PUT", "/a", body={})
    assert (info.value.status, info.value.code, info.value.request_id) == (400, "PrincipalNotFound", "rq")
    assert len(session.sent) == 1


def test_budget_stops_retrying(make_client, clock):
    client, session = make_client(lambda m, u, k: FakeRaw(503, None, {"Retry-After": "20"}), budget=50.0)
    with pytest.raises(BudgetExceeded) as info:
        client.request("GET", "/a")
    assert "retry budget" in info.value.message
    assert clock.now - 1000.0 <= 50.0
    assert len(session.sent) == 3  # waits of ~20s: 0, 20, 40, then 60 > 50


def test_max_attempts_bounds_retries(make_client):
    client, session = make_client(lambda m, u, k: FakeRaw(500), max_attempts=3)
    with pytest.raises(ApiError):
        client.request("GET", "/a")
    assert len(session.sent) == 3


def test_not_found_ok_and_verify_passed_per_request(make_client):
    client, session = make_client([FakeRaw(404, {"error": {"code": "ResourceNotFound", "message": "x"}})],
                                  verify="/ca.pem")
    assert client.get("/a", not_found_ok=True) is None
    assert session.sent[0]["verify"] == "/ca.pem"
    assert session.sent[0]["headers"]["Authorization"] == "Bearer t"


def test_progress_reported_for_long_waits(make_client):
    messages = []
    client = make_client([FakeRaw(429, None, {"Retry-After": "9"}), FakeRaw(200, {})], progress=messages.append)[0]
    client.request("GET", "/a")
    assert messages and "retrying in" in messages[0]


# ---------------------------------------------------------------- paging
def test_paging_follows_next_link(make_client):
    pages = {
        "https://arm.example/list?api-version=1": {"value": [1, 2], "nextLink": "https://arm.example/list?api-version=1&$skipToken=a"},
        "https://arm.example/list?api-version=1&$skipToken=a": {"value": [3], "nextLink": "https://arm.example/list?api-version=1&$skipToken=b"},
        "https://arm.example/list?api-version=1&$skipToken=b": {"value": [4], "nextLink": None},
    }
    client, session = make_client(lambda m, u, k: FakeRaw(200, pages[u]))
    assert list(client.paged("/list", api_version="1")) == [1, 2, 3, 4]
    assert len(session.sent) == 3


def test_paging_follows_odata_next_link(make_client):
    pages = {
        "https://graph.example/v1.0/applications": {"value": ["a"], "@odata.nextLink": "https://graph.example/v1.0/applications?$skiptoken=x"},
        "https://graph.example/v1.0/applications?$skiptoken=x": {"value": ["b"]},
    }
    client = make_client(lambda m, u, k: FakeRaw(200, pages[u]), base_url="https://graph.example")[0]
    assert list(client.paged("https://graph.example/v1.0/applications")) == ["a", "b"]


def test_paging_follows_continuation_token(make_client):
    def handler(method, url, kwargs):
        if "continuationToken=t2" in url:
            return FakeRaw(200, {"count": 1, "value": ["c"]})
        if "continuationToken=t1" in url:
            return FakeRaw(200, {"count": 1, "value": ["b"]}, {"X-MS-ContinuationToken": "t2"})
        return FakeRaw(200, {"count": 1, "value": ["a"]}, {"X-MS-ContinuationToken": "t1"})

    client, session = make_client(handler, base_url="https://dev.example/org")
    assert list(client.paged("_apis/projects", api_version="7.1")) == ["a", "b", "c"]
    assert all("api-version=7.1" in s["url"] for s in session.sent)


def test_paging_refuses_another_host_and_loops(make_client):
    client = make_client([FakeRaw(200, {"value": [1], "nextLink": "https://evil.example/steal"})])[0]
    with pytest.raises(ApiError):
        list(client.paged("/list"))
    loop = {"value": [1], "nextLink": "https://arm.example/list?p=2"}
    client = make_client(lambda m, u, k: FakeRaw(200, loop))[0]
    with pytest.raises(ApiError):
        list(client.paged("/list"))


# ---------------------------------------------------------------- long-running operations
def _started(headers, body=None, status=201):
    return type("R", (), dict(header=lambda self, n: headers.get(n), body=body, status=status,
                              url="https://arm.example/pool?api-version=1"))()


def _deadline(clock, seconds=1800, option="timeout", progress=None):
    return Deadline(seconds, clock.clock, clock.sleep, progress, option)


def test_lro_async_operation_to_success(make_client, clock):
    statuses = iter([{"status": "InProgress"}, {"status": "InProgress"}, {"status": "Succeeded"}])
    client, session = make_client(lambda m, u, k: FakeRaw(200, next(statuses), {"Retry-After": "1"}))
    body = wait_for_lro(client, _started({"Azure-AsyncOperation": "https://arm.example/op/1", "Retry-After": "3"}),
                        _deadline(clock))
    assert body["status"] == "Succeeded"
    assert len(session.sent) == 3
    assert clock.sleeps == [3.0, 1.0, 1.0]  # Retry-After, exactly


def test_lro_failure_carries_service_error(make_client, clock):
    failed = {"status": "Failed", "error": {"code": "ResourceCreationValidateFailed",
                                            "message": "The resource validation failed."}}
    client = make_client([FakeRaw(200, failed)])[0]
    with pytest.raises(ApiError) as info:
        wait_for_lro(client, _started({"Azure-AsyncOperation": "https://arm.example/op/1"}), _deadline(clock))
    assert info.value.code == "ResourceCreationValidateFailed"


def test_lro_location_polling(make_client, clock):
    client, session = make_client([FakeRaw(202), FakeRaw(202), FakeRaw(204)])
    wait_for_lro(client, _started({"Location": "https://arm.example/loc/1"}, status=202), _deadline(clock))
    assert len(session.sent) == 3


def test_lro_provisioning_state_polling(make_client, clock):
    client, session = make_client([FakeRaw(200, {"properties": {"provisioningState": "Provisioning"}}),
                                   FakeRaw(200, {"properties": {"provisioningState": "Succeeded"}})])
    body = wait_for_lro(client, _started({}, {"properties": {"provisioningState": "Accepted"}}), _deadline(clock))
    assert body["properties"]["provisioningState"] == "Succeeded"
    assert len(session.sent) == 2


def test_lro_waits_to_the_deadline_and_says_how_long(make_client, clock):
    """A timeout of 1s waits 1s (not 0s) and names the option; a longer one ends exactly at its deadline."""
    client = make_client(lambda m, u, k: FakeRaw(200, {"status": "InProgress"}))[0]
    with pytest.raises(ApiError) as info:
        wait_for_lro(client, _started({"Azure-AsyncOperation": "https://arm.example/op/1"}), _deadline(clock, 1),
                     what="the update")
    assert info.value.code == "OperationTimeout" and clock.now - 1000.0 == pytest.approx(1.0)
    assert info.value.message.startswith("Timed out after 1.0s (timeout=1s): Waiting for the update to finish")
    messages = []
    with pytest.raises(ApiError) as info:
        wait_for_lro(client, _started({"Azure-AsyncOperation": "https://arm.example/op/1"}),
                     _deadline(clock, 100, progress=messages.append))
    assert clock.now - 1001.0 == pytest.approx(100) and "after 100s (timeout=100s)" in info.value.message
    assert messages and all("timeout=100s" in m for m in messages)


def test_collect_all_pages_or_none_when_parent_missing(make_client):
    pages = {"https://arm.example/l?api-version=1": {"value": [1], "nextLink": "https://arm.example/l?api-version=1&p=2"},
             "https://arm.example/l?api-version=1&p=2": {"value": [2]}}
    client, session = make_client(lambda m, u, k: FakeRaw(200, pages[u]))
    assert client.collect("/l", api_version="1") == [1, 2] and len(session.sent) == 2
    client = make_client([FakeRaw(404, {"error": {"code": "ResourceNotFound", "message": "x"}})])[0]
    assert client.collect("/l", api_version="1", not_found_ok=True) is None
    client = make_client([FakeRaw(200, {"value": []}), FakeRaw(404)])[0]
    assert client.collect("/l", api_version="1", not_found_ok=True) == []


def test_tls_verify_and_the_warning_when_off():
    from ansible_collections.azdo.identity.plugins.module_utils._http import tls_verify, tls_warning

    # True lets requests use REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, else certifi; a ca_path replaces both
    assert tls_verify(True, None) is True
    assert tls_verify(True, "/etc/ca.pem") == "/etc/ca.pem"
    assert tls_verify(False, "/etc/ca.pem") is False
    assert tls_warning(True, None) is None and tls_warning(True, "/etc/ca.pem") is None
    assert tls_warning(False, None).startswith("validate_certs is false: the TLS certificates")
    assert "ca_path is ignored" in tls_warning(False, "/etc/ca.pem")
