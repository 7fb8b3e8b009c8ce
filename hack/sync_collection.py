#!/usr/bin/env python
# Copyright: (c) 2025, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mirror the collection source tree into ``<dest>/ansible_collections/<ns>/<name>``.

``ansible-test`` only works when the collection lives at a real path ending in
``ansible_collections/<namespace>/<name>``; symlinks are not reliable (it resolves
paths and then refuses the layout).  This script keeps a plain copy there.

It behaves like ``rsync -a --delete`` with a fixed exclusion list, but needs
nothing beyond the Python standard library, so a freshly provisioned machine
without rsync works too.  When the source is a git work tree, files ignored by
``.gitignore`` are skipped as well (``git ls-files --cached --others
--exclude-standard``), so the copy holds exactly what a commit would hold.
The copy gets an empty git repository of its own (see ``init_git``).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys

# Directory names skipped wherever they appear.
EXCLUDED_DIR_NAMES = frozenset((
    '.git',
    '.venv',
    '.collections',
    '.ansible',
    '.emulator',
    '.pytest_cache',
    '.mypy_cache',
    '.ruff_cache',
    '.tox',
    '__pycache__',
))

# Paths (relative to the source root, '/'-separated) skipped with everything below them.
EXCLUDED_PATHS = frozenset((
    'tests/output',
    'build',
))

EXCLUDED_SUFFIXES = ('.pyc', '.pyo')

# Top-level names starting with these are skipped too.
EXCLUDED_ROOT_PREFIXES = ('.venv-', '.collections-')


def is_excluded(rel_path):
    """Return True if the '/'-separated relative path must not be copied."""
    parts = rel_path.split('/')

    if any(part in EXCLUDED_DIR_NAMES for part in parts):
        return True

    # the other virtual environments and collection copies of the root (.venv-importer, .venv-demo,
    # .venv-compat, .collections-compat)
    if parts[0].startswith(EXCLUDED_ROOT_PREFIXES):
        return True

    for index in range(1, len(parts) + 1):
        if '/'.join(parts[:index]) in EXCLUDED_PATHS:
            return True

    if rel_path.endswith(EXCLUDED_SUFFIXES):
        return True

    # collection build artifacts in the root (azdo-identity-X.Y.Z.tar.gz)
    if len(parts) == 1 and rel_path.endswith('.tar.gz'):
        return True

    return False


