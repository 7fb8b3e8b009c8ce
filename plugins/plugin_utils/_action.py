# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The controller side of every azdo.identity module: progress while it waits, and a guard for secrets.

A module runs in a child process whose output Ansible reads only when it ends, so a module alone can
say "still waiting for ..." only after the fact (as a warning, which it is not). When the module runs
on the controller itself (``connection: local``, the way this collection is used), this action
plugin gives it a private file to append progress lines to, and prints each line as it arrives, on
the console and as a job event in AWX. Elsewhere (a remote host, ``async``) the module runs as the
built-in ``normal`` action would run it, and simply logs its progress on the host.

It also sets up the run cache (``plugins/module_utils/_token_cache.py``) for a module that runs on the
controller: a directory inside this run's private temporary directory and the run's key, handed over
in the environment the module process inherits (never on its command line, which other users can
see in the process list and which ``-vvv`` prints). The key is made when this file is first imported;
ansible-playbook's strategy imports every task's action plugin in its main process (to look for
``BYPASS_HOST_LOOP``) before it forks the worker that runs the task, so all the tasks of one run
share one key, and no other run ever has it. Where that is not so (a strategy that imports action
plugins only in its workers), each task simply gets its own key and the cache stays empty.

It also enforces that a value the module marks as secret (``secret_text``) never leaves this
process unless the task is ``no_log``: the module refuses first, this is the last line of defence.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

PROGRESS_ENV = "AZDO_IDENTITY_PROGRESS_FILE"
# Same names as plugins/module_utils/_token_cache.py (RUN_KEY_ENV, RUN_CACHE_ENV).
RUN_KEY_ENV = "AZDO_IDENTITY_RUN_KEY"
RUN_CACHE_ENV = "AZDO_IDENTITY_RUN_CACHE"
_RUN_KEY = os.urandom(32).hex()
SECRET_KEYS = ("secret_text",)
LOCAL_TRANSPORTS = ("local", "ansible.builtin.local", "ansible.legacy.local")

display = Display()


class _ProgressTail(object):
    """Prints the lines a module appends to ``path`` while it runs (polling; no inotify needed)."""

    def __init__(self, path, prefix, interval=0.5):
        self.path = path
        self.prefix = prefix
        self.interval = interval
        self._offset = 0
        self._partial = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="azdo-identity-progress", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self._drain()
        return False

    def _loop(self):
        while not self._stop.wait(self.interval):
            self._drain()

    def _drain(self):
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except OSError:
            return
        if not chunk:
            return
        self._offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            text = line.decode("utf-8", "replace").strip()
            if text:
                display.display("%s%s" % (self.prefix, text))


class AzureAction(ActionBase):
    """Runs the module of the same name; see the module docstring."""

    _supports_check_mode = True
    _supports_async = True

    _progress_file = None

    def _compute_environment_string(self, raw_environment_out=None):
        text = super(AzureAction, self)._compute_environment_string(raw_environment_out)
        if self._progress_file is None:
            return text
        final = {}
        super(AzureAction, self)._compute_environment_string(final)
        final[PROGRESS_ENV] = self._progress_file
        if isinstance(raw_environment_out, dict):
            raw_environment_out.update(final)
        return self._connection._shell.env_prefix(**final)

    def _is_local(self):
        transport = getattr(self._connection, "transport", None) or getattr(self._connection, "_load_name", "")
        return transport in LOCAL_TRANSPORTS

    def _runs_here(self):
        return self._is_local() and not self._task.async_val

    def _execute_with_run_cache(self, task_vars, wrap_async):
        """Run the module with the run cache's directory and key in the environment it inherits (local runs only)."""
        run_dir = getattr(C, "DEFAULT_LOCAL_TMP", None)
        if not self._is_local() or not run_dir:
            return self._execute_module(task_vars=task_vars, wrap_async=wrap_async)
        saved = dict((name, os.environ.get(name)) for name in (RUN_KEY_ENV, RUN_CACHE_ENV))
        os.environ[RUN_KEY_ENV] = _RUN_KEY
        os.environ[RUN_CACHE_ENV] = os.path.join(run_dir, "azdo-identity-cache")
        try:
            return self._execute_module(task_vars=task_vars, wrap_async=wrap_async)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def run(self, tmp=None, task_vars=None):
        result = super(AzureAction, self).run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val
        if self._runs_here():
            workdir = tempfile.mkdtemp(prefix="azdo-identity-")  # 0700: only this user reads what the module says
            try:
                self._progress_file = os.path.join(workdir, "progress")
                prefix = "[%s] " % (task_vars or {}).get("inventory_hostname", "localhost")
                with _ProgressTail(self._progress_file, prefix):
                    outcome = self._execute_with_run_cache(task_vars, wrap_async)
            finally:
                self._progress_file = None
                shutil.rmtree(workdir, ignore_errors=True)
        else:
            outcome = self._execute_with_run_cache(task_vars, wrap_async)
        result = merge_hash(result, outcome)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return self._guard_secrets(result)

    def _guard_secrets(self, result):
        """Drop secret values from the result of a task that is not ``no_log`` (see the module docstring)."""
        if self._task.no_log:
            return result
        leaked = [key for key in SECRET_KEYS if result.get(key)]
        if not leaked:
            return result
        for key in leaked:
            result.pop(key, None)
        result["failed"] = True
        result["msg"] = ("The module returned a new secret (%s) for a task that is not no_log, so the value was "
                         "withheld and is lost (the module believed the task was hidden, which happens when "
                         "no_target_syslog is set). Set 'no_log: true' on the task and run it again with "
                         "client_secret.rotate: true to get a new one." % ", ".join(leaked))
        return result
