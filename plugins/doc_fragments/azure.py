# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options shared by every module that talks to Azure Resource Manager or Microsoft Graph.
    # Keep in step with azure_argument_spec() in plugins/module_utils/_module.py;
    # ansible-test sanity (validate-modules) compares the two.
    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - How to authenticate to Microsoft Entra ID. Every method goes through the C(azure-identity) library.
      - V(auto) uses, in this order, explicit O(secret), O(certificate_path), O(federated_token) or
        O(federated_token_file) options; complete environment variables (see V(env)); a managed identity
        when the host advertises one (E(IDENTITY_ENDPOINT) or E(MSI_ENDPOINT)); the Azure CLI's login when
        C(az) is installed.
      - V(env) reads E(AZURE_CLIENT_ID), E(AZURE_TENANT_ID) (or E(AZURE_TENANT), as AWX injects it) and one of
        E(AZURE_CLIENT_SECRET) (or E(AZURE_SECRET)), E(AZURE_CLIENT_CERTIFICATE_PATH) or E(AZURE_FEDERATED_TOKEN_FILE).
      - V(cli) uses the account of C(az login).
      - V(msi) uses the managed identity of the host; O(client_id) picks a user-assigned one.
      - V(oidc) exchanges an OIDC token for an Entra token (workload identity federation), from
        O(federated_token), O(federated_token_file) or E(AZURE_FEDERATED_TOKEN_FILE), for example the
        C(idToken) an Azure Pipelines job gets from a workload identity service connection.
      - V(credential) uses only the options O(client_id), O(tenant) and O(secret) or O(certificate_path).
      - V(credential_file) reads the profile O(profile) of C(~/.azure/credentials), an INI file with the keys
        C(client_id), C(secret), C(tenant) and C(subscription_id) as azure.azcollection uses it, then signs in as
        V(credential) does. Options given to the task win over the file. V(auto) never reads this file.
      - When not set, the environment variable E(ANSIBLE_AZURE_AUTH_SOURCE) is used.
    type: str
    default: auto
    choices: [auto, env, cli, msi, oidc, credential, credential_file]
  client_id:
    description:
      - Application (client) id of the service principal, managed identity or app registration to sign in as.
    type: str
  secret:
    description:
      - Client secret of O(client_id).
    type: str
  certificate_path:
    description:
      - Path to a PEM or PKCS12 certificate with private key for O(client_id).
      - O(x509_certificate_path) is azure.azcollection's name for it; a thumbprint is not needed.
      - With O(auth_source=env), E(AZURE_CLIENT_CERTIFICATE_PATH) or E(AZURE_X509_CERTIFICATE_PATH) is read.
    type: path
    aliases: [x509_certificate_path]
  certificate_password:
    description:
      - Password of O(certificate_path), if it has one.
    type: str
  federated_token:
    description:
      - An OIDC token (JWT) to exchange for an Entra token with O(auth_source=oidc).
    type: str
  federated_token_file:
    description:
      - A file holding the OIDC token to exchange; read anew for every token request.
    type: path
  tenant:
    description:
      - Microsoft Entra tenant (directory) id.
    type: str
    aliases: [tenant_id]
  subscription_id:
    description:
      - Subscription of the resources that a module takes by name (with a resource group).
      - When not set, the environment variable E(AZURE_SUBSCRIPTION_ID) is used, as AWX's Azure credential sets it.
    type: str
  cloud_environment:
    description:
      - V(AzureCloud), V(AzureUSGovernment), V(AzureChinaCloud), or the https Azure Resource Manager endpoint of
        a custom cloud such as Azure Stack Hub. For a custom cloud the login, ARM audience and Microsoft Graph
        endpoints are read from C({endpoint}/metadata/endpoints).
      - When not set, the environment variable E(AZURE_CLOUD_ENVIRONMENT) is used.
    type: str
    default: AzureCloud
  validate_certs:
    description:
      - Verify the TLS certificates of every endpoint (cloud metadata, sign-in, Azure Resource Manager, Microsoft
        Graph, Azure DevOps).
      - V(false) turns verification off, ignores O(ca_path) and makes the task print a warning. Use it only for a
        throwaway test cloud; trust a private CA with O(ca_path) instead.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates; certificates are checked against this file only.
      - When unset, the file named by E(REQUESTS_CA_BUNDLE) (else E(CURL_CA_BUNDLE)) is used, else the C(certifi)
        bundle of C(requests), not the operating system's trust store. When set, it wins over both variables.
    type: path
  http_timeout:
    description:
      - Seconds to wait for one HTTP answer (connecting takes at most 10 seconds of it).
    type: int
    default: 60
  retry_budget:
    description:
      - Total seconds one request may spend retrying throttling (HTTP 429), server errors (HTTP 5xx) and
        dropped connections, waits included. Retries use capped exponential backoff with full jitter and
        honour the service's C(Retry-After).
    type: int
    default: 300
  profile:
    description:
      - The profile (INI section) of C(~/.azure/credentials) that O(auth_source=credential_file) reads.
      - When not set, the environment variable E(AZURE_PROFILE) is used, else V(default).
    type: str
  cert_validation_mode:
    description:
      - azure.azcollection's spelling of O(validate_certs). V(ignore) turns TLS verification off, with a warning;
        V(validate) is the default behaviour, and contradicts O(validate_certs=false).
      - When not set, the environment variable E(AZURE_CERT_VALIDATION_MODE) is used.
    type: str
    choices: [validate, ignore]
  token_cache:
    description:
      - Reuse the access tokens and the custom cloud metadata that an earlier task of the same C(ansible-playbook)
        run obtained, so that a run asks Microsoft Entra ID for one token per identity, cloud and audience instead
        of one per task.
      - Only for modules that run on the controller (C(connection=local), the way this collection is used). Tokens
        are kept encrypted with a key that exists only in the memory of the run, in the run's private
        temporary directory (mode 0700, removed when the run ends), and only until five minutes before they
        expire. Secrets, certificates and refresh tokens are never written.
      - Set to V(false) to get a fresh token in every task.
      - When not set, the environment variable E(AZDO_IDENTITY_TOKEN_CACHE) is used.
    type: bool
    default: true
notes:
  - Set the authentication options once for every module of the collection with
    C(module_defaults) and the action group C(group/azdo.identity.all).
requirements:
  - python >= 3.9
  - azure-identity
  - requests
  - msrestazure, only for a custom cloud that serves Azure Stack style metadata (the collection's requirements-azure-stack.txt)
"""
