# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README lists everything the collection ships: a table row per module, lookup, filter, role and
playbook (the action plugins are per-module helpers, mentioned once), and roles describe themselves the
same way in meta/main.yml (Galaxy's role description) and meta/argument_specs.yml."""

from __future__ import annotations

import os
import re

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme():
    with open(os.path.join(REPO, "README.md")) as handle:
        return handle.read()


def table_rows(text):
    """The first cell of every Markdown table row, split on ', ' (one row may name several items)."""
    names = set()
    for line in text.splitlines():
        match = re.match(r"\|\s*([^|]+?)\s*\|", line)
        if match:
            names.update(re.findall(r"`([^`]+)`", match.group(1)))
    return names


def plugin_names(kind, suffix=".py"):
    folder = os.path.join(REPO, "plugins", kind)
    return sorted(name[:-len(suffix)] for name in os.listdir(folder)
                  if name.endswith(suffix) and not name.startswith("_"))


def filter_names():
    """Every filter a FilterModule returns, read from the filter plugins' documentation files."""
    names = []
    folder = os.path.join(REPO, "plugins", "filter")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".yml"):
            with open(os.path.join(folder, name)) as handle:
                names.append(yaml.safe_load(handle)["DOCUMENTATION"]["name"])
    return names


def role_names():
    return sorted(os.listdir(os.path.join(REPO, "roles")))


def playbook_names():
    return sorted(name for name in os.listdir(os.path.join(REPO, "playbooks")) if name.endswith(".yml"))


@pytest.mark.parametrize("kind,names", [
    ("module", plugin_names("modules")),
    ("lookup", plugin_names("lookup")),
    ("filter", filter_names()),
    ("role", role_names()),
])
def test_readme_has_a_row_for_each(kind, names):
    assert names, "no %s found: the test reads the wrong place" % kind
    rows = table_rows(readme())
    assert [name for name in names if name not in rows] == [], "README.md has no table row for these %ss" % kind


def test_readme_has_a_row_for_each_playbook():
    rows = table_rows(readme())
    assert [name for name in playbook_names() if "playbooks/" + name not in rows] == []


def test_filter_documentation_matches_the_filters_defined():
    with open(os.path.join(REPO, "plugins", "filter", "role_items.py")) as handle:
        source = handle.read()
    defined = set(re.findall(r'"([a-z_]+)": [a-z_]+[,}]', source.split("def filters", 1)[1]))
    assert defined == set(filter_names())


def test_readme_mentions_the_action_plugins():
    text = readme()
    assert "plugins/action" in text
    assert set(plugin_names("action")) == set(plugin_names("modules")), "an action plugin per module, no other"


def test_readme_table_rows_name_only_things_that_exist():
    """No row for something removed or renamed (only the plugin and playbook tables are checked)."""
    known = (set(plugin_names("modules")) | set(plugin_names("lookup")) | set(filter_names()) | set(role_names())
             | set("playbooks/" + name for name in playbook_names()))
    text = readme()
    section = text[text.index("## What is in the collection"):text.index("## Install")]
    assert sorted(table_rows(section) - known) == []


@pytest.mark.parametrize("role", role_names())
def test_role_meta_description_is_the_argument_spec_short_description(role):
    with open(os.path.join(REPO, "roles", role, "meta", "main.yml")) as handle:
        meta = yaml.safe_load(handle)
    with open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")) as handle:
        specs = yaml.safe_load(handle)
    assert meta["galaxy_info"]["description"] == specs["argument_specs"]["main"]["short_description"]
    assert meta["galaxy_info"]["min_ansible_version"] == "2.17"
    assert meta["dependencies"] == []
