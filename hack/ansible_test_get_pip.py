#!/usr/bin/env python
# Copyright: (c) 2025, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the ``get-pip.py`` that ansible-test downloads.

Why this exists
---------------
``ansible-test sanity`` creates one virtual environment per sanity test
(``~/.ansible/test/venv/sanity.<test>/...``) *without* pip and then bootstraps
pip into it (``ansible_test/_util/target/setup/requirements.py::bootstrap``).
That bootstrap downloads
``https://ci-files.testing.ansible.com/ansible-test/get-pip-<pip version>.py``,
a host this build machine cannot reach, so every sanity test that needs
Python packages (pylint, validate-modules, import, yamllint, ...) fails.

The hook
--------
ansible-test skips the download when the script is already cached at
``~/.ansible/test/cache/get_pip_<pip version with _>.py`` (the failure
message itself says "The bootstrap script can be manually downloaded and
saved to: <that path>").  It then runs the cached file as
``GET_PIP=<cache path> python quiet_pip.py --disable-pip-version-check
pip==<version> --no-setuptools --no-wheel`` inside the new venv, i.e. with
get-pip's command line.  ``--seed`` copies this very file to that cache path
(for every pip version the installed ansible-test asks for), so the
"download" is replaced by:

1. ``python -m ensurepip`` - installs the pip wheel bundled with the
   interpreter, no network needed;
2. ``python -m pip install <the same arguments>`` - upgrades to the exact pip
   version ansible-test pins, from the package index pip is configured with
   (PyPI is reachable; sanity requirements come from there anyway).

Nothing in ansible-test is patched, no URL is redirected, and the result is
the same venv the real get-pip.py would produce.  Seeding is idempotent; the
Makefile runs it before every ``ansible-test`` call.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import types

# get-pip.py options that have no ``pip install`` equivalent
GET_PIP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel'))


def bootstrap(args):
    """Act as get-pip.py: install pip into the running interpreter's environment."""
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'],
                          stdout=subprocess.DEVNULL)

    pip_args = [arg for arg in args if arg not in GET_PIP_ONLY_OPTIONS]

    if any(not arg.startswith('-') for arg in pip_args):
        subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet'] + pip_args)


def wanted_pip_versions():
    """Return the pip versions the installed ansible-test bootstraps into its venvs."""
    from ansible_test._internal import python_requirements

    versions = set()

    try:
        from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS, REMOTE_ONLY_PYTHON_VERSIONS

        for python_version in REMOTE_ONLY_PYTHON_VERSIONS + CONTROLLER_PYTHON_VERSIONS:
            packages = python_requirements.get_venv_packages(types.SimpleNamespace(version=python_version))
            versions.add(packages['pip'])
    except Exception:
        # internal API changed: fall back to reading the pinned default from the source
        with open(python_requirements.__file__, encoding='utf-8') as source:
            versions.update(re.findall(r"""\bpip=['"]([0-9][0-9.]*)['"]""", source.read()))

    if not versions:
        raise SystemExit('could not determine the pip version ansible-test bootstraps')

    return sorted(versions)


def seed():
    """Place this stand-in where ansible-test looks for its cached get-pip script."""
    cache_dir = os.path.expanduser('~/.ansible/test/cache')
    os.makedirs(cache_dir, exist_ok=True)

    with open(__file__, 'rb') as this_file:
        content = this_file.read()

    for version in wanted_pip_versions():
        path = os.path.join(cache_dir, 'get_pip_%s.py' % version.replace('.', '_'))

        if os.path.isfile(path):
            with open(path, 'rb') as existing:
                if existing.read() == content:
                    continue

        temp_path = path + '.tmp'
        with open(temp_path, 'wb') as cached:
            cached.write(content)
        shutil.move(temp_path, path)
        print('seeded ansible-test pip %s bootstrap: %s' % (version, path))


def main():
    """Main entry point."""
    if sys.argv[1:] == ['--seed']:
        seed()
    else:
        bootstrap(sys.argv[1:])


if __name__ == '__main__':
    main()
