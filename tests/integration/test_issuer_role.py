# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 12 item 2: the issuer_migration role over a seeded organization (emulator seed ``issuerFleet``).

Every connection is in the report with the outcome its seed calls for; check mode writes the plan and sends no
write; a failure on one connection does not stop the others and a re-run resumes; the HTML escapes names.
"""

from __future__ import annotations

import json
import uuid

import pytest

from test_issuer import ISSUER_DEFAULTS

ROLE = "issuer_migration"


@pytest.fixture
def issuer_admin(admin):
    admin.config(**ISSUER_DEFAULTS)
    yield admin
    admin.config(**ISSUER_DEFAULTS)


def expected(seeded):
    """The outcome the role must report for a seeded connection (tests/emulator/README.md, "Issuer conversion")."""
    if seeded["issuerKind"] == "entra":
        return "already_entra"
    if seeded["issuerKind"] is None or seeded["outOfScope"]:
        return "out_of_scope"
    return "handoff" if seeded["locked"] else "converted"


def fleet(admin, projects, per_project):
    prefix = "fl%s" % uuid.uuid4().hex[:6]
    made = admin.seed({"issuerFleet": [{"projects": projects, "perProject": per_project, "prefix": prefix}]})
    made = made["issuerFleet"][0]
    return made["projects"], made["connections"]


def run_role(run_playbook, projects, report_dir, check=False, expect_rc=0, **extra):
    variables = {"role_name": ROLE, "issuer_migration_projects": projects, "issuer_migration_report_dir": str(report_dir)}
    variables.update(extra)
    return run_playbook("run_role.yml", extra_vars=variables, check=check, expect_rc=expect_rc)


def report(report_dir):
    with open(str(report_dir / "issuer-migration.json")) as handle:
        return json.load(handle)


def outcomes(data):
    return dict((c["id"], c["action"]) for c in data["connections"])


def test_role_plans_then_moves_a_fleet_and_a_rerun_changes_nothing(run_playbook, issuer_admin, tmp_path):
    projects, seeded = fleet(issuer_admin, 2, 12)
    want = dict((s["id"], expected(s)) for s in seeded)
    assert sorted(set(want.values())) == ["already_entra", "converted", "handoff", "out_of_scope"]

    # Check mode: the plan, and not one write.
    plan_dir = tmp_path / "plan"
    issuer_admin.clear_requests()
    run_role(run_playbook, projects, plan_dir, check=True)
    assert issuer_admin.writes() == []
    plan = report(plan_dir)
    assert plan["mode"] == "plan" and sorted(plan["projects"]) == sorted(projects)
    planned = outcomes(plan)
    assert sorted(planned) == sorted(want)
    for key, outcome in want.items():
        assert planned[key] == ("would_convert" if outcome in ("converted", "handoff") else outcome), key

    # The run: every connection with the outcome its seed calls for, in all three files.
    before = dict((e["id"], e) for e in issuer_admin.state()["azdo"]["serviceEndpoints"])
    run_dir = tmp_path / "run"
    done = run_role(run_playbook, projects, run_dir)
    data = report(run_dir)
    assert data["mode"] == "run" and outcomes(data) == want
    assert data["counts"]["converted"] == 12 and data["counts"]["handoff"] == 4 and data["counts"]["failed"] == 0
    assert data["organization_url"]
    for row in data["connections"]:
        if row["action"] == "handoff":
            assert row["handoff"]["subject"].startswith("/eid1/") and row["handoff"]["audience"]
            assert row["handoff"]["subject"] in done.stdout  # told to the person running it, too
        if row["action"] == "converted":
            assert row["new_issuer"].startswith("https://login.microsoftonline.com/") and row["new_subject"]
        if row["scheme"] == "ServicePrincipal":
            assert len(row["secret_expiry"]) == 2
    state = dict((e["id"], e) for e in issuer_admin.state()["azdo"]["serviceEndpoints"])
    for item in seeded:
        record = state[item["id"]]
        if want[item["id"]] in ("converted", "already_entra"):
            assert record["wifIssuer"].startswith("https://login.microsoftonline.com/") and record["ready"], item
        else:  # handed off (error mode: the connection is unchanged) or out of scope: never changed
            assert record == before[item["id"]], item
    html = (run_dir / "issuer-migration.html").read_text()
    markdown = (run_dir / "issuer-migration.md").read_text()
    for row in data["connections"]:
        assert row["name"] in html and row["name"] in markdown
    assert oct((run_dir).stat().st_mode & 0o777) == "0o750"

    # Re-run: what was moved is already on Entra, and nothing but the hand-offs' retries is written.
    issuer_admin.clear_requests()
    run_role(run_playbook, projects, tmp_path / "again")
    again = outcomes(report(tmp_path / "again"))
    assert again == dict((k, "already_entra" if v == "converted" else v) for k, v in want.items())
    handed_off = [k for k, v in want.items() if v == "handoff"]
    assert [w for w in issuer_admin.writes() if not any(k in w["path"] for k in handed_off)] == []


def test_a_failed_connection_does_not_stop_the_others_and_a_rerun_resumes(run_playbook, issuer_admin, tmp_path):
    project = "fail-%s" % uuid.uuid4().hex[:6]
    seeded = issuer_admin.seed({"issuerConnections": [
        {"name": "sc-a", "project": project}, {"name": "sc-b", "project": project, "identity": "app"},
        {"name": "sc-c", "project": project, "type": "dockerregistry"}]})["issuerConnections"]
    broken = seeded[1]
    issuer_admin.add_fault(method="PUT", path="serviceendpoint/endpoints/%s" % broken["id"], status=400, count=None,
                           message="Simulated refusal for this connection")
    failed = run_role(run_playbook, [project], tmp_path / "first", expect_rc=2)
    assert "sc-b" in failed.stdout and "run the role again" in failed.stdout
    first = report(tmp_path / "first")
    by_name = dict((c["name"], c) for c in first["connections"])
    assert [by_name[n]["action"] for n in ("sc-a", "sc-b", "sc-c")] == ["converted", "failed", "converted"]
    assert "Simulated refusal" in by_name["sc-b"]["message"]
    issuer_admin.clear_faults()
    run_role(run_playbook, [project], tmp_path / "second")
    second = dict((c["name"], c["action"]) for c in report(tmp_path / "second")["connections"])
    assert second == {"sc-a": "already_entra", "sc-b": "converted", "sc-c": "already_entra"}


def test_the_html_report_escapes_what_it_shows(run_playbook, issuer_admin, tmp_path):
    project = "esc-%s" % uuid.uuid4().hex[:6]
    name = "sc-<script>alert(1)</script>"
    issuer_admin.seed({"issuerConnections": [{"name": name, "project": project, "issuer": "entra"}]})
    run_role(run_playbook, [project], tmp_path, check=True)
    html = (tmp_path / "issuer-migration.html").read_text()
    assert "<script>" not in html
    assert "sc-&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = (tmp_path / "issuer-migration.md").read_text()
    assert "<script>" not in markdown
    assert report(tmp_path)["connections"][0]["name"] == name
