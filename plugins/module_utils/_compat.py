# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""azure.azcollection's spellings of the same settings, so that its users' playbooks and files work here.

* ``auth_source: credential_file`` reads a profile (option ``profile``, else E(AZURE_PROFILE), else
  ``default``) of the INI file ``~/.azure/credentials`` with the keys ``subscription_id``, ``client_id``,
  ``secret`` and ``tenant``, and then signs in as ``auth_source: credential`` would. Options given
  to the task win over the file. The secret goes into the module's no_log values before anything
  else happens, so that no output can carry it.
* ``cert_validation_mode``: ``ignore`` is ``validate_certs: false``; ``validate`` is the default.
* ``x509_certificate_path`` (an alias of ``certificate_path``) and E(AZURE_X509_CERTIFICATE_PATH) are
  handled by the argument spec and ``_auth.ENV_CERTIFICATE``.

Facts from azure.azcollection's ``plugins/doc_fragments/azure.py`` and ``module_utils/azure_rm_common.py``.
"""

from __future__ import annotations

import os

from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError

PROFILE_KEYS = ("subscription_id", "client_id", "secret", "tenant")
PROFILE_ENV = "AZURE_PROFILE"


def credentials_path(environ=None):
    environ = os.environ if environ is None else environ
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".azure", "credentials")


def read_profile(name, path):
    """The keys of one profile of an azure.azcollection credentials file; raises InputError naming the fix."""
    # Imported only for auth_source=credential_file.
    import configparser  # pylint: disable=import-outside-toplevel
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path) as handle:
            parser.read_file(handle)
    except (IOError, OSError) as exc:
        raise InputError("auth_source=credential_file reads %s, which could not be read (%s). Create it with a [%s] "
                         "section holding client_id, secret, tenant and subscription_id, or choose another auth_source"
                         % (path, exc.strerror or exc.__class__.__name__, name))
    except configparser.Error as exc:
        # configparser's messages quote the offending line, which may hold the secret: never show them.
        raise InputError("auth_source=credential_file: %s is not a valid INI file (%s)" % (path, exc.__class__.__name__))
    if not parser.has_section(name):
        raise InputError("auth_source=credential_file: %s has no profile [%s] (profiles: %s); set the option 'profile' "
                         "or AZURE_PROFILE to one of them" % (path, name, ", ".join(parser.sections()) or "none"))
    return dict((key, parser.get(name, key).strip()) for key in PROFILE_KEYS
                if parser.has_option(name, key) and parser.get(name, key).strip())


def apply_compat(params, no_log, environ=None):
    """Resolve azure.azcollection's spellings into this collection's options, in place.

    ``no_log(value)`` registers a value that must be masked in every output (``AnsibleModule.no_log_values.add``).
    """
    environ = os.environ if environ is None else environ
    mode = params.get("cert_validation_mode")
    if mode == "ignore":
        # AzureModule then warns as it does for validate_certs=false.
        params["validate_certs"] = False
    elif mode == "validate" and params.get("validate_certs") is False:
        raise InputError("cert_validation_mode=validate and validate_certs=false contradict each other; "
                         "set only one of them")
    if params.get("auth_source") != "credential_file":
        return None
    name = params.get("profile") or environ.get(PROFILE_ENV) or "default"
    path = credentials_path(environ)
    found = read_profile(name, path)
    if found.get("secret"):
        no_log(found["secret"])
    for key in PROFILE_KEYS:
        if not params.get(key) and found.get(key):
            params[key] = found[key]
    missing = [key for key in ("client_id", "tenant", "secret") if not params.get(key)]
    if missing:
        raise InputError("auth_source=credential_file: profile [%s] of %s has no %s (and no such option was given)"
                         % (name, path, " or ".join(missing)))
    return name
