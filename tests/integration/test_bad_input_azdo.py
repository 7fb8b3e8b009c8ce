# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azdo_service_principal: bad input fails with a message naming the option (or the id to use), before any write.

Runs the module the way Ansible does (see test_bad_input.run_module) against the emulator's organization, then
reads the request log. The wrong-id cases need an app registration, made once for this file.
"""

from __future__ import annotations

import json

import pytest

from test_bad_input import auth, run_module

MODULE = "azdo_service_principal"
APP = "bad-input-azdo-app"


@pytest.fixture
def app(emulator, admin, tmp_path):
    """The emulator, and an app registration with its service principal (made by the first test that needs it)."""
    args = auth(emulator)
    args.update(display_name=APP, unique_name=APP)
    result = run_module("app_registration", args, tmp_path=tmp_path)
    assert result.get("failed") is not True, result
    return result["app_registration"]


def base(e, **overrides):
    args = dict(organization_url=e["organization_url"], principal_id=e["principal_id"])
    args.update(overrides)
    return args


CASES = [
    # (id, args builder, words the message must contain)
    ("principal-not-guid", lambda e, a: base(e, principal_id="my-pipeline-app"), ["principal_id", "GUID"]),
    ("access-level-invalid", lambda e, a: base(e, access_level="admin"), ["access_level", "stakeholder"]),
    ("group-invalid", lambda e, a: base(e, project_entitlements=[dict(project=e["project_name"], group="owner")]),
     ["group", "reader"]),
    ("group-missing", lambda e, a: base(e, project_entitlements=[dict(project=e["project_name"])]),
     ["group", "project_entitlements"]),
    ("project-empty", lambda e, a: base(e, project_entitlements=[dict(project=" ", group="reader")]),
     ["project_entitlements[0].project"]),
    ("project-twice", lambda e, a: base(e, project_entitlements=[dict(project=e["project_name"], group="reader"),
                                                                 dict(project=e["project_name"].upper(),
                                                                      group="contributor")]),
     ["project_entitlements", "twice"]),
    ("project-by-name-and-id", lambda e, a: base(e, project_entitlements=[
        dict(project=e["project_name"], group="reader"), dict(project=e["project_id"], group="contributor")]),
     ["project_entitlements", "twice"]),
    ("purge-without-list", lambda e, a: base(e, purge_project_entitlements=True),
     ["purge_project_entitlements", "project_entitlements: []"]),
    ("absent-with-access-level", lambda e, a: base(e, state="absent", access_level="basic"),
     ["access_level", "state=absent"]),
    ("timeout-negative", lambda e, a: base(e, principal_timeout=-5), ["principal_timeout"]),
    ("organization-url-http", lambda e, a: base(e, organization_url=e["organization_url"].replace("https:", "http:")),
     ["organization_url", "https"]),
    ("organization-with-slash", lambda e, a: base(e, organization_url=None, organization="contoso/project"),
     ["organization", "name"]),
    ("organization-missing", lambda e, a: base(e, organization_url=None),
     ["organization_url or organization", "AZDO_ORGANIZATION_URL"]),
    # found only by reading: still refused before any write
    ("project-unknown", lambda e, a: base(e, project_entitlements=[dict(project="no-such-project", group="reader")]),
     ["project_entitlements[0].project", "no-such-project"]),
    ("client-id-of-a-member", lambda e, a: base(e, principal_id=e["client_id"]),
     ["client (application) id", "use principal_id {principal_id}"]),
    ("app-object-id", lambda e, a: base(e, principal_id=a["object_id"]),
     ["object id of the app registration '%s'" % APP, "use principal_id {service_principal_id}"]),
    ("app-client-id", lambda e, a: base(e, principal_id=a["app_id"]),
     ["client (application) id", "use principal_id {service_principal_id}"]),
]


@pytest.mark.parametrize("name,build,words", CASES, ids=[c[0] for c in CASES])
def test_bad_azdo_input_fails_clearly_without_writes(emulator, admin, app, tmp_path, name, build, words):
    args = auth(emulator)
    args.update(build(emulator, app))
    args = dict((k, v) for k, v in args.items() if v is not None)
    admin.clear_requests()
    # An empty AZDO_ORGANIZATION_URL, so the machine's environment cannot fill in a missing organization.
    result = run_module(MODULE, args, env_extra={"AZDO_ORGANIZATION_URL": ""}, tmp_path=tmp_path)
    assert result.get("failed") is True, result
    for word in words:
        word = word.format(principal_id=emulator["principal_id"], service_principal_id=app["service_principal_id"])
        assert word in result["msg"], (word, result["msg"])
    assert admin.writes() == []
    assert emulator["client_secret"] not in json.dumps(result)


def test_the_base_input_itself_is_good(emulator, admin, tmp_path):
    """The cases above fail because of what each changes: the unchanged input (the seeded member) is a no-op."""
    args = auth(emulator)
    args.update(base(emulator), project_entitlements=[], _ansible_check_mode=True)
    admin.clear_requests()
    result = run_module(MODULE, args, tmp_path=tmp_path)
    assert result.get("failed") is not True, result
    assert result["changed"] is False and result["service_principal"]["origin_id"] == emulator["principal_id"]
    assert admin.writes() == []
