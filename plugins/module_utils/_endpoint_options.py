# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options of ``azdo_service_connection``, completed and checked before any request writes.

:func:`complete` fills every option left out from the existing connection (so that omitting one never changes
it, and never widens its scope), else from ``cloud_environment`` and the sign-in tenant; :func:`validate` names
the first combination that cannot work. The body they turn into is :mod:`._endpoint`'s.
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._cloud import builtin_cloud_name
from ansible_collections.azdo.identity.plugins.module_utils._compare import is_guid
from ansible_collections.azdo.identity.plugins.module_utils._endpoint import ENVIRONMENTS, level_of
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError


def complete(params, have, cloud_environment, sign_in_tenant):
    """The options with everything left out filled in: from the existing connection ``have`` (normalized, or
    ``{}``), else from ``cloud_environment`` and the sign-in tenant. Raises :class:`InputError`."""
    want = dict(params)
    level = want.get("scope_level")
    if level is None:
        if want.get("management_group_id"):
            level = "management_group"
        elif want.get("ml_workspace_name"):
            level = "machine_learning_workspace"
        elif want.get("resource_group"):
            level = "resource_group"
        elif have:
            level = level_of(have)
            if level == "resource_group":
                want["resource_group"] = have["resource_group"]
        else:
            level = "subscription"
    want["scope_level"] = level
    if have:
        for key, current in (("identity_client_id", have.get("client_id")), ("identity_tenant_id", have.get("tenant_id")),
                             ("subscription_id", have.get("subscription_id")),
                             ("management_group_id", have.get("management_group_id"))):
            if not want.get(key) and current:
                want[key] = current
    want["identity_tenant_id"] = want.get("identity_tenant_id") or sign_in_tenant
    if not want.get("environment"):
        if have.get("environment"):
            want["environment"] = have["environment"]
            if have["environment"] == "AzureStack" and not want.get("environment_url"):
                want["environment_url"] = have.get("url")
        else:
            want["environment"] = builtin_cloud_name(cloud_environment)
            if want["environment"] is None:
                raise InputError(
                    "environment is required for a new connection when cloud_environment is a custom cloud (%s): "
                    "Azure DevOps must know which cloud the connection reaches. Set environment: AzureStack with "
                    "environment_url for Azure Stack Hub, or AzureCloud, AzureUSGovernment or AzureChinaCloud"
                    % cloud_environment)
    problem = validate(want)
    if problem:
        raise InputError(problem)
    return want


def validate(want):
    """A message for options that cannot describe a connection, or ``None``."""
    scheme = want["scheme"]
    if scheme in ("workload_identity_federation", "service_principal") and not want.get("identity_client_id"):
        return ("identity_client_id (the client id of the managed identity or app registration) is required for "
                "scheme=%s" % scheme)
    if want.get("identity_client_id") and not is_guid(want["identity_client_id"]):
        return "identity_client_id must be a client id (a GUID); got '%s'" % want["identity_client_id"]
    tenant = want.get("identity_tenant_id")
    if not tenant:
        return "identity_tenant_id is required (or set tenant, the tenant used to sign in)"
    if not is_guid(tenant):
        return "identity_tenant_id must be a tenant id (a GUID); got '%s'" % tenant
    if scheme != "service_principal" and (want.get("service_principal_secret") or want.get("certificate")):
        return "service_principal_secret and certificate only go with scheme=service_principal"
    level = want["scope_level"]
    if level in ("subscription", "resource_group", "machine_learning_workspace"):
        if not want.get("subscription_id"):
            return "subscription_id is required for scope_level=%s" % level
        if not is_guid(want["subscription_id"]):
            return "subscription_id must be a GUID; got '%s'" % want["subscription_id"]
    if level == "subscription" and want.get("resource_group"):
        return ("resource_group narrows a connection to one resource group, but scope_level is subscription: drop "
                "resource_group to reach the whole subscription, or set scope_level: resource_group")
    if level == "resource_group" and not want.get("resource_group"):
        return "resource_group is required for scope_level=resource_group"
    if level == "management_group" and not want.get("management_group_id"):
        return "management_group_id is required for scope_level=management_group"
    if level == "machine_learning_workspace" and not (want.get("ml_workspace_name") and want.get("resource_group")):
        return "ml_workspace_name and resource_group are required for scope_level=machine_learning_workspace"
    if want["environment"] not in ENVIRONMENTS:
        return "environment must be one of %s; got '%s'" % (", ".join(ENVIRONMENTS), want["environment"])
    if want["environment"] == "AzureStack" and not want.get("environment_url"):
        return "environment_url (the Azure Stack Hub ARM endpoint) is required for environment=AzureStack"
    if want.get("environment_url") and not want["environment_url"].startswith("https://"):
        return "environment_url must be an https URL; got '%s'" % want["environment_url"]
    if want["environment"] == "AzureStack" and scheme == "workload_identity_federation":
        return ("Azure Stack connections cannot use workload identity federation; use scheme=service_principal, or "
                "another environment")
    return None
