# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay the role-related ARM traffic of real azure-cli recordings against the emulator.

Host and subscription id are rewritten to the emulator's; the principals, resource groups and resources each
recording needs are seeded through the admin API. A principal whose first recorded PUT failed with
PrincipalNotFound is seeded "just created" (age 0) right before its first request, and the replay waits for
the configured replication delay before the request that was recorded as succeeding, as the recorded client
(which retried) did. Status codes, error codes and the key sets of the bodies must match the recording.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
RECORDINGS = REPO_ROOT / ".." / "shared" / "recordings" / "azure-cli"
RECORDED_SUB = "00000000-0000-0000-0000-000000000000"
RECORDED_HOST = "https://management.azure.com"
REPLICATION_DELAY = 0.5
ROLE_PATH = re.compile(r"/providers/Microsoft\.Authorization/role(Assignments|Definitions)", re.IGNORECASE)
RG_PATH = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+$", re.IGNORECASE)
SCOPE_RE = re.compile(r"^(?P<scope>.*?)/providers/Microsoft\.Authorization/", re.IGNORECASE)
COMPARED_PROPERTIES = ("roleDefinitionId", "principalId", "principalType", "scope", "condition", "conditionVersion",
                       "description", "roleName", "type")
CASSETTES = (
    "test_role_assignment_create_update.yaml",
    "test_role_assignment_handle_conflicted_assignments.yaml",
    "test_containerapp_registry_identity_user.yaml",
    "test_container_create_with_msi_scope.yaml",
    "test_resource_policy_identity.yaml",
    "test_create_for_rbac_password_with_assignment.yaml",
)


def load_interactions(name: str) -> list[dict]:
    """The management-plane role/resource-group interactions of one cassette, in order."""
    with open(RECORDINGS / name, encoding="utf-8") as handle:
        cassette = yaml.safe_load(handle)
    selected = []
    for item in cassette["interactions"]:
        uri = item["request"]["uri"]
        if not uri.startswith(RECORDED_HOST):
            continue
        path = urlsplit(uri).path
        if ROLE_PATH.search(path) or (RG_PATH.match(path) and item["request"]["method"] == "GET"):
            selected.append(item)
    return selected


def rewrite(text: str | None, emu) -> str | None:
    """Recorded host and subscription -> the emulator's."""
    if text is None:
        return None
    return text.replace(RECORDED_HOST, emu.base).replace(RECORDED_SUB, emu.sub)


def body_json(raw) -> dict | list | None:
    """Decode a recorded or live body; None when empty."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return json.loads(raw) if raw.strip() else None


def principal_plan(interactions: list[dict]) -> dict:
    """principalId -> (type, young) from the first recorded PUT for it."""
    plan: dict = {}
    for item in interactions:
        if item["request"]["method"] != "PUT":
            continue
        props = body_json(item["request"]["body"])["properties"]
        pid = props["principalId"].lower()
        if pid in plan:
            continue
        response = body_json(item["response"]["body"]["string"]) or {}
        young = response.get("error", {}).get("code") == "PrincipalNotFound"
        ptype = props.get("principalType") or "ServicePrincipal"
        plan[pid] = (ptype, young)
    return plan


def seed_scopes(emu, interactions: list[dict]) -> None:
    """Seed the resource groups (location/tags from a recorded GET when present) and resources used."""
    groups: dict = {}
    resources: set = set()
    for item in interactions:
        path = urlsplit(item["request"]["uri"]).path
        match = SCOPE_RE.match(path)
        scope = match.group("scope") if match else path
        parts = scope.strip("/").split("/")
        if len(parts) >= 4 and parts[2].lower() == "resourcegroups":
            groups.setdefault(parts[3], {"name": parts[3], "location": "westus"})
            if len(parts) > 4:
                resources.add(rewrite(scope, emu))
        if RG_PATH.match(path):
            recorded = body_json(item["response"]["body"]["string"])
            groups[parts[3]] = {"name": recorded["name"], "location": recorded["location"], "tags": recorded.get("tags")}
    emu.seed({"resourceGroups": list(groups.values()), "resources": [{"id": rid} for rid in sorted(resources)]})


def compare(name: str, index: int, item: dict, resp, emu) -> None:
    """Assert the live response matches the recorded one in status, error code and body shape."""
    where = f"{name} #{index} {item['request']['method']} {item['request']['uri']}"
    expected_status = item["response"]["status"]["code"]
    assert resp.status_code == expected_status, f"{where}: {resp.status_code} {resp.text}"
    recorded = body_json(rewrite(item["response"]["body"]["string"], emu))
    live = body_json(resp.content)
    if recorded is None:
        assert live is None, where
        return
    if "error" in recorded:
        assert live["error"]["code"] == recorded["error"]["code"], where
        if recorded["error"]["code"] in ("RoleAssignmentExists",):
            assert live["error"]["message"] == recorded["error"]["message"], where
        return
    if "value" in recorded:
        assert set(live) - {"nextLink"} == set(recorded) - {"nextLink"}, where
        if recorded["value"] and live["value"]:
            assert set(live["value"][0]) == set(recorded["value"][0]), where
            assert set(live["value"][0]["properties"]) == set(recorded["value"][0]["properties"]), where
        if len(recorded["value"]) == 1 and "$filter=roleName" in item["request"]["uri"]:
            assert live["value"][0]["id"] == recorded["value"][0]["id"], where
        return
    assert set(live) == set(recorded), where
    assert set(live.get("properties", {})) == set(recorded.get("properties", {})), where
    for key in ("id", "name", "type"):
        assert str(live[key]).lower() == str(recorded[key]).lower(), f"{where}: {key}"
    for key in COMPARED_PROPERTIES:
        if key in recorded.get("properties", {}):
            assert live["properties"][key] == recorded["properties"][key], f"{where}: properties.{key}"


@pytest.mark.parametrize("cassette", CASSETTES)
def test_replay_recording(emu, cassette):
    if not RECORDINGS.is_dir():
        pytest.skip(f"recordings not found at {RECORDINGS.resolve()} (expected ../shared beside the repository)")
    interactions = load_interactions(cassette)
    assert interactions, cassette
    emu.freeze()  # replication waits below move the emulator clock instead of sleeping
    emu.config(replication_delay=REPLICATION_DELAY)
    seed_scopes(emu, interactions)
    plan = principal_plan(interactions)
    seeded: dict = {}
    for index, item in enumerate(interactions):
        request = item["request"]
        body = body_json(request["body"])
        if request["method"] == "PUT":
            pid = body["properties"]["principalId"].lower()
            ptype, young = plan[pid]
            if pid not in seeded:
                emu.seed({"principals": [{"id": pid, "type": ptype, "age": 0 if young else None}]})
                seeded[pid] = emu.clock()["now"]
            if young and item["response"]["status"]["code"] < 300:
                remaining = seeded[pid] + REPLICATION_DELAY + 0.05 - emu.clock()["now"]
                if remaining > 0:
                    emu.advance(remaining)
        resp = emu.arm(request["method"], rewrite(request["uri"], emu), api_version=None,
                       data=rewrite(request["body"], emu) if request["body"] else None,
                       headers={"Content-Type": "application/json"} if request["body"] else {})
        compare(cassette, index, item, resp, emu)
