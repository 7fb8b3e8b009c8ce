# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module needs around it: a place in the ``all`` action group, an action plugin, one version."""

from __future__ import annotations

import os

import yaml

from ansible_collections.azdo.identity.plugins.module_utils._module import COLLECTION_VERSION

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def modules():
    return sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "plugins", "modules"))
                  if f.endswith(".py") and not f.startswith("_"))


def test_every_module_is_in_the_all_action_group():
    """``module_defaults: group/azdo.identity.all`` must reach every module, or credentials silently go missing."""
    with open(os.path.join(ROOT, "meta", "runtime.yml")) as handle:
        runtime = yaml.safe_load(handle)
    assert sorted(runtime["action_groups"]["all"]) == modules()


def test_every_module_has_the_collection_action_plugin():
    """Progress while waiting and the secret guard live in plugins/plugin_utils/_action.py, used per module."""
    for name in modules():
        with open(os.path.join(ROOT, "plugins", "action", name + ".py")) as handle:
            text = handle.read()
        assert "AzureAction" in text, name


def test_the_version_the_modules_report_is_the_collection_version():
    """Modules run as AnsiballZ payloads without galaxy.yml, so the user agent's version is a constant kept equal
    to galaxy.yml's here."""
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION


def test_every_test_file_has_its_own_name():
    """pytest imports test files by basename (no packages under tests/): a second test_x.py anywhere under tests/
    makes `make test` stop with 'import file mismatch' (it did for test_drift.py, unit and integration)."""
    seen = {}
    for folder, dirs, files in os.walk(os.path.join(ROOT, "tests")):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        for name in files:
            if name.startswith("test_") and name.endswith(".py"):
                seen.setdefault(name, []).append(os.path.relpath(os.path.join(folder, name), ROOT))
    assert dict((k, v) for k, v in seen.items() if len(v) > 1) == {}
