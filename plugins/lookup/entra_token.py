# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: entra_token
author:
  - azdo.identity contributors (@azdo-identity)
version_added: 0.1.0
short_description: Get a Microsoft Entra access token for Azure DevOps or another resource
description:
  - Returns an access token (a string) for a resource, by default Azure DevOps
    (C(499b84ac-1321-427f-aa17-267ca6975798)), signed in the same ways as the collection's modules.
    O(auth_source) picks explicit credentials, environment variables, a managed identity, the Azure CLI's login
    or an OIDC token exchanged through workload identity federation.
  - Use it to call a REST API that the collection has no module for with M(ansible.builtin.uri) and an
    C(Authorization) header of C(Bearer <token>), as Microsoft documents for a service principal or managed
    identity added to an organization (for example with M(azdo.identity.azdo_service_principal)).
  - Runs on the controller. Each call asks Microsoft Entra ID for a token; to reuse one across tasks, store it
    with M(ansible.builtin.set_fact) and C(no_log=true).
  - The token is a secret. The lookup never displays or logs it, but Ansible shows whatever a task prints or
    returns; set C(no_log=true) on tasks that carry it (see the examples).
options:
  resource:
    description:
      - The resource (application id or URI) to get a token for; C(/.default) is added. A value that already ends
        in C(/.default) is used as the scope as it is.
      - For Azure Resource Manager use C(https://management.azure.com/), for Microsoft Graph
        C(https://graph.microsoft.com/).
    type: str
    default: 499b84ac-1321-427f-aa17-267ca6975798
  auth_source:
    description:
      - How to authenticate, as in the modules. V(auto) uses explicit O(secret), O(certificate_path),
        O(federated_token) or O(federated_token_file); then complete environment variables; then a managed
        identity the host advertises; then the Azure CLI's login.
      - V(env) reads E(AZURE_CLIENT_ID), E(AZURE_TENANT_ID) (or E(AZURE_TENANT)) and one of E(AZURE_CLIENT_SECRET)
        (or E(AZURE_SECRET)), E(AZURE_CLIENT_CERTIFICATE_PATH) or E(AZURE_FEDERATED_TOKEN_FILE).
      - V(cli) uses C(az login); V(msi) the host's managed identity (O(client_id) picks a user-assigned one);
        V(oidc) exchanges O(federated_token) or O(federated_token_file); V(credential) uses only O(client_id),
        O(tenant) and O(secret) or O(certificate_path); V(credential_file) reads the profile O(profile) of
        C(~/.azure/credentials) (azure.azcollection's file, with the keys C(client_id), C(secret) and C(tenant)).
    type: str
    default: auto
    choices: [auto, env, cli, msi, oidc, credential, credential_file]
    env:
      - name: ANSIBLE_AZURE_AUTH_SOURCE
    vars:
      - name: azdo_identity_auth_source
  client_id:
    description:
      - Application (client) id to sign in as.
    type: str
  secret:
    description:
      - Client secret of O(client_id).
    type: str
  certificate_path:
    description:
      - Path to a PEM or PKCS12 certificate with private key for O(client_id).
    type: path
  certificate_password:
    description:
      - Password of O(certificate_path), if it has one.
    type: str
  federated_token:
    description:
      - An OIDC token (JWT) to exchange with O(auth_source=oidc).
    type: str
  federated_token_file:
    description:
      - A file holding the OIDC token to exchange.
    type: path
  tenant:
    description:
      - Microsoft Entra tenant (directory) id.
    type: str
  profile:
    description:
      - The profile (INI section) of C(~/.azure/credentials) that O(auth_source=credential_file) reads;
        V(default) when not set.
    type: str
    env:
      - name: AZURE_PROFILE
  cloud_environment:
    description:
      - V(AzureCloud), V(AzureUSGovernment), V(AzureChinaCloud), or the https Azure Resource Manager endpoint of
        a custom cloud, whose login endpoint is read from C({endpoint}/metadata/endpoints).
    type: str
    default: AzureCloud
    env:
      - name: AZURE_CLOUD_ENVIRONMENT
    vars:
      - name: azdo_identity_cloud_environment
  validate_certs:
    description:
      - Verify TLS certificates. V(false) turns verification off, ignores O(ca_path) and prints a warning; use it
        only for a throwaway test cloud.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates; certificates are checked against this file only.
      - When unset, the file named by E(REQUESTS_CA_BUNDLE) (else E(CURL_CA_BUNDLE)) is used, else the C(certifi)
        bundle of C(requests). When set, it wins over both variables.
    type: path
  http_timeout:
    description:
      - Seconds to wait for the cloud metadata of a custom O(cloud_environment).
    type: int
    default: 60
notes:
  - Lookups run on the controller, so O(auth_source=msi) uses the controller's managed identity.
seealso:
  - module: azdo.identity.azdo_service_principal
  - module: ansible.builtin.uri
  - name: Get a Microsoft Entra ID token for Azure DevOps
    description: Microsoft's guide to calling Azure DevOps as a service principal or managed identity.
    link: https://learn.microsoft.com/azure/devops/integrate/get-started/authentication/service-principal-managed-identity
"""

EXAMPLES = r"""
- name: List the projects of an organization as the pipeline's service principal
  ansible.builtin.uri:
    url: https://dev.azure.com/contoso/_apis/projects?api-version=7.1
    headers:
      Authorization: "Bearer {{ lookup('azdo.identity.entra_token', auth_source='env') }}"
  register: projects
  no_log: true  # the task's arguments hold the token

- name: Show the project names (the registered result does not contain the token)
  ansible.builtin.debug:
    msg: "{{ projects.json.value | map(attribute='name') | list }}"

- name: Get one token and reuse it (never print the variable)
  ansible.builtin.set_fact:
    azdo_token: "{{ lookup('azdo.identity.entra_token', auth_source='msi', client_id=identity_client_id) }}"
  no_log: true

- name: A token for Azure Resource Manager in a custom cloud
  ansible.builtin.set_fact:
    arm_token: "{{ lookup('azdo.identity.entra_token', resource='https://management.azure.com/',
                   cloud_environment='https://management.local.azurestack.external',
                   ca_path='/etc/pki/azurestack-ca.pem') }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - One access token, a JWT to send in an C(Authorization) header as C(Bearer <token>).
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.azdo.identity.plugins.module_utils._auth import AuthError, select_auth
from ansible_collections.azdo.identity.plugins.module_utils._compat import apply_compat
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._cloud import (
    AZURE_DEVOPS_RESOURCE, resolve_cloud, validate_cloud_environment,
)
from ansible_collections.azdo.identity.plugins.module_utils._http import (
    REQUESTS_IMPORT_ERROR, ApiError, RestClient, RetryPolicy, new_session, tls_verify, tls_warning,
)

USER_AGENT = "azdo.identity (ansible collection; entra_token lookup)"
# Options that can come from an Ansible variable (their ``vars:`` entries in DOCUMENTATION).
VARS_OPTIONS = ("auth_source", "cloud_environment")
CREDENTIAL_OPTIONS = ("auth_source", "client_id", "secret", "certificate_path", "certificate_password",
                      "federated_token", "federated_token_file", "tenant", "profile")


def scope_of(cloud, resource):
    resource = (resource or AZURE_DEVOPS_RESOURCE).strip()
    return resource if resource.endswith("/.default") else cloud.scope(resource)


def get_token(params, rest_factory=None, select=None):
    """The access token for ``params['resource']``; raises ApiError (auth problems are AuthError) or ValueError."""
    problem = validate_cloud_environment(params.get("cloud_environment"))
    if problem:
        raise ValueError(problem)
    verify = tls_verify(params.get("validate_certs", True), params.get("ca_path"))
    timeout = float(params.get("http_timeout") or 60)

    def metadata_client(base):
        return RestClient(new_session(USER_AGENT), base, timeout=(min(10.0, timeout), timeout), service="metadata",
                          policy=RetryPolicy(budget=timeout * 2), verify=verify)

    credentials = dict((k, params.get(k)) for k in CREDENTIAL_OPTIONS)
    try:
        # The lookup returns only the token, never the secret it reads from a credentials file.
        apply_compat(credentials, lambda value: None)
    except InputError as exc:
        raise ValueError(str(exc))
    cloud = resolve_cloud(params.get("cloud_environment"), rest_factory or metadata_client)
    method = (select or select_auth)(credentials, cloud, verify=verify)
    return method.token(scope_of(cloud, params.get("resource"))), method


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError("azdo.identity.entra_token takes no terms; name the resource with resource=...")
        if REQUESTS_IMPORT_ERROR:
            raise AnsibleLookupError("azdo.identity.entra_token needs the Python library 'requests' on the controller")
        self.set_options(var_options=variables, direct=kwargs)
        params = dict((name, self.get_option(name)) for name in
                      CREDENTIAL_OPTIONS + ("resource", "cloud_environment", "validate_certs", "ca_path",
                                            "http_timeout"))
        for name in VARS_OPTIONS:
            # A value taken from a variable arrives as written (possibly a template), unlike a direct argument.
            if isinstance(params[name], str) and "{" in params[name] and self._templar is not None:
                params[name] = self._templar.template(params[name])
        if params["http_timeout"] is not None and params["http_timeout"] <= 0:
            raise AnsibleLookupError("http_timeout must be a positive number of seconds; got %s" % params["http_timeout"])
        tls_off = tls_warning(params["validate_certs"], params["ca_path"])
        if tls_off:
            self._display.warning("azdo.identity.entra_token: " + tls_off)
        try:
            token, method = get_token(params)
        except ValueError as exc:
            raise AnsibleLookupError(str(exc))
        except AuthError as exc:
            raise AnsibleLookupError(exc.message)
        except ApiError as exc:
            raise AnsibleLookupError("Could not get an Entra token for %s: %s"
                                     % (params["resource"] or AZURE_DEVOPS_RESOURCE, exc.describe()))
        self._display.vvv("azdo.identity.entra_token: got a token for %s with auth_source=%s"
                          % (params["resource"], method.describe()))
        return [token]