def git_file_list(source):
    """Return the files git would commit (tracked + untracked-not-ignored), or None without git."""
    if not os.path.exists(os.path.join(source, '.git')) or not shutil.which('git'):
        return None

    try:
        output = subprocess.run(
            ['git', '-C', source, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'],
            check=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None

    names = [name for name in output.decode('utf-8', 'surrogateescape').split('\0') if name]

    # tracked files deleted in the work tree are listed too; skip them
    return sorted(name for name in set(names) if os.path.lexists(os.path.join(source, name)))


def walk_file_list(source):
    """Return every file below source (used when git is not available)."""
    result = []

    for root, dirs, files in os.walk(source):
        rel_root = os.path.relpath(root, source).replace(os.sep, '/')
        rel_root = '' if rel_root == '.' else rel_root + '/'
        dirs[:] = [name for name in dirs
                   if not is_excluded(rel_root + name) and not os.path.islink(os.path.join(root, name))]
        result.extend(rel_root + name for name in files)
        # symlinked directories are copied as links, not followed
        result.extend(rel_root + name for name in os.listdir(root)
                      if os.path.islink(os.path.join(root, name)) and os.path.isdir(os.path.join(root, name)))

    return sorted(result)


def same_file(src, dst):
    """Return True if dst already mirrors src."""
    if os.path.islink(src) or os.path.islink(dst):
        return os.path.islink(src) and os.path.islink(dst) and os.readlink(src) == os.readlink(dst)

    if not os.path.isfile(dst):
        return False

    src_stat = os.stat(src)
    dst_stat = os.stat(dst)

    if (src_stat.st_mode & 0o7777) != (dst_stat.st_mode & 0o7777):
        return False

    if src_stat.st_size == dst_stat.st_size and int(src_stat.st_mtime) == int(dst_stat.st_mtime):
        return True

    return filecmp.cmp(src, dst, shallow=False)


def remove(path):
    """Remove a file, link or directory tree."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def sync(source, target):
    """Mirror source into target; return (copied, removed) counts."""
    files = git_file_list(source)

    if files is None:
        files = walk_file_list(source)

    files = [name for name in files if not is_excluded(name)]
    wanted = set(files)
    wanted_dirs = {''}

    for name in files:
        parts = name.split('/')
        wanted_dirs.update('/'.join(parts[:index]) for index in range(1, len(parts)))

    # Delete what is no longer in the source. Excluded paths are left alone, like
    # rsync --delete without --delete-excluded: the copy's own .git (see
    # init_git), tests/output (ansible-test results) and caches survive.
    stale = []
    stale_dirs = []

    for root, dirs, names in os.walk(target):
        rel_root = os.path.relpath(root, target).replace(os.sep, '/')
        rel_root = '' if rel_root == '.' else rel_root + '/'
        descend = []

        for name in dirs:
            rel = rel_root + name
            path = os.path.join(root, name)

            if is_excluded(rel):
                continue

            if os.path.islink(path):
                if rel not in wanted:
                    stale.append(path)
            else:
                descend.append(name)

                if rel not in wanted_dirs:
                    stale_dirs.append(path)  # removed below once empty

        dirs[:] = descend

        for name in names:
            rel = rel_root + name

            if not is_excluded(rel) and rel not in wanted:
                stale.append(os.path.join(root, name))

    for path in stale:
        remove(path)

    removed = len(stale)

    for path in reversed(stale_dirs):  # deepest first
        try:
            os.rmdir(path)
            removed += 1
        except OSError:
            pass  # still holds excluded content (left alone) or is replaced by a file below

    copied = 0

    for name in files:
        src = os.path.join(source, name)
        dst = os.path.join(target, name)

        if same_file(src, dst):
            continue

        os.makedirs(os.path.dirname(dst), exist_ok=True)

        if os.path.lexists(dst):
            remove(dst)

        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)

        copied += 1

    return copied, removed


def init_git(target):
    """Give the copy its own (empty) git repository.

    ansible-test picks its file list provider by walking up from the collection
    root: a copy inside the project's work tree would be listed through the
    project's repository, where .collections/ is git-ignored, so ansible-test
    would see no files at all ("All targets skipped").  With a repository of its
    own, ansible-test lists the copy's files as untracked-not-ignored files
    (``git ls-files --others --exclude-standard``); nothing is ever committed there.
    """
    if os.path.exists(os.path.join(target, '.git')) or not shutil.which('git'):
        return

    subprocess.run(['git', '-c', 'init.defaultBranch=main', 'init', '--quiet', target], check=True)


def main():
    """Main entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--source', default='.', help='collection source root (default: current directory)')
    parser.add_argument('--dest', required=True, help='directory that will hold ansible_collections/')
    parser.add_argument('--namespace', required=True)
    parser.add_argument('--name', required=True)
    parser.add_argument('--no-git', action='store_true', help='do not create a git repository in the copy')
    args = parser.parse_args()

    source = os.path.realpath(args.source)
    target = os.path.join(os.path.realpath(args.dest), 'ansible_collections', args.namespace, args.name)

    if target == source or target.startswith(source + os.sep) and not is_excluded(os.path.relpath(target, source).replace(os.sep, '/')):
        sys.exit('refusing to sync: %s is inside the source tree and not excluded' % target)

    copied, removed = sync(source, target)

    if not args.no_git:
        init_git(target)

    print('synced %s -> %s (%d copied, %d removed)' % (source, target, copied, removed))


if __name__ == '__main__':
    main()
