# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base module wrapper: shared arguments, clients on demand, check/diff results, one failure shape.

It wraps :class:`AnsibleModule` and never runs the module itself: a module builds it, does its
work, and calls :meth:`AzureModule.exit`. Failures read
``Failed to <action> <what>: <code>: <message> (HTTP n, request id ...)``.
"""

from __future__ import annotations

import copy
import os

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.azdo.identity.plugins.module_utils._compare import is_guid
from ansible_collections.azdo.identity.plugins.module_utils._context import Context
from ansible_collections.azdo.identity.plugins.module_utils._auth import AUTH_SOURCES, AuthError, select_auth
from ansible_collections.azdo.identity.plugins.module_utils._cloud import (
    AZURE_DEVOPS_RESOURCE, MissingLibraryError, resolve_cloud, validate_cloud_environment,
)
from ansible_collections.azdo.identity.plugins.module_utils._compat import apply_compat
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, OperationError, failing_to
from ansible_collections.azdo.identity.plugins.module_utils._http import (
    REQUESTS_IMPORT_ERROR, ApiError, RestClient, RetryPolicy, new_session, tls_verify, tls_warning,
)
from ansible_collections.azdo.identity.plugins.module_utils._token_cache import run_cache

# The action plugin (plugins/plugin_utils/_action.py) sets this for modules that run on the controller.
PROGRESS_ENV = "AZDO_IDENTITY_PROGRESS_FILE"
COLLECTION_VERSION = "0.1.0"
USER_AGENT = "azdo.identity/%s (ansible collection)" % COLLECTION_VERSION


def azure_argument_spec():
    """The options every Azure module takes; kept in step with the ``azdo.identity.azure`` doc fragment."""
    return dict(
        auth_source=dict(type="str", default="auto", choices=list(AUTH_SOURCES),
                         fallback=(env_fallback, ["ANSIBLE_AZURE_AUTH_SOURCE"])),
        client_id=dict(type="str", no_log=False),
        secret=dict(type="str", no_log=True),
        certificate_path=dict(type="path", aliases=["x509_certificate_path"]),
        certificate_password=dict(type="str", no_log=True),
        federated_token=dict(type="str", no_log=True),
        federated_token_file=dict(type="path"),
        tenant=dict(type="str", aliases=["tenant_id"]),
        subscription_id=dict(type="str", fallback=(env_fallback, ["AZURE_SUBSCRIPTION_ID"])),
        cloud_environment=dict(type="str", default="AzureCloud", fallback=(env_fallback, ["AZURE_CLOUD_ENVIRONMENT"])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        http_timeout=dict(type="int", default=60),
        retry_budget=dict(type="int", default=300),
        token_cache=dict(type="bool", default=True, fallback=(env_fallback, ["AZDO_IDENTITY_TOKEN_CACHE"])),
        # azure.azcollection's spellings (see _compat.py)
        profile=dict(type="str", fallback=(env_fallback, ["AZURE_PROFILE"])),
        cert_validation_mode=dict(type="str", choices=["validate", "ignore"],
                                  fallback=(env_fallback, ["AZURE_CERT_VALIDATION_MODE"])),
    )


def azdo_argument_spec():
    """Options of modules that talk to Azure DevOps; kept in step with the ``azdo.identity.azdo`` doc fragment."""
    return dict(
        organization_url=dict(type="str", fallback=(env_fallback, ["AZDO_ORGANIZATION_URL"])),
        organization=dict(type="str"),
        personal_access_token=dict(type="str", no_log=True, aliases=["pat"],
                                   fallback=(env_fallback, ["AZDO_PERSONAL_ACCESS_TOKEN"])),
    )


class Clients(object):
    """The API clients of one module run, created on first use (what desired-state logic is given)."""

    def __init__(self, wrapper):
        self._wrapper = wrapper

    @property
    def arm(self):
        return self._wrapper.arm

    @property
    def graph(self):
        return self._wrapper.graph

    @property
    def azdo(self):
        return self._wrapper.azdo

    @property
    def identities(self):
        from ansible_collections.azdo.identity.plugins.module_utils._msi import IdentityClient  # pylint: disable=import-outside-toplevel
        return IdentityClient(self._wrapper.arm)


def explain(exc, params):
    """The failure message for an :class:`ApiError`, with the option to fix where the cause is a known one."""
    text = exc.message if isinstance(exc, OperationError) else "Failed: %s" % exc.describe()
    raw = "%s %s" % (exc.code or "", exc.message or "")
    if exc.service == "azdo" and exc.status == 401 and params.get("personal_access_token"):
        return ("%s. The personal access token (personal_access_token, or AZDO_PERSONAL_ACCESS_TOKEN) was not accepted "
                "by %s: check that it belongs to this organization, has not expired or been revoked, and has the "
                "scopes the task needs (Service Connections: read, query & manage; Member Entitlement Management for "
                "service principals)" % (text.rstrip("."), params.get("organization_url") or "the organization"))
    if exc.service == "azdo" and ("TF400813" in raw or "TF401444" in raw):
        return ("%s. The identity signing in to Azure DevOps is not a member of the organization: add its service "
                "principal with azdo.identity.azdo_service_principal (or the organization's Users page), or use a "
                "personal access token" % text.rstrip("."))
    if exc.status is None and "CERTIFICATE_VERIFY_FAILED" in raw:
        return ("%s. TLS verification failed: the server's certificate is not signed by a CA this host trusts. Set "
                "ca_path to the CA bundle that signs it (ca_path wins over REQUESTS_CA_BUNDLE), or set "
                "REQUESTS_CA_BUNDLE for the whole run" % text.rstrip("."))
    return text


class AzureModule(object):
    """A thin wrapper over :class:`AnsibleModule` for this collection's Azure modules."""

    def __init__(self, argument_spec, supports_check_mode=True, **kwargs):
        # Every module takes the Azure and the Azure DevOps connection options, so that
        # module_defaults for group/azdo.identity.all can set them all once for the collection.
        spec = azure_argument_spec()
        spec.update(azdo_argument_spec())
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        if REQUESTS_IMPORT_ERROR:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.module.params
        self._validate_common()
        tls_off = tls_warning(self.params.get("validate_certs", True), self.params.get("ca_path"))
        if tls_off:
            self.warn(tls_off)
        self._session = None
        self._cloud = None
        self._auth = None
        self._arm = None
        self._graph = None
        self._azdo = None

    # ------------------------------------------------------------------ basics
    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff

    def warn(self, msg):
        self.module.warn(msg)

    def fail(self, msg, **extra):
        self.module.fail_json(msg=msg, **extra)

    def _validate_common(self):
        try:
            apply_compat(self.params, self.module.no_log_values.add)
        except InputError as exc:
            self.fail(str(exc))
        problem = validate_cloud_environment(self.params.get("cloud_environment"))
        if problem:
            self.fail(problem)
        for name in ("http_timeout", "retry_budget"):
            if self.params.get(name) is not None and self.params[name] <= 0:
                self.fail("%s must be a positive number of seconds; got %s" % (name, self.params[name]))

    # ------------------------------------------------------------------ transport
    @property
    def verify(self):
        return tls_verify(self.params.get("validate_certs", True), self.params.get("ca_path"))

    def policy(self):
        return RetryPolicy(budget=float(self.params.get("retry_budget") or 300))

    def progress(self, msg):
        """Tell the user what the module is waiting for, while it waits (never a warning: nothing to act on).

        On the controller, the collection's action plugin names a private file in ``AZDO_IDENTITY_PROGRESS_FILE``
        and prints each line appended to it as it arrives; elsewhere the message goes to the host's log only.
        """
        self.module.log(msg)
        path = os.environ.get(PROGRESS_ENV)
        if not path:
            return
        try:
            with open(path, "a") as handle:
                handle.write(" ".join(str(msg).split()) + "\n")
        except (IOError, OSError):
            pass

    def rest_client(self, base_url, scope=None, api_version=None, service="service", token_header=None,
                    extra_headers=None, json_only=False):
        """A :class:`RestClient` on the module's shared session, authenticated for ``scope``."""
        if self._session is None:
            self._session = new_session(USER_AGENT)
        if token_header is None and scope is not None:
            def token_header():
                return self.auth.header(scope)
        read_timeout = float(self.params.get("http_timeout") or 60)
        client = RestClient(self._session, base_url, token=token_header, api_version=api_version,
                            timeout=(min(10.0, read_timeout), read_timeout), policy=self.policy(),
                            progress=self.progress, service=service, extra_headers=extra_headers, verify=self.verify,
                            json_only=json_only)
        return client

    @property
    def cloud(self):
        if self._cloud is None:
            with self.doing("discover", "the endpoints of cloud_environment %s" % self.params.get("cloud_environment")):
                self._cloud = resolve_cloud(self.params.get("cloud_environment"),
                                            lambda base: self.rest_client(base, service="metadata"),
                                            store=run_cache(self.params.get("token_cache")), verify=self.verify)
        return self._cloud

    @property
    def auth(self):
        if self._auth is None:
            try:
                self._auth = select_auth(self.params, self.cloud, verify=self.verify,
                                         store=run_cache(self.params.get("token_cache")))
            except AuthError as exc:
                raise InputError(exc.message)
        return self._auth

    @property
    def arm(self):
        if self._arm is None:
            # Each service's client is imported when first used: a module task compiles only what it needs.
            from ansible_collections.azdo.identity.plugins.module_utils._arm import ArmClient  # pylint: disable=import-outside-toplevel
            self._arm = ArmClient(self.rest_client(self.cloud.arm_endpoint, scope=self.cloud.arm_scope, service="arm"))
        return self._arm

    @property
    def graph(self):
        if self._graph is None:
            cloud = self.cloud
            if not cloud.graph_endpoint:
                raise InputError("The cloud '%s' has no Microsoft Graph endpoint in its metadata, so app registrations "
                                 "cannot be managed there" % cloud.name)
            from ansible_collections.azdo.identity.plugins.module_utils._graph import (  # pylint: disable=import-outside-toplevel
                GRAPH_VERSION, GraphClient,
            )
            self._graph = GraphClient(self.rest_client(cloud.graph_endpoint + "/" + GRAPH_VERSION, scope=cloud.graph_scope,
                                                       service="graph"))
        return self._graph

    @property
    def organization_url(self):
        try:
            from ansible_collections.azdo.identity.plugins.module_utils._azdo import organization_url  # pylint: disable=import-outside-toplevel
            return organization_url(self.params.get("organization"), self.params.get("organization_url"))
        except ValueError as exc:
            raise InputError(str(exc))

    def azdo_token_header(self):
        """``Basic`` for a personal access token, else a ``Bearer`` Entra token for Azure DevOps."""
        pat = self.params.get("personal_access_token")
        if pat:
            from ansible_collections.azdo.identity.plugins.module_utils._azdo import basic_header  # pylint: disable=import-outside-toplevel
            return basic_header(pat)
        return self.auth.header(self.cloud.scope(AZURE_DEVOPS_RESOURCE))

    @property
    def azdo(self):
        if self._azdo is None:
            org = self.organization_url
            # Ask for 401 rather than a 203 HTML sign-in page when credentials are not accepted.
            headers = {"X-TFS-FedAuthRedirect": "Suppress"}

            def client(base):
                return self.rest_client(base, token_header=self.azdo_token_header, service="azdo",
                                        extra_headers=headers, json_only=True)

            from ansible_collections.azdo.identity.plugins.module_utils._azdo import (  # pylint: disable=import-outside-toplevel
                AzdoClient, service_url,
            )
            self._azdo = AzdoClient(client(org), vssps=client(service_url(org, "vssps")),
                                    vsaex=client(service_url(org, "vsaex")))
        return self._azdo

    def subscription(self, option="subscription_id"):
        """The subscription id option, checked; raises :class:`InputError` naming it when missing or malformed."""
        value = self.params.get(option)
        if not value:
            raise InputError("%s is required here (or set AZURE_SUBSCRIPTION_ID)" % option)
        if not is_guid(value):
            raise InputError("%s must be a subscription id (a GUID); got '%s'" % (option, value))
        return value

    def for_thread(self):
        """A copy for another thread: the same options, cloud and sign-in, its own HTTP session and clients."""
        cloud, auth = self.cloud, self.auth  # resolved here, once: every copy shares them
        twin = copy.copy(self)
        twin._cloud, twin._auth = cloud, auth
        twin._session = twin._arm = twin._graph = twin._azdo = None
        return twin

    # ------------------------------------------------------------------ failures
    def doing(self, action, what):
        """Name the operation in an :class:`ApiError` raised inside the block: ``Failed to <action> <what>: ...``."""
        return failing_to(action, what)

    def run(self, function):
        """Call ``function(self)``; every failure of the collection's kinds ends the task cleanly, in one shape."""
        try:
            function(self)
        except MissingLibraryError as exc:
            self.fail(exc.message, exception=exc.traceback)
        except InputError as exc:
            self.fail(str(exc))
        except ApiError as exc:
            extra = dict(status=exc.status, error_code=exc.code, request_id=exc.request_id)
            self.fail(explain(exc, self.params), **dict((k, v) for k, v in extra.items() if v is not None))

    def context(self):
        """What desired-state logic gets: the clients, check mode and progress (never this wrapper)."""
        return Context(Clients(self), check_mode=self.check_mode, progress=self.progress)

    # ------------------------------------------------------------------ results
    def exit(self, changed, key=None, after=None, before=None, with_diff=True, **extra):
        """Finish the task: the resource under ``key``; ``diff`` as before/after when asked."""
        result = dict(changed=changed)
        if key is not None:
            result[key] = after if after is not None else {}
        if self.diff_mode and with_diff:
            result["diff"] = dict(before=before if before is not None else {},
                                  after=after if after is not None else {})
        result.update(extra)
        self.module.exit_json(**result)
