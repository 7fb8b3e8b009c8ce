# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built collection tarball holds what a user needs and nothing of the development machinery.

``ansible-galaxy collection build`` of the working tree (as `make build` runs it, galaxy.yml's
build_ignore applied) is listed against an allow-list: a file outside it fails the test, so a new
top-level file or directory has to be either ignored in galaxy.yml or added here on purpose.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Every file the tarball may hold (full-match regular expressions on its '/'-separated names).
ALLOWED_FILES = [
    r"MANIFEST\.json", r"FILES\.json",
    r"README\.md", r"LICENSE", r"CHANGELOG\.rst",
    # runtime requirements: meta/execution-environment.yml names the first two; the third is optional
    r"requirements\.txt", r"bindep\.txt", r"requirements-azure-stack\.txt",
    r"meta/runtime\.yml", r"meta/execution-environment\.yml",
    r"plugins/(action|doc_fragments|filter|lookup|module_utils|modules|plugin_utils)/[a-z_][a-z0-9_]*\.py",
    r"plugins/filter/[a-z_][a-z0-9_]*\.yml",
    r"roles/[a-z_]+/README\.md",
    r"roles/[a-z_]+/(defaults|tasks|handlers|vars)/[a-z_]+\.yml",
    r"roles/[a-z_]+/templates/[a-z0-9_.-]+\.j2",
    r"roles/[a-z_]+/meta/(main|argument_specs)\.yml",
    r"playbooks/[a-z_]+\.yml", r"playbooks/vars/[a-z_]+\.example\.yml",
    r"docs/[a-z_-]+\.md",
    r"awx/(execution-environment|requirements)\.yml", r"awx/credential_types/[a-z_]+\.yml",
    r"changelogs/(changelog|config)\.yaml", r"changelogs/fragments/[a-z0-9_-]+\.ya?ml",
    # what `ansible-test sanity` reads downstream, should the collection ever need it
    r"tests/sanity/ignore-[0-9.]+\.txt",
]
# Never in the tarball, whatever the allow-list says (belt and braces for the patterns above).
FORBIDDEN = re.compile(r"(^|/)(tests/(?!sanity/)|extensions/|hack/|\.ci/|\.venv|\.collections|__pycache__|build/)"
                       r"|\.pyc$|^Makefile$|^requirements-(test|importer|demo|compat)\.txt$|^playbooks/demo\.yml$")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    output = tmp_path_factory.mktemp("build")
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    done = subprocess.run([galaxy, "collection", "build", "--output-path", str(output), REPO],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout
    (path,) = output.glob("azdo-identity-*.tar.gz")
    # a figure, not an assertion: the size of what users download
    print("built %s: %d bytes" % (path.name, path.stat().st_size))
    return path


@pytest.fixture(scope="module")
def members(tarball):
    with tarfile.open(str(tarball)) as archive:
        return dict((member.name, member) for member in archive.getmembers())


def files_of(members):
    return sorted(name for name, member in members.items() if member.isfile())


def repo_files(*parts, **kwargs):
    """Files under a repository folder (relative '/'-names), optionally with a suffix."""
    suffix = kwargs.get("suffix", "")
    base = os.path.join(REPO, *parts)
    found = []
    for folder, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(suffix) and not name.endswith(".pyc"):
                found.append(os.path.relpath(os.path.join(folder, name), REPO).replace(os.sep, "/"))
    return found


def test_every_file_is_on_the_allow_list(members):
    pattern = re.compile("|".join("(?:%s)" % allowed for allowed in ALLOWED_FILES))
    unexpected = [name for name in files_of(members) if not pattern.fullmatch(name)]
    assert unexpected == [], "files outside the allow-list (ignore them in galaxy.yml build_ignore, or allow them here)"


def test_no_development_machinery(members):
    leaked = [name for name in members if FORBIDDEN.search(name)]
    assert leaked == []


def test_every_directory_holds_a_shipped_file(members):
    files = files_of(members)
    empty = [name for name, member in members.items()
             if member.isdir() and not any(f.startswith(name.rstrip("/") + "/") for f in files)]
    assert empty == [], "empty directories in the tarball: ignore them in galaxy.yml"


def test_what_a_user_needs_is_there(members):
    names = set(files_of(members))
    wanted = (["README.md", "LICENSE", "requirements.txt", "requirements-azure-stack.txt", "bindep.txt",
               "meta/runtime.yml", "meta/execution-environment.yml", "changelogs/changelog.yaml",
               "changelogs/config.yaml", "docs/awx.md", "awx/credential_types/azure_devops_organization.yml"]
              + repo_files("plugins", suffix=".py") + repo_files("plugins", suffix=".yml")
              + repo_files("roles") + repo_files("changelogs", "fragments")
              + [f for f in repo_files("playbooks", suffix=".yml") if f != "playbooks/demo.yml"])
    assert sorted(set(wanted) - names) == []


def test_sanity_ignore_files_ship_if_there_are_any(members):
    names = set(files_of(members))
    assert sorted(set(repo_files("tests", "sanity")) - names) == []


def test_manifest_names_the_collection(members, tarball):
    with tarfile.open(str(tarball)) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"]) == ("azdo", "identity")
    # Galaxy rejects authors longer than 64 characters (galaxy-importer: "Each author in 'authors' list ...")
    assert info["authors"] and all(len(author) <= 64 for author in info["authors"])


def test_readme_links_resolve_inside_the_tarball(members, tarball):
    """A relative link in the README a user reads (Galaxy shows it) must name a file that ships."""
    names = set(files_of(members))
    with tarfile.open(str(tarball)) as archive:
        readmes = dict((name, archive.extractfile(name).read().decode("utf-8"))
                       for name in names if name.endswith("README.md"))
    broken = []
    for name, text in sorted(readmes.items()):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(name), target)).replace(os.sep, "/")
            if path not in names:
                broken.append("%s -> %s" % (name, target))
    assert broken == []
