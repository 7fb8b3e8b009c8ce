# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay the Managed Identity and Microsoft Graph traffic of real azure-cli recordings against the emulator.

Hosts and the subscription id are rewritten to the emulator's; object ids, app ids, key ids and FIC ids the
service generated are learned from each live response (paired with the recorded one) and substituted into
later requests. Status codes, error codes, @odata.context, the key sets of bodies and the values the client
chose (names, issuers, subjects, dates ...) must match the recording. Differences that are the recordings'
age, not the emulator's choice, are listed in NEWER_KEYS (see README "Replay").
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
ARM_HOST = "https://management.azure.com"
GRAPH_HOST = "https://graph.microsoft.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MSI_PATH = re.compile(r"/providers/Microsoft\.ManagedIdentity/", re.IGNORECASE)
RG_IN_PATH = re.compile(r"^/subscriptions/[^/]+/resourcegroups/(?P<rg>[^/]+)", re.IGNORECASE)
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
LEARNED_KEYS = ("id", "appId", "keyId", "principalId", "clientId")
# Values chosen by the client (or derived from its input) that the emulator must return unchanged.
COMPARED = ("name", "type", "location", "tags", "displayName", "signInAudience", "identifierUris", "issuer", "subject",
            "description", "audiences", "startDateTime", "endDateTime", "servicePrincipalType", "appDisplayName",
            "servicePrincipalNames", "accountEnabled", "appRoleAssignmentRequired", "totalCount", "properties")
# Properties Graph added after the 2022 recordings were made (present in the 2023 recordings): allowed extras.
NEWER_KEYS = {"samlMetadataUrl", "requestSignatureVerification", "servicePrincipalLockConfiguration"}
CASSETTES = (
    "test_federated_identity_credential.yaml",
    "test_identity_management.yaml",
    "test_app_federated_credential.yaml",
    "test_app_credential.yaml",
    "test_service_principal_scenario.yaml",
    "test_sp_credential.yaml",
)


def load(name: str) -> tuple[list, list]:
    """(selected MSI/Graph interactions, all interactions) of a cassette."""
    with open(RECORDINGS / name, encoding="utf-8") as handle:
        interactions = yaml.safe_load(handle)["interactions"]
    selected = [i for i in interactions if i["request"]["uri"].startswith(GRAPH_HOST)
                or (i["request"]["uri"].startswith(ARM_HOST) and MSI_PATH.search(urlsplit(i["request"]["uri"]).path))]
    return selected, interactions


