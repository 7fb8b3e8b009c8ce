# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_app_registration.ensure over an in-memory directory that imitates GraphClient's public methods."""

from __future__ import annotations

import uuid

import pytest

from ansible_collections.azdo.identity.plugins.module_utils._app_registration import ensure
from ansible_collections.azdo.identity.plugins.module_utils._context import Context
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError


class FakeGraph(object):
    def __init__(self):
        self.apps = {}
        self.sps = {}
        self.writes = []

    def _write(self, what):
        self.writes.append(what)

    def application_by_unique_name(self, unique_name):
        return next((dict(a) for a in self.apps.values() if a.get("uniqueName") == unique_name), None)

    def applications_by_display_name(self, display_name):
        return [dict(a) for a in self.apps.values() if a["displayName"] == display_name]

    def _new(self, body, unique_name=None):
        object_id = str(uuid.uuid4())
        self.apps[object_id] = dict(body, id=object_id, appId=str(uuid.uuid4()), uniqueName=unique_name,
                                    passwordCredentials=[])
        return dict(self.apps[object_id])

    def upsert_application(self, unique_name, body):
        self._write("upsert")
        return 201, self._new(body, unique_name)

    def create_application(self, body):
        self._write("create")
        return self._new(body)

    def update_application(self, object_id, body):
        self._write("update")
        self.apps[object_id].update(body)

    def delete_application(self, object_id):
        self._write("delete")
        self.apps.pop(object_id)

    def service_principal_by_app_id(self, app_id):
        return self.sps.get(app_id)

    def create_service_principal(self, app_id, deadline=None):
        self._write("sp")
        self.sps[app_id] = {"id": str(uuid.uuid4()), "appId": app_id}
        return self.sps[app_id]

    def add_password(self, object_id, credential):
        self._write("add_password")
        added = dict(credential, keyId=str(uuid.uuid4()), hint="abc", secretText="s3cr3t-" + uuid.uuid4().hex)
        self.apps[object_id]["passwordCredentials"].append(dict((k, v) for k, v in added.items() if k != "secretText"))
        return added

    def remove_password(self, object_id, key_id):
        self._write("remove_password")
        creds = self.apps[object_id]["passwordCredentials"]
        creds[:] = [c for c in creds if c["keyId"] != key_id]


class Clients(object):
    def __init__(self, graph):
        self.graph = graph


def params(**overrides):
    base = dict(display_name="app-one", unique_name="app-one", sign_in_audience="AzureADMyOrg",
                service_principal=True, client_secret=None, state="present")
    base.update(overrides)
    return base


def run(graph, check_mode=False, hidden=True, **overrides):
    return ensure(Context(Clients(graph), check_mode=check_mode), params(**overrides), hidden=hidden)


def test_check_real_and_noop_give_the_same_answer_and_only_the_real_run_writes():
    graph = FakeGraph()
    checked = run(graph, check_mode=True)
    assert checked["changed"] and graph.writes == []
    made = run(graph)
    assert made["changed"] and graph.writes == ["upsert", "sp"]
    assert checked["after"]["display_name"] == made["after"]["display_name"] == "app-one"
    assert made["after"]["service_principal_id"] and made["before"] == {}
    again = run(graph)
    assert not again["changed"] and graph.writes == ["upsert", "sp"]
    assert again["before"] == again["after"]


def test_a_secret_in_a_visible_task_is_refused_before_any_write_even_in_check_mode():
    graph = FakeGraph()
    for check_mode in (True, False):
        with pytest.raises(InputError) as info:
            run(graph, check_mode=check_mode, hidden=False, client_secret=dict(display_name="ci", rotate=False))
        assert "no_log: true" in str(info.value) and "Nothing was changed" in str(info.value)
    assert graph.writes == [] and graph.apps == {}


def test_a_secret_is_made_once_returned_once_and_rotated_on_request():
    graph = FakeGraph()
    secret = dict(display_name="ci", rotate=False, valid_days=30, end_date_time=None)
    first = run(graph, client_secret=secret)
    assert first["secret_text"].startswith("s3cr3t-")
    assert first["after"]["client_secret"]["display_name"] == "ci"
    assert "secret_text" not in first["after"] and "passwords" not in first["after"]
    second = run(graph, client_secret=secret)
    assert not second["changed"] and "secret_text" not in second
    # An existing secret with that label needs no hidden task: nothing new is returned.
    visible = run(graph, hidden=False, client_secret=secret)
    assert not visible["changed"]
    rotated = run(graph, client_secret=dict(secret, rotate=True))
    assert rotated["changed"] and rotated["secret_text"] != first["secret_text"]
    assert graph.writes.count("remove_password") == 1
    assert len(next(iter(graph.apps.values()))["passwordCredentials"]) == 1


@pytest.mark.parametrize("overrides, words", [
    (dict(display_name=None, unique_name=None), "display_name is required"),
    (dict(client_secret=dict(display_name="x", rotate=False, valid_days=0, end_date_time=None)), "positive number"),
    (dict(client_secret=dict(display_name="x", rotate=False, valid_days=None, end_date_time="tomorrow")), "ISO 8601"),
])
def test_bad_input_names_the_option(overrides, words):
    graph = FakeGraph()
    with pytest.raises(InputError) as info:
        run(graph, **overrides)
    assert words in str(info.value) and graph.writes == []


def test_an_unkeyed_app_with_the_name_is_not_duplicated():
    graph = FakeGraph()
    graph.create_application({"displayName": "app-one", "signInAudience": "AzureADMyOrg"})
    graph.writes.clear()
    with pytest.raises(InputError) as info:
        run(graph)
    assert "without a uniqueName" in str(info.value) and graph.writes == []


def test_absent_removes_and_reports_what_was_removed():
    graph = FakeGraph()
    run(graph)
    checked = run(graph, check_mode=True, state="absent")
    assert checked["changed"] and len(graph.apps) == 1
    removed = run(graph, state="absent")
    assert removed["changed"] and removed["removed"]["display_name"] == "app-one" and graph.apps == {}
    assert run(graph, state="absent") == dict(changed=False, before={}, after={})
