# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Credentials and tokens: one small class per ``auth_source``, all through azure-identity.

azure-identity is imported only when a token must actually be obtained, and only the credential
class the chosen method uses. Tokens are cached per scope for the module process and, when the
action plugin set up a run cache (``_token_cache``), for the whole ansible-playbook run: a run asks
Entra for one token per identity, authority and audience.
"""

from __future__ import annotations

import os
import shutil
import time

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError

# credential_file is azure.azcollection's spelling: _compat.apply_compat reads the profile into the options.
AUTH_SOURCES = ("auto", "env", "cli", "msi", "oidc", "credential", "credential_file")

# Environment names: azure-identity's own, then the ones AWX's "Microsoft Azure Resource Manager"
# credential type injects (AZURE_SECRET, AZURE_TENANT).
ENV_CLIENT_ID = ("AZURE_CLIENT_ID",)
ENV_SECRET = ("AZURE_CLIENT_SECRET", "AZURE_SECRET")
ENV_TENANT = ("AZURE_TENANT_ID", "AZURE_TENANT")
ENV_CERTIFICATE = ("AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_X509_CERTIFICATE_PATH")
ENV_CERTIFICATE_PASSWORD = ("AZURE_CLIENT_CERTIFICATE_PASSWORD",)
ENV_TOKEN_FILE = ("AZURE_FEDERATED_TOKEN_FILE",)
ENV_SUBSCRIPTION = ("AZURE_SUBSCRIPTION_ID",)
ENV_MSI = ("IDENTITY_ENDPOINT", "MSI_ENDPOINT")


class AuthError(ApiError):
    """Authentication could not be set up or a token could not be obtained."""


def env_first(names, environ=None):
    environ = os.environ if environ is None else environ
    for name in names:
        value = environ.get(name)
        if value:
            return value
    return None


class AuthMethod(object):
    """Base class: builds one azure-identity credential lazily and hands out cached tokens."""

    name = "base"

    def __init__(self, cloud, verify=True):
        self.cloud = cloud
        self.verify = verify
        self._credential = None
        self._tokens = {}
        # A _token_cache.RunCache shared by the run's tasks, or None (set by select_auth).
        self.store = None

    def identity(self):
        """What tells this identity apart from any other (credential material included): part of the cache key only."""
        return [self.name]

    def _common_kwargs(self):
        kwargs = dict(authority=self.cloud.login_host, connection_verify=self.verify)
        if not self.cloud.known_authority:
            # A private authority (Azure Stack AD FS, the emulator): never ask the public
            # instance-discovery endpoint about it (docs/service-behaviour.md#private-authorities-skip-instance-discovery).
            kwargs["disable_instance_discovery"] = True
        return kwargs

    def build(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def credential(self):
        if self._credential is None:
            self._credential = self.build()
        return self._credential

    def token(self, scope):
        """An access token string for ``scope`` (cached until five minutes before it expires)."""
        cached = self._tokens.get(scope)
        if cached is not None and cached[1] - 300 > time.time():
            return cached[0]
        if self.store is None:
            return self._obtain(scope)
        parts = self.identity() + [self.cloud.login_endpoint, scope]
        found = self.store.get("token", parts)
        if found is None:
            # One fork asks Entra; the others wait for it and then read its token.
            with self.store.lock("token", parts):
                found = self.store.get("token", parts)
                if found is None:
                    token = self._obtain(scope)
                    self.store.put("token", parts, [token, self._tokens[scope][1]], self._tokens[scope][1])
                    return token
        try:
            token, expires_on = str(found[0]), float(found[1])
        except (TypeError, ValueError, IndexError):
            return self._obtain(scope)
        self._tokens[scope] = (token, expires_on)
        return token

    def _obtain(self, scope):
        """Ask the credential (and so azure-identity, imported here for the first time) for a token."""
        try:
            credential = self.credential()
            access = credential.get_token(scope)
        except AuthError:
            raise
        except ImportError:
            raise AuthError(missing_required_lib("azure-identity") + " (it signs in with auth_source=%s; see the "
                            "collection's requirements.txt)" % self.name, code="MissingLibrary")
        except Exception as exc:  # azure-identity raises several unrelated types; one message covers them
            raise AuthError("Could not get a token for %s with auth_source=%s: %s"
                            % (scope, self.name, _first_line(exc)), code="AuthenticationFailed")
        self._tokens[scope] = (access.token, access.expires_on)
        return access.token

    def header(self, scope):
        return "Bearer " + self.token(scope)

    def describe(self):
        return self.name


def _first_line(exc):
    text = str(exc).strip() or exc.__class__.__name__
    # azure-identity adds troubleshooting links over several lines; the first line carries the cause.
    return text.splitlines()[0]


class SecretAuth(AuthMethod):
    name = "credential"

    def __init__(self, cloud, tenant, client_id, secret, verify=True, source="credential"):
        super(SecretAuth, self).__init__(cloud, verify)
        self.tenant, self.client_id, self._secret = tenant, client_id, secret
        self.name = source

    def identity(self):
        return ["secret", self.tenant, self.client_id, self._secret]

    def build(self):
        from azure.identity import ClientSecretCredential
        return ClientSecretCredential(self.tenant, self.client_id, self._secret, **self._common_kwargs())


class CertificateAuth(AuthMethod):
    name = "credential"

    def __init__(self, cloud, tenant, client_id, path, password=None, verify=True, source="credential"):
        super(CertificateAuth, self).__init__(cloud, verify)
        self.tenant, self.client_id, self.path, self._password = tenant, client_id, path, password
        self.name = source

    def identity(self):
        return ["certificate", self.tenant, self.client_id, self.path, self._password or ""]

    def build(self):
        from azure.identity import CertificateCredential
        kwargs = self._common_kwargs()
        if self._password:
            kwargs["password"] = self._password
        return CertificateCredential(self.tenant, self.client_id, self.path, **kwargs)


class OidcAuth(AuthMethod):
    """Workload identity federation from the caller's side: an OIDC token (value or file) is the assertion.

    The file is re-read for every token request, as Kubernetes and Azure Pipelines rotate it.
    """

    name = "oidc"

    def __init__(self, cloud, tenant, client_id, token=None, token_file=None, verify=True):
        super(OidcAuth, self).__init__(cloud, verify)
        self.tenant, self.client_id, self._token, self.token_file = tenant, client_id, token, token_file

    def identity(self):
        return ["oidc", self.tenant, self.client_id, self._token or "", self.token_file or ""]

    def _assertion(self):
        if self._token:
            return self._token
        try:
            with open(self.token_file) as handle:
                value = handle.read().strip()
        except (IOError, OSError) as exc:
            raise AuthError("Could not read the federated token file %s: %s" % (self.token_file, exc))
        if not value:
            raise AuthError("The federated token file %s is empty" % self.token_file)
        return value

    def build(self):
        from azure.identity import ClientAssertionCredential
        return ClientAssertionCredential(self.tenant, self.client_id, self._assertion, **self._common_kwargs())


class MsiAuth(AuthMethod):
    name = "msi"

    def __init__(self, cloud, client_id=None, verify=True):
        super(MsiAuth, self).__init__(cloud, verify)
        self.client_id = client_id

    def identity(self):
        return ["msi", self.client_id or ""]

    def build(self):
        from azure.identity import ManagedIdentityCredential
        kwargs = dict(connection_verify=self.verify)
        if self.client_id:
            kwargs["client_id"] = self.client_id
        return ManagedIdentityCredential(**kwargs)


class CliAuth(AuthMethod):
    name = "cli"

    def __init__(self, cloud, tenant=None, verify=True):
        super(CliAuth, self).__init__(cloud, verify)
        self.tenant = tenant

    def identity(self):
        return ["cli", self.tenant or ""]

    def build(self):
        from azure.identity import AzureCliCredential
        kwargs = {}
        if self.tenant:
            kwargs["tenant_id"] = self.tenant
        return AzureCliCredential(**kwargs)


def _need(pairs, source):
    missing = [label for label, value in pairs if not value]
    if missing:
        raise AuthError("auth_source=%s needs %s" % (source, " and ".join(missing)), code="InvalidAuthOptions")


def _from_options(params, cloud, verify):
    tenant, client_id = params.get("tenant"), params.get("client_id")
    if params.get("federated_token") or params.get("federated_token_file"):
        _need([("the option 'tenant'", tenant), ("the option 'client_id'", client_id)], "oidc")
        return OidcAuth(cloud, tenant, client_id, params.get("federated_token"), params.get("federated_token_file"),
                        verify)
    _need([("the option 'tenant'", tenant), ("the option 'client_id'", client_id),
           ("the option 'secret' or 'certificate_path'",
            params.get("secret") or params.get("certificate_path"))], "credential")
    if params.get("secret"):
        return SecretAuth(cloud, tenant, client_id, params["secret"], verify)
    return CertificateAuth(cloud, tenant, client_id, params["certificate_path"], params.get("certificate_password"),
                           verify)


def _from_env(environ, cloud, verify, source="env"):
    tenant, client_id = env_first(ENV_TENANT, environ), env_first(ENV_CLIENT_ID, environ)
    secret = env_first(ENV_SECRET, environ)
    certificate = env_first(ENV_CERTIFICATE, environ)
    token_file = env_first(ENV_TOKEN_FILE, environ)
    _need([("AZURE_TENANT_ID (or AZURE_TENANT)", tenant), ("AZURE_CLIENT_ID", client_id),
           ("AZURE_CLIENT_SECRET (or AZURE_SECRET), AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE",
            secret or certificate or token_file)], source)
    if secret:
        return SecretAuth(cloud, tenant, client_id, secret, verify, source=source)
    if certificate:
        return CertificateAuth(cloud, tenant, client_id, certificate, env_first(ENV_CERTIFICATE_PASSWORD, environ),
                               verify, source=source)
    method = OidcAuth(cloud, tenant, client_id, token_file=token_file, verify=verify)
    method.name = source
    return method


def _env_complete(environ):
    return bool(env_first(ENV_TENANT, environ) and env_first(ENV_CLIENT_ID, environ)
                and (env_first(ENV_SECRET, environ) or env_first(ENV_CERTIFICATE, environ)
                     or env_first(ENV_TOKEN_FILE, environ)))


def select_auth(params, cloud, verify=True, environ=None, which=None, store=None):
    """Pick the :class:`AuthMethod` for ``params['auth_source']``; ``store`` is the run cache (or ``None``).

    ``auto`` takes, in order: explicit credential options; a complete set of environment
    variables; a managed identity when the host advertises one (``IDENTITY_ENDPOINT``/
    ``MSI_ENDPOINT``); the Azure CLI's login when ``az`` is installed.
    """
    method = _select(params, cloud, verify, os.environ if environ is None else environ, which or shutil.which)
    method.store = store
    return method


def _select(params, cloud, verify, environ, which):
    source = params.get("auth_source") or "auto"
    if source in ("credential", "credential_file"):
        if params.get("federated_token") or params.get("federated_token_file"):
            raise AuthError("auth_source=%s takes secret or certificate_path; use auth_source=oidc "
                            "for federated_token or federated_token_file" % source, code="InvalidAuthOptions")
        method = _from_options(params, cloud, verify)
        method.name = source
        return method
    if source == "oidc":
        tenant = params.get("tenant") or env_first(ENV_TENANT, environ)
        client_id = params.get("client_id") or env_first(ENV_CLIENT_ID, environ)
        token = params.get("federated_token")
        token_file = params.get("federated_token_file") or env_first(ENV_TOKEN_FILE, environ)
        _need([("the option 'tenant' (or AZURE_TENANT_ID)", tenant),
               ("the option 'client_id' (or AZURE_CLIENT_ID)", client_id),
               ("the option 'federated_token' or 'federated_token_file' (or AZURE_FEDERATED_TOKEN_FILE)",
                token or token_file)], "oidc")
        return OidcAuth(cloud, tenant, client_id, token, token_file, verify)
    if source == "env":
        return _from_env(environ, cloud, verify)
    if source == "msi":
        return MsiAuth(cloud, params.get("client_id"), verify)
    if source == "cli":
        return CliAuth(cloud, params.get("tenant"), verify)
    if source != "auto":
        raise AuthError("auth_source must be one of %s; got '%s'" % (", ".join(AUTH_SOURCES), source),
                        code="InvalidAuthOptions")
    explicit = any(params.get(k) for k in ("secret", "certificate_path", "federated_token",
                                           "federated_token_file"))
    if explicit:
        return _from_options(params, cloud, verify)
    if _env_complete(environ):
        return _from_env(environ, cloud, verify, source="auto (environment)")
    if env_first(ENV_MSI, environ):
        return MsiAuth(cloud, params.get("client_id"), verify)
    if which("az"):
        return CliAuth(cloud, params.get("tenant"), verify)
    raise AuthError(
        "No credentials found for auth_source=auto. Give client_id, tenant and secret (or certificate_path, "
        "or federated_token_file) as options; or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET "
        "(AWX: AZURE_SECRET, AZURE_TENANT); or run on a host with a managed identity (auth_source=msi); "
        "or log in with 'az login' (auth_source=cli).", code="NoCredentials")
