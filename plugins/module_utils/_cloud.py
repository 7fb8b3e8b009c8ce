# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cloud endpoints: the built-in public and sovereign clouds, or a custom cloud's metadata.

The built-in clouds are constants, so the public-cloud path imports nothing extra. A custom
cloud (Azure Stack Hub, a private cloud, the project's emulator) is named by its https ARM
endpoint; its login, ARM audience and Microsoft Graph endpoints are discovered from
``{arm}/metadata/endpoints`` the way Azure Resource Manager serves it.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError

# The Azure DevOps application id; tokens for it are the Entra way into Azure DevOps.
AZURE_DEVOPS_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798"

# How long a run may reuse a custom cloud's metadata (the run cache goes away with the run anyway).
METADATA_TTL = 3600

# Modern metadata: a JSON array with one entry per cloud the ARM endpoint knows.
METADATA_API_VERSION = "2022-09-01"

# Hosts for which MSAL's instance discovery is meaningful; anything else is a private authority
# (docs/service-behaviour.md#private-authorities-skip-instance-discovery).
KNOWN_AUTHORITY_HOSTS = frozenset((
    "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
    "login-us.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net",
))


class Cloud(object):
    """The endpoints one module run talks to."""

    def __init__(self, name, arm_endpoint, arm_audience, login_endpoint, graph_endpoint, graph_audience,
                 custom=False):
        self.name = name
        self.arm_endpoint = arm_endpoint.rstrip("/")
        self.arm_audience = arm_audience
        self.login_endpoint = login_endpoint.rstrip("/")
        self.graph_endpoint = graph_endpoint.rstrip("/") if graph_endpoint else None
        self.graph_audience = graph_audience
        self.custom = custom

    @property
    def login_host(self):
        """The authority host as azure-identity wants it (scheme + netloc, no path)."""
        parts = urlsplit(self.login_endpoint)
        return "%s://%s" % (parts.scheme, parts.netloc)

    @property
    def known_authority(self):
        return urlsplit(self.login_endpoint).hostname in KNOWN_AUTHORITY_HOSTS

    def scope(self, audience):
        """The ``/.default`` scope for a resource id (a trailing slash in the id is kept, as Entra expects)."""
        return audience + "/.default"

    @property
    def arm_scope(self):
        return self.scope(self.arm_audience)

    @property
    def graph_scope(self):
        if not self.graph_audience:
            raise ApiError("The cloud '%s' has no Microsoft Graph endpoint in its metadata" % self.name)
        return self.scope(self.graph_audience.rstrip("/"))


class MissingLibraryError(ValueError):
    """An optional Python library a code path needs is not installed where the module runs.

    ``str()`` is Ansible's standard :func:`missing_required_lib` message; ``traceback`` is the import failure.
    """

    def __init__(self, message, traceback_text=None):
        super(MissingLibraryError, self).__init__(message)
        self.message = message
        self.traceback = traceback_text


BUILTIN_CLOUDS = {
    "AzureCloud": Cloud("AzureCloud", "https://management.azure.com", "https://management.azure.com",
                        "https://login.microsoftonline.com", "https://graph.microsoft.com",
                        "https://graph.microsoft.com"),
    "AzureUSGovernment": Cloud("AzureUSGovernment", "https://management.usgovcloudapi.net",
                               "https://management.usgovcloudapi.net", "https://login.microsoftonline.us",
                               "https://graph.microsoft.us", "https://graph.microsoft.us"),
    "AzureChinaCloud": Cloud("AzureChinaCloud", "https://management.chinacloudapi.cn",
                             "https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn",
                             "https://microsoftgraph.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}
BUILTIN_ALIASES = {
    "azurepubliccloud": "AzureCloud", "azurecloud": "AzureCloud", "public": "AzureCloud",
    "azureusgovernment": "AzureUSGovernment", "azureusgovernmentcloud": "AzureUSGovernment",
    "azurechinacloud": "AzureChinaCloud",
}


def is_custom_cloud(value):
    return bool(value) and value.lower().startswith(("https://", "http://"))


def builtin_cloud_name(value):
    """``AzureCloud``, ``AzureUSGovernment`` or ``AzureChinaCloud`` for a named cloud (or none), ``None`` for a custom one."""
    if not value:
        return "AzureCloud"
    if is_custom_cloud(value):
        return None
    return BUILTIN_ALIASES.get(value.lower())


def validate_cloud_environment(value):
    """Return an error message for a bad ``cloud_environment`` value, or ``None``."""
    if not value:
        return None
    if is_custom_cloud(value):
        if not value.lower().startswith("https://"):
            return ("cloud_environment must be an https URL of the cloud's Azure Resource Manager endpoint; "
                    "got '%s'" % value)
        if not urlsplit(value).hostname:
            return "cloud_environment '%s' is not a valid URL" % value
        return None
    if value.lower() in BUILTIN_ALIASES:
        return None
    return ("cloud_environment must be one of AzureCloud, AzureUSGovernment, AzureChinaCloud, or the https ARM "
            "endpoint of a custom cloud (Azure Stack Hub); got '%s'" % value)


_CLOUD_FIELDS = ("name", "arm_endpoint", "arm_audience", "login_endpoint", "graph_endpoint", "graph_audience")


def resolve_cloud(value, rest_factory, store=None, verify=True):
    """The :class:`Cloud` for ``cloud_environment``.

    ``rest_factory(base_url)`` returns an unauthenticated :class:`RestClient` for metadata discovery;
    it is only called for a custom cloud, and not at all when the run cache ``store`` (a
    ``_token_cache.RunCache``) already holds that cloud's metadata as read with the same TLS
    settings ``verify`` (metadata read without verification is never reused by a task that verifies).
    """
    if not value:
        return BUILTIN_CLOUDS["AzureCloud"]
    if not is_custom_cloud(value):
        return BUILTIN_CLOUDS[BUILTIN_ALIASES[value.lower()]]
    endpoint = value.rstrip("/")
    parts = [endpoint.lower(), repr(verify)]
    if store is not None:
        found = store.get("cloud", parts)
        if (isinstance(found, dict) and all(isinstance(found.get(k), str) for k in _CLOUD_FIELDS[:4])
                and all(isinstance(found.get(k), (str, type(None))) for k in _CLOUD_FIELDS[4:])):
            return Cloud(custom=True, **dict((k, found.get(k)) for k in _CLOUD_FIELDS))
    cloud = discover_cloud(endpoint, rest_factory(endpoint))
    if store is not None:
        store.put("cloud", parts, dict((k, getattr(cloud, k)) for k in _CLOUD_FIELDS), time.time() + METADATA_TTL)
    return cloud


def _same_endpoint(a, b):
    return (a or "").rstrip("/").lower() == (b or "").rstrip("/").lower()


def discover_cloud(arm_endpoint, rest):
    """Read ``{arm}/metadata/endpoints``: the modern array shape natively, the Azure Stack shape with msrestazure
    (docs/service-behaviour.md#custom-clouds-describe-themselves)."""
    try:
        response = rest.request("GET", rest.url("metadata", "endpoints"), api_version=METADATA_API_VERSION)
    except ApiError as exc:
        raise ApiError("Could not read the cloud metadata of %s: %s" % (arm_endpoint, exc.describe()),
                       status=exc.status, code=exc.code, request_id=exc.request_id)
    body = response.body
    if isinstance(body, list):
        entries = [e for e in body if isinstance(e, dict)]
        chosen = None
        for entry in entries:
            if _same_endpoint(entry.get("resourceManager"), arm_endpoint):
                chosen = entry
                break
        if chosen is None and len(entries) == 1:
            chosen = entries[0]
        if chosen is None:
            raise ApiError("The metadata of %s lists no cloud whose resourceManager is that endpoint" % arm_endpoint)
        auth = chosen.get("authentication") or {}
        audiences = auth.get("audiences") or []
        if not auth.get("loginEndpoint") or not audiences:
            raise ApiError("The metadata of %s has no authentication.loginEndpoint or audiences" % arm_endpoint)
        # `graph` in this document is the retired Azure AD Graph; Microsoft Graph is named by
        # microsoftGraphResourceId, which is both its audience and its base URL (as azure-cli uses it).
        graph = chosen.get("microsoftGraphResourceId")
        return Cloud(chosen.get("name") or arm_endpoint, chosen.get("resourceManager") or arm_endpoint,
                     audiences[0], auth["loginEndpoint"], graph, graph, custom=True)
    return _discover_azure_stack(arm_endpoint, rest)


def _discover_azure_stack(arm_endpoint, rest):
    """Azure Stack Hub answers with one object; msrestazure knows that shape (imported only here)."""
    try:
        from msrestazure.azure_cloud import get_cloud_from_metadata_endpoint, MetadataEndpointError
    except ImportError:
        # Optional (requirements-azure-stack.txt): no other cloud needs it, so it is not in requirements.txt.
        raise MissingLibraryError(
            missing_required_lib("msrestazure", reason="to read the Azure Stack style metadata of cloud_environment %s "
                                 "(install the collection's requirements-azure-stack.txt)" % arm_endpoint),
            traceback.format_exc())
    session = _VerifyingSession(rest)
    try:
        found = get_cloud_from_metadata_endpoint(arm_endpoint, session=session)
    except MetadataEndpointError as exc:
        raise ApiError("Could not read the cloud metadata of %s: %s" % (arm_endpoint, exc))
    endpoints = found.endpoints
    login = endpoints.active_directory
    audience = endpoints.active_directory_resource_id
    # Azure Stack Hub with Entra ID signs in at the public login host, whose Graph is the public one;
    # with AD FS there is no Microsoft Graph.
    graph = None
    if urlsplit(login).hostname in KNOWN_AUTHORITY_HOSTS:
        graph = "https://graph.microsoft.com"
    return Cloud(arm_endpoint, arm_endpoint, audience, login, graph, graph, custom=True)


class _VerifyingSession(object):
    """The tiny part of ``requests.Session`` msrestazure uses, routed through our session and TLS settings."""

    def __init__(self, rest):
        self._rest = rest

    def get(self, url, **kwargs):
        kwargs.setdefault("verify", self._rest.verify)
        kwargs.setdefault("timeout", self._rest.timeout)
        return self._rest.session.get(url, **kwargs)
