# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""User-assigned managed identities and their federated credentials in ARM (Microsoft.ManagedIdentity).

Identity references are resolved here once for every module that takes one (federation, pools,
service connections): a full resource id, or a name with ``resource_group`` and ``subscription_id``.
The service behaviour relied on is in docs/service-behaviour.md#managed-identities-microsoftmanagedidentity.
"""

from __future__ import annotations

import re

from ansible_collections.azdo.identity.plugins.module_utils._arm import parse_resource_id, resolve_reference, resource_id

MSI_API = "2024-11-30"
PROVIDER = "Microsoft.ManagedIdentity"
IDENTITY_TYPE = "userAssignedIdentities"
FIC_TYPE = "federatedIdentityCredentials"
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")


def identity_id(subscription_id, resource_group, name):
    return resource_id(subscription_id, resource_group, PROVIDER, IDENTITY_TYPE, name)


def parse_identity_id(value):
    """``(subscription, resource_group, name)`` of a user-assigned identity id, or ``None``."""
    return parse_resource_id(value, PROVIDER, IDENTITY_TYPE)


def resolve_identity(value, subscription_id=None, resource_group=None, option="identity", rg_option="resource_group"):
    """The full id for ``value`` (an id, or a name with resource group and subscription); raises
    :class:`ResourceInputError` (a ValueError) naming the option and the fix."""
    return resolve_reference(value, option, PROVIDER, IDENTITY_TYPE, NAME_RE,
                             "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/"
                             "userAssignedIdentities/<name>", subscription_id, resource_group, rg_option)


def normalize_identity(body):
    if not body:
        return None
    props = body.get("properties") or {}
    parsed = parse_identity_id(body.get("id")) or (None, None, body.get("name"))
    return dict(id=body.get("id"), name=body.get("name"), subscription_id=parsed[0], resource_group=parsed[1],
                location=body.get("location"), tags=body.get("tags") or {}, client_id=props.get("clientId"),
                principal_id=props.get("principalId"), tenant_id=props.get("tenantId"))


def normalize_fic(body):
    if not body:
        return None
    props = body.get("properties") or {}
    return dict(id=body.get("id"), name=body.get("name"), issuer=props.get("issuer"), subject=props.get("subject"),
                audiences=list(props.get("audiences") or []))


class IdentityClient(object):
    """ARM calls for identities and their federated credentials, over the public methods of an :class:`ArmClient`."""

    def __init__(self, arm):
        self.arm = arm

    def get(self, resource_id):
        return normalize_identity(self.arm.get(resource_id, MSI_API))

    def put(self, resource_id, location, tags):
        body = {"location": location}
        if tags is not None:
            body["tags"] = tags
        return normalize_identity(self.arm.put(resource_id, MSI_API, body))

    def delete(self, resource_id):
        self.arm.delete(resource_id, MSI_API)

    def resource_group(self, subscription_id, resource_group):
        return self.arm.resource_group(subscription_id, resource_group)

    def federated_credentials(self, resource_id):
        """The identity's credentials, or ``None`` when the identity does not exist."""
        found = self.arm.collect(resource_id, MSI_API, FIC_TYPE)
        return None if found is None else [normalize_fic(item) for item in found]

    def put_federated_credential(self, resource_id, name, issuer, subject, audiences):
        body = {"properties": {"issuer": issuer, "subject": subject, "audiences": list(audiences)}}
        return normalize_fic(self.arm.put(resource_id, MSI_API, body, FIC_TYPE, name))

    def delete_federated_credential(self, resource_id, name):
        self.arm.delete(resource_id, MSI_API, FIC_TYPE, name)
