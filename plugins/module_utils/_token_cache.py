# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run cache: access tokens and cloud metadata shared by the tasks of one ansible-playbook run.

Every module task is its own process, so without this each task would discover the cloud and ask
Entra for a token again. The collection's action plugin (``plugins/plugin_utils/_action.py``) hands a
module that runs on the controller two environment variables (in the worker's environment, never on
a command line):

* ``AZDO_IDENTITY_RUN_CACHE``: a directory inside the run's own private temporary directory
  (ansible-core's ``DEFAULT_LOCAL_TMP``: created 0700 for this run and removed when the run ends);
* ``AZDO_IDENTITY_RUN_KEY``: 32 random bytes made once per run in the controller's memory.

What is kept, and how:

* only access tokens (with their expiry) and cloud metadata; never a secret, certificate, refresh
  token or anything else that can mint a token;
* each entry is encrypted and authenticated with the run key (SHAKE-256 keystream from key and a
  random nonce, then a keyed BLAKE2b tag over nonce and ciphertext, with separate derived keys), so a
  file left behind by a killed run, or read by another run of the same user, is noise without the key,
  which never touches the disk;
* file names are a keyed hash (BLAKE2b with the run key) of what the entry is for: the identity
  (tenant, client id and the credential itself), the authority and the scope; so another run cannot
  even tell which file is which, and two identities never share an entry;
* the directory must be a real directory (not a link) owned by this user with no group or other
  permissions, and so must its parent; every file is opened without following links and must be a
  regular file owned by this user with mode 0600; anything else is refused (and the token obtained
  the normal way);
* a token is used only until ``MARGIN`` seconds before it expires; an expired entry is deleted;
* one lock file per entry serialises parallel forks, so that N forks ask for one token, not N.

Nothing here raises: a cache that cannot be used is simply not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import tempfile
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

RUN_KEY_ENV = "AZDO_IDENTITY_RUN_KEY"
RUN_CACHE_ENV = "AZDO_IDENTITY_RUN_CACHE"
# A token is not used in the last five minutes of its life (the same margin as the in-process cache).
MARGIN = 300
# Cloud metadata is kept at most this long (a run rarely lasts longer; the directory goes with the run).
METADATA_TTL = 3600
_VERSION = b"\x01"
_NONCE = 16
_TAG = 32

_FROM_ENVIRON: dict = {}


def _derive(key, purpose):
    return hashlib.blake2b(purpose, key=key, digest_size=32).digest()


class RunCache(object):
    """Encrypted, per-run entries in a private directory; see the module docstring."""

    def __init__(self, directory, key, clock=None):
        if not isinstance(key, bytes) or len(key) < 16:
            raise ValueError("the run key must be at least 16 bytes")
        self.directory = directory
        self._name_key = _derive(key, b"name")
        self._enc_key = _derive(key, b"encrypt")
        self._mac_key = _derive(key, b"authenticate")
        self.clock = clock or time.time
        self._checked = None

    # ------------------------------------------------------------------ naming and sealing
    def name(self, kind, parts):
        material = json.dumps([kind] + [str(p) for p in parts], separators=(",", ":")).encode("utf-8")
        return kind + "-" + hashlib.blake2b(material, key=self._name_key, digest_size=20).hexdigest()

    def _keystream(self, nonce, size):
        return hashlib.shake_256(self._enc_key + nonce).digest(size)

    def _tag(self, data):
        return hashlib.blake2b(data, key=self._mac_key, digest_size=_TAG).digest()

    def seal(self, value):
        plain = json.dumps(value, separators=(",", ":")).encode("utf-8")
        nonce = os.urandom(_NONCE)
        cipher = bytes(a ^ b for a, b in zip(plain, self._keystream(nonce, len(plain))))
        body = _VERSION + nonce + cipher
        return body + self._tag(body)

    def open(self, blob):
        """The value sealed in ``blob``, or ``None`` when it is not ours (wrong key, truncated, tampered)."""
        if len(blob) < 1 + _NONCE + _TAG or blob[:1] != _VERSION:
            return None
        body, tag = blob[:-_TAG], blob[-_TAG:]
        if not hmac.compare_digest(self._tag(body), tag):
            return None
        nonce, cipher = body[1:1 + _NONCE], body[1 + _NONCE:]
        plain = bytes(a ^ b for a, b in zip(cipher, self._keystream(nonce, len(cipher))))
        try:
            return json.loads(plain.decode("utf-8"))
        except ValueError:
            return None

    # ------------------------------------------------------------------ the directory
    def _usable_dir(self):
        """Create the directory if needed; True only when it and its parent are private to this user."""
        if self._checked is not None:
            return self._checked
        self._checked = False
        try:
            if not os.path.lexists(self.directory):
                os.mkdir(self.directory, 0o700)
            uid = os.geteuid()
            for path in (self.directory, os.path.dirname(self.directory.rstrip(os.sep))):
                info = os.lstat(path)
                if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
                    return False
                if path == self.directory and info.st_mode & 0o077:
                    return False
                if info.st_mode & 0o022:
                    return False
        except (OSError, ValueError):
            return False
        self._checked = True
        return True

    def _path(self, kind, parts):
        return os.path.join(self.directory, self.name(kind, parts))

    # ------------------------------------------------------------------ entries
    def get(self, kind, parts):
        """The cached value, or ``None`` (missing, expired, not private, not readable with this run's key)."""
        if not self._usable_dir():
            return None
        path = self._path(kind, parts)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
                return None
            with os.fdopen(fd, "rb") as handle:
                fd = None
                blob = handle.read(1 << 20)
        except OSError:
            return None
        finally:
            if fd is not None:
                os.close(fd)
        entry = self.open(blob)
        if not isinstance(entry, dict) or "value" not in entry or not isinstance(entry.get("expires_on"), (int, float)):
            return None
        if entry["expires_on"] - MARGIN <= self.clock():
            self._discard(path)
            return None
        return entry["value"]

    def put(self, kind, parts, value, expires_on):
        """Store ``value`` until ``expires_on`` (epoch seconds); a value already near its end is not stored."""
        if expires_on - MARGIN <= self.clock() or not self._usable_dir():
            return False
        blob = self.seal(dict(value=value, expires_on=expires_on))
        try:
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")  # 0600
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(temp, self._path(kind, parts))
        except OSError:
            self._discard(temp)
            return False
        return True

    @staticmethod
    def _discard(path):
        try:
            os.unlink(path)
        except OSError:
            pass

    @contextlib.contextmanager
    def lock(self, kind, parts):
        """Hold an exclusive lock for one entry while its value is being obtained (best effort)."""
        fd = None
        if fcntl is not None and self._usable_dir():
            try:
                fd = os.open(self._path(kind, parts) + ".lock",
                             os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                if fd is not None:
                    os.close(fd)
                fd = None
        try:
            yield
        finally:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)


def run_cache(enabled=True, environ=None):
    """The :class:`RunCache` the action plugin set up for this task, or ``None`` (turned off, or not on the controller).

    The key is taken out of ``os.environ`` on first use, so that no child process (the Azure CLI) inherits it.
    """
    if not enabled:
        return None
    if environ is None:
        if "pair" not in _FROM_ENVIRON:
            _FROM_ENVIRON["pair"] = (os.environ.pop(RUN_KEY_ENV, None), os.environ.get(RUN_CACHE_ENV))
        key_hex, directory = _FROM_ENVIRON["pair"]
    else:
        key_hex, directory = environ.get(RUN_KEY_ENV), environ.get(RUN_CACHE_ENV)
    if not key_hex or not directory or not os.path.isabs(directory):
        return None
    try:
        return RunCache(directory, bytes.fromhex(key_hex))
    except ValueError:
        return None