def decode(raw):
    """JSON of a recorded or live body; None when empty."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return json.loads(raw) if raw.strip() else None


class Replay:
    """Rewrites recorded requests for the emulator and learns the ids it generates."""

    def __init__(self, emu):
        self.emu = emu
        self.ids: dict = {}

    def rewrite(self, text: str | None) -> str | None:
        if text is None:
            return None
        text = text.replace(ARM_HOST, self.emu.base).replace(GRAPH_HOST, self.emu.base).replace(RECORDED_SUB, self.emu.sub)
        for recorded, live in self.ids.items():
            text = text.replace(recorded, live)
        return text

    def rewrite_value(self, value):
        return json.loads(self.rewrite(json.dumps(value)))

    def learn(self, recorded, live, where: str) -> None:
        """Pair generated ids of the recorded and the live body (recursively through value / properties)."""
        if isinstance(recorded, list) and isinstance(live, list):
            for rec_item, live_item in zip(recorded, live):
                self.learn(rec_item, live_item, where)
            return
        if not isinstance(recorded, dict) or not isinstance(live, dict):
            return
        for key in LEARNED_KEYS:
            rec, got = recorded.get(key), live.get(key)
            if isinstance(rec, str) and isinstance(got, str) and GUID.match(rec) and GUID.match(got):
                known = self.ids.get(rec)
                assert known in (None, got), f"{where}: {key} {rec} was {known}, now {got}"
                if rec != got:
                    self.ids[rec] = got
        for key in ("value", "properties"):
            self.learn(recorded.get(key), live.get(key), where)

    def token(self, uri: str) -> str:
        return self.emu.token(GRAPH_SCOPE) if uri.startswith(GRAPH_HOST) else self.emu.token()


def seed_resource_groups(emu, selected: list, interactions: list) -> None:
    """Seed the resource groups the MSI requests use (location from a recorded resource group GET)."""
    groups: dict = {}
    for item in selected:
        match = RG_IN_PATH.match(urlsplit(item["request"]["uri"]).path)
        if match:
            groups.setdefault(match.group("rg").lower(), {"name": match.group("rg"), "location": "westus"})
    for item in interactions:
        path = urlsplit(item["request"]["uri"]).path
        match = RG_IN_PATH.match(path)
        if match and path == match.group(0) and item["request"]["method"] == "GET" and match.group("rg").lower() in groups:
            recorded = decode(item["response"]["body"]["string"])
            groups[match.group("rg").lower()] = {"name": recorded["name"], "location": recorded["location"]}
    if groups:
        emu.seed({"resourceGroups": list(groups.values())})


def compare_keys(recorded: dict, live: dict, where: str) -> None:
    extra = set(live) - set(recorded) - {"nextLink", "@odata.nextLink"}
    missing = set(recorded) - set(live) - {"nextLink", "@odata.nextLink"}
    assert not missing, f"{where}: missing keys {sorted(missing)}"
    assert extra <= NEWER_KEYS, f"{where}: extra keys {sorted(extra - NEWER_KEYS)}"


def compare(replay: Replay, where: str, item: dict, resp) -> None:
    """Status, error code and body shape/values of one live response against the recorded one."""
    expected = item["response"]["status"]["code"]
    assert resp.status_code == expected, f"{where}: {resp.status_code} {resp.text}"
    recorded = decode(item["response"]["body"]["string"])
    live = decode(resp.content)
    if recorded is None:
        assert live is None, f"{where}: expected an empty body, got {resp.text}"
        return
    if "error" in recorded:
        assert live["error"]["code"] == recorded["error"]["code"], where
        if "innerError" in recorded["error"]:
            assert set(live["error"]["innerError"]) == set(recorded["error"]["innerError"]), where
            assert live["error"]["message"] == replay.rewrite(recorded["error"]["message"]), where
        return
    replay.learn(recorded, live, where)
    compare_keys(recorded, live, where)
    if "@odata.context" in recorded:
        assert live["@odata.context"] == replay.rewrite(recorded["@odata.context"]), where
    pairs = [(recorded, live)]
    if "value" in recorded:
        assert len(live["value"]) == len(recorded["value"]), f"{where}: {len(live['value'])} items"
        pairs = list(zip(recorded["value"], live["value"]))
        for rec_item, live_item in pairs:
            compare_keys(rec_item, live_item, where)
    for rec_item, live_item in pairs:
        for key in ("id",) + COMPARED:
            if key in rec_item and not (key == "id" and not isinstance(rec_item[key], str)):
                if key == "properties" and isinstance(rec_item[key], dict):
                    assert set(live_item[key]) == set(rec_item[key]), f"{where}: properties keys"
                    for prop in ("issuer", "subject", "audiences", "tenantId"):
                        if prop in rec_item[key]:
                            want = replay.rewrite_value(rec_item[key][prop]) if prop != "tenantId" else replay.emu.info["tenant_id"]
                            assert live_item[key][prop] == want, f"{where}: properties.{prop}"
                    continue
                assert live_item[key] == replay.rewrite_value(rec_item[key]), f"{where}: {key}"


@pytest.mark.parametrize("cassette", CASSETTES)
def test_replay_identity_recording(emu, cassette):
    if not RECORDINGS.is_dir():
        pytest.skip(f"recordings not found at {RECORDINGS.resolve()} (expected ../shared beside the repository)")
    emu.config(fic_concurrency_conflicts=False)
    selected, interactions = load(cassette)
    assert selected, cassette
    seed_resource_groups(emu, selected, interactions)
    replay = Replay(emu)
    for index, item in enumerate(selected):
        request = item["request"]
        where = f"{cassette} #{index} {request['method']} {request['uri']}"
        headers = {"Authorization": f"Bearer {replay.token(request['uri'])}"}
        if request["body"]:
            headers["Content-Type"] = "application/json"
        resp = emu.request(request["method"], replay.rewrite(request["uri"]), headers=headers,
                           data=replay.rewrite(request["body"]) if request["body"] else None)
        compare(replay, where, item, resp)
