# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment: meta/execution-environment.yml and the files it names travel in the built
collection, and ``ansible-builder create`` on awx/execution-environment.yml writes a build context that
installs the collection from its tarball (no image is built: there is no container engine here)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile

import pytest
import yaml

from awx_support import REPO, read_galaxy_version, venv_tool


def read_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def requirement_lines(path):
    with open(path) as handle:
        return [line.split("#", 1)[0].strip() for line in handle if line.split("#", 1)[0].strip()]


@pytest.fixture(scope="module")
def build_context(collection_tarball, tmp_path_factory):
    """awx/ and the tarball laid out as in the repository after `make build`, then ansible-builder create."""
    root = tmp_path_factory.mktemp("ee")
    shutil.copytree(os.path.join(REPO, "awx"), str(root / "awx"))
    (root / "build").mkdir()
    shutil.copy(str(collection_tarball), str(root / "build"))
    done = subprocess.run([venv_tool("ansible-builder"), "create", "--file", "awx/execution-environment.yml",
                           "--context", "context", "--output-filename", "Containerfile"],
                          cwd=str(root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout
    assert "No matches" not in done.stdout and "does not exist" not in done.stdout, done.stdout
    return root / "context"


def test_collection_metadata_names_files_that_ship(collection_tarball):
    meta = read_yaml(os.path.join(REPO, "meta", "execution-environment.yml"))
    assert meta["version"] == 1
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    with tarfile.open(str(collection_tarball)) as archive:
        names = set(archive.getnames())
    for path in ["meta/execution-environment.yml"] + list(meta["dependencies"].values()):
        assert path in names, "%s is not in the built collection" % path


def requirement_names(path):
    return set(line.split(">")[0].split("=")[0].split("<")[0].strip().lower() for line in requirement_lines(path))


def test_requirements_cover_every_third_party_import():
    # The modules and plugins import these (lazily or not); the EE installs requirements.txt. msrestazure is
    # only for Azure Stack style cloud metadata: optional, in requirements-azure-stack.txt, imported in one place.
    default = requirement_names(os.path.join(REPO, "requirements.txt"))
    optional = requirement_names(os.path.join(REPO, "requirements-azure-stack.txt"))
    assert default == {"requests", "azure-identity"}
    assert optional == {"msrestazure"}
    imported = set()
    msrestazure_users = []
    for folder, dirs, files in os.walk(os.path.join(REPO, "plugins")):
        dirs.sort()
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name)) as handle:
                    text = handle.read()
                imported.update(package for module, package in (("import requests", "requests"),
                                                                ("from azure.identity", "azure-identity"),
                                                                ("from msrestazure", "msrestazure"))
                                if module in text)
                msrestazure_users.extend((name, line) for line in text.splitlines()
                                         if line.strip().startswith(("from msrestazure", "import msrestazure")))
    assert imported == default | optional
    # imported lazily (indented: inside the Azure Stack code path of _cloud.py), never at module level
    assert [(name, line.startswith(" ")) for name, line in msrestazure_users] == [("_cloud.py", True)]


def test_optional_requirements_ship_with_the_collection(collection_tarball):
    with tarfile.open(str(collection_tarball)) as archive:
        names = set(archive.getnames())
    assert {"requirements.txt", "requirements-azure-stack.txt", "bindep.txt"} <= names


def test_definition_installs_this_version_of_the_collection():
    definition = read_yaml(os.path.join(REPO, "awx", "execution-environment.yml"))
    requirements = read_yaml(os.path.join(REPO, "awx", "requirements.yml"))
    tarball = "azdo-identity-%s.tar.gz" % read_galaxy_version()
    assert definition["version"] == 3
    assert definition["dependencies"]["galaxy"] == "requirements.yml"
    assert definition["additional_build_files"] == [{"src": "../build/" + tarball, "dest": "collections"}]
    assert requirements == {"collections": [{"name": "collections/" + tarball, "type": "file"}]}


def test_build_context(build_context):
    containerfile = (build_context / "Containerfile").read_text()
    definition = read_yaml(os.path.join(REPO, "awx", "execution-environment.yml"))
    tarball = "azdo-identity-%s.tar.gz" % read_galaxy_version()
    # The base image and Python 3.12, with ansible-core new enough for the collection.
    assert 'ARG EE_BASE_IMAGE="%s"' % definition["images"]["base_image"]["name"] in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile
    assert "ansible-core>=2.17.0" in containerfile and "ansible-runner" in containerfile
    # The galaxy stage installs the collection from the tarball copied into the context.
    assert "COPY _build /build" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert (build_context / "_build" / "collections" / tarball).is_file()
    assert read_yaml(str(build_context / "_build" / "requirements.yml")) == read_yaml(
        os.path.join(REPO, "awx", "requirements.yml"))
    # The builder stage introspects the installed collections (for their Python and system requirements).
    assert "introspect.py introspect" in containerfile
    assert requirement_lines(str(build_context / "_build" / "bindep.txt")) == ["python3.12-devel [platform:rpm compile]"]
    # The tarball in the context is the collection as built.
    with tarfile.open(str(build_context / "_build" / "collections" / tarball)) as archive:
        assert "MANIFEST.json" in archive.getnames() and "plugins/modules/managed_identity.py" in archive.getnames()


def test_introspection_finds_the_collection_requirements(build_context, installed_collection, tmp_path):
    """What the builder stage's introspect.py (shipped in the context) reports for the installed collection."""
    pip_out, bindep_out = tmp_path / "requirements.txt", tmp_path / "bindep.txt"
    done = subprocess.run([venv_tool("python"), str(build_context / "_build" / "scripts" / "introspect.py"), "introspect",
                           str(installed_collection), "--user-bindep", str(build_context / "_build" / "bindep.txt"),
                           "--write-pip", str(pip_out), "--write-bindep", str(bindep_out)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout
    assert requirement_lines(str(pip_out)) == requirement_lines(os.path.join(REPO, "requirements.txt"))
    assert "from collection azdo.identity" in pip_out.read_text()
    assert requirement_lines(str(bindep_out)) == (requirement_lines(os.path.join(REPO, "bindep.txt"))
                                                  + ["python3.12-devel [platform:rpm compile]"])
