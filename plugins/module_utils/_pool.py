# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Managed DevOps Pools: the pool's identity and Key Vault certificate settings, read-modify-write.

This module owns exactly two parts of a pool: ``identity`` and
``properties.fabricProfile.osProfile.secretsManagementSettings``. Every change is one PATCH
(Pools_Update, body ``PoolUpdate``) built from a fresh GET: ``identity`` with every user-assigned
identity the pool keeps (``{}``) and the one removed (``null``, which the spec allows with
``x-nullable``), and ``properties.fabricProfile`` as read, with only ``secretsManagementSettings``
changed. The whole fabric profile goes along because the spec's ``VmssFabricProfile`` requires
``kind``, ``sku`` and ``images``; sending it as read makes the result the same whether the service
merges the PATCH into the pool or replaces each top-level part it receives. A PUT is never sent: it
replaces the whole pool, so any field this api-version does not know would be reset.

Vaults and identities are only read. Private to the collection; the API may change at any time.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.azdo.identity.plugins.module_utils._arm import ResourceInputError, resolve_reference
from ansible_collections.azdo.identity.plugins.module_utils._compare import ids_equal
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._msi import IdentityClient
from ansible_collections.azdo.identity.plugins.module_utils._msi import resolve_identity as msi_resolve_identity
from ansible_collections.azdo.identity.plugins.module_utils._poll import Pending, poll

POOL_API = "2025-01-21"
VAULT_API = "2024-11-01"
POOL_PROVIDER = "Microsoft.DevOpsInfrastructure"
POOL_TYPE = "pools"
VAULT_PROVIDER = "Microsoft.KeyVault"
VAULT_TYPE = "vaults"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
STORE_NAMES = ("My", "Root")
TERMINAL_STATES = ("succeeded", "failed", "canceled", "cancelled")

POOL_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-.]*$")  # poolName pattern of the spec
VAULT_NAME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")  # 3-24 characters, Key Vault naming rules
SECRET_NAME_RE = re.compile(r"^[a-zA-Z0-9-]{1,127}$")
SECRET_VERSION_RE = re.compile(r"^[0-9a-fA-F]{32}$")


# Resource references are resolved by the helpers every module shares (_arm.py).
PoolInputError = ResourceInputError


def resolve_pool(value, subscription_id=None, resource_group=None):
    return resolve_reference(value, "pool", POOL_PROVIDER, POOL_TYPE, POOL_NAME_RE,
                             "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.DevOpsInfrastructure/pools/<name>",
                             subscription_id, resource_group)


def resolve_identity(value, subscription_id=None, resource_group=None):
    return msi_resolve_identity(value, subscription_id, resource_group, rg_option="identity_resource_group")


def resolve_vault(value, subscription_id=None, resource_group=None):
    return resolve_reference(value, "key_vault", VAULT_PROVIDER, VAULT_TYPE, VAULT_NAME_RE,
                             "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>",
                             subscription_id, resource_group, "key_vault_resource_group")


def name_of(resource_id_value):
    return [p for p in str(resource_id_value).split("/") if p][-1]


# ---------------------------------------------------------------------------- certificates
def certificate_problem(uri):
    """Why ``uri`` is not a Key Vault secret URI usable by a pool, or ``None``."""
    text = str(uri or "")
    match = re.match(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?P<host>[^/?#:]+)(?::(?P<port>\d+))?(?P<path>/[^?#]*)?"
                     r"(?P<rest>[?#].*)?$", text)
    if not match:
        return "'%s' is not a URL" % text
    if match.group("scheme").lower() != "https":
        return "'%s' must use https" % text
    if match.group("rest"):
        return "'%s' must not carry a query or fragment" % text
    segments = [s for s in (match.group("path") or "").split("/") if s]
    if segments and segments[0].lower() == "certificates":
        return ("'%s' is a certificate URI; pools need the certificate's secret URI (the same name under /secrets/, "
                "which is the one that returns the private key)" % text)
    if len(segments) not in (2, 3) or segments[0].lower() != "secrets":
        return "'%s' must be https://<vault>.vault.azure.net/secrets/<name>[/<version>]" % text
    if not SECRET_NAME_RE.match(segments[1]):
        return "'%s' has an invalid secret name '%s'" % (text, segments[1])
    if len(segments) == 3 and not SECRET_VERSION_RE.match(segments[2]):
        return "'%s' has an invalid secret version '%s' (32 hexadecimal characters)" % (text, segments[2])
    return None


def certificate_host(uri):
    match = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?P<host>[^/?#:]+)", str(uri or ""))
    return match.group("host").lower() if match else None


def certificate_key(uri):
    """Comparison key: Key Vault host and secret names are case-insensitive; a trailing slash means nothing."""
    return str(uri or "").strip().rstrip("/").lower()


# ---------------------------------------------------------------------------- normalizers
def _secrets_settings(fabric):
    os_profile = (fabric or {}).get("osProfile") or {}
    settings = os_profile.get("secretsManagementSettings")
    if not isinstance(settings, dict):
        return None
    return dict(observed_certificates=list(settings.get("observedCertificates") or []),
                certificate_store_location=settings.get("certificateStoreLocation"),
                certificate_store_name=settings.get("certificateStoreName"),
                key_exportable=settings.get("keyExportable"))


def normalize_pool(body):
    """The parts of a pool this module reads, plus the raw body for read-modify-write."""
    if not body:
        return None
    identity = body.get("identity") or {}
    assigned = identity.get("userAssignedIdentities") or {}
    props = body.get("properties") or {}
    fabric = props.get("fabricProfile") or {}
    return dict(
        id=body.get("id"), name=body.get("name"), location=body.get("location"),
        provisioning_state=props.get("provisioningState"),
        identity_type=identity.get("type") or "None",
        user_assigned_identities=dict((key, dict(principal_id=(value or {}).get("principalId"),
                                                 client_id=(value or {}).get("clientId")))
                                      for key, value in assigned.items()),
        secrets=_secrets_settings(fabric),
        fabric_profile=copy.deepcopy(fabric),
    )


def normalize_vault(body):
    if not body:
        return None
    props = body.get("properties") or {}
    return dict(id=body.get("id"), name=body.get("name"), vault_uri=props.get("vaultUri"),
                # Missing or null means access policies (docs/service-behaviour.md#rbac-or-access-policies: vaults made with older api-versions).
                rbac=props.get("enableRbacAuthorization") is True, tenant_id=props.get("tenantId"))


def find_attached(pool, identity_id):
    """``(key as the pool spells it, entry)`` of ``identity_id`` among the pool's user-assigned identities."""
    for key, entry in (pool.get("user_assigned_identities") or {}).items():
        if ids_equal(key, identity_id):
            return key, entry
    return None, None


# ---------------------------------------------------------------------------- ARM calls
class PoolClient(object):
    """ARM reads and the one write of this module, over the public methods of an :class:`ArmClient`."""

    def __init__(self, arm):
        self.arm = arm

    def get_pool(self, pool_id):
        return normalize_pool(self.arm.get(pool_id, POOL_API))

    def get_vault(self, vault_id):
        return normalize_vault(self.arm.get(vault_id, VAULT_API))

    def get_identity(self, identity_id):
        return IdentityClient(self.arm).get(identity_id)

    def patch_pool(self, pool_id, body, deadline, what):
        """PATCH and follow the long-running operation to its end within ``deadline``; returns the pool as read
        afterwards.

        The body is absolute (the whole identity set, the whole fabric profile), so sending it twice has
        the effect of sending it once: the PATCH may be resent after a 5xx or a dropped connection.
        """
        self.arm.update(pool_id, POOL_API, body, deadline, what)
        after = self.get_pool(pool_id)
        state = (after or {}).get("provisioning_state")
        if state and state.lower() in ("failed", "canceled", "cancelled"):
            raise ApiError("%s ended with the pool in provisioning state %s" % (what, state), code=state)
        return after

    def wait_until_idle(self, pool, deadline, what):
        """When another operation is still running on the pool, poll it until it ends (within ``deadline``)."""
        if pool is None or not busy(pool):
            return pool
        reads = [pool]

        def step():
            current = reads.pop() if reads else self.get_pool(pool["id"])
            if current is None or not busy(current):
                return current
            return Pending("%s is in provisioning state %s; waiting for that operation to end"
                           % (what, current.get("provisioning_state")))

        return poll(step, deadline, first=1.0, cap=10.0)


def busy(pool):
    """Whether an operation is still running on the pool (a missing state counts as done)."""
    return (pool.get("provisioning_state") or "succeeded").lower() not in TERMINAL_STATES


# ---------------------------------------------------------------------------- desired state
def _system_assigned(identity_type):
    return "systemassigned" in str(identity_type or "").replace(" ", "").lower()


def identity_change(pool, identity_id, present):
    """The PATCH ``identity`` block that attaches (or detaches) ``identity_id``, or ``None`` when nothing changes.

    Returns ``(block, remaining)``; ``remaining`` lists the user-assigned identity ids the pool has afterwards.
    """
    current = pool.get("user_assigned_identities") or {}
    key, dummy = find_attached(pool, identity_id)
    system = _system_assigned(pool.get("identity_type"))
    if present:
        remaining = list(current) + ([] if key else [identity_id])
        if key:
            return None, remaining
        assigned = dict((k, {}) for k in current)
        assigned[identity_id] = {}
        return dict(type="SystemAssigned,UserAssigned" if system else "UserAssigned",
                    userAssignedIdentities=assigned), remaining
    remaining = [k for k in current if k != key]
    if key is None:
        return None, remaining
    if not remaining:
        return dict(type="SystemAssigned" if system else "None"), remaining
    assigned = dict((k, {}) for k in remaining)
    assigned[key] = None
    return dict(type="SystemAssigned,UserAssigned" if system else "UserAssigned",
                userAssignedIdentities=assigned), remaining


def secrets_change(current, present, certificates=None, purge=False, store_location=None, store_name=None,
                   key_exportable=None):
    """The new ``secrets`` settings (snake_case), or ``None`` when nothing changes.

    ``present``: ``certificates`` are added (with ``purge``, they become the whole list); the store options
    and ``key_exportable`` replace the pool's values when given. Absent: ``certificates`` are removed.
    """
    have = current or dict(observed_certificates=[], certificate_store_location=None, certificate_store_name=None,
                           key_exportable=None)
    observed = list(have.get("observed_certificates") or [])
    if present:
        if certificates is None and store_location is None and store_name is None and key_exportable is None:
            return None
        wanted = list(observed)
        if certificates is not None:
            keys = [certificate_key(c) for c in certificates]
            if purge:
                wanted = [c for c in observed if certificate_key(c) in keys]
            seen = set(certificate_key(c) for c in wanted)
            for cert in certificates:
                if certificate_key(cert) not in seen:
                    wanted.append(cert)
                    seen.add(certificate_key(cert))
        after = dict(observed_certificates=wanted,
                     certificate_store_location=have.get("certificate_store_location") if store_location is None
                     else store_location,
                     certificate_store_name=have.get("certificate_store_name") if store_name is None else store_name,
                     key_exportable=(bool(have.get("key_exportable")) if key_exportable is None else key_exportable))
    else:
        if not certificates or current is None:
            return None
        keys = set(certificate_key(c) for c in certificates)
        after = dict(have, observed_certificates=[c for c in observed if certificate_key(c) not in keys])
    if current is not None and after == have:
        return None
    return after


def secrets_body(settings):
    body = dict(observedCertificates=list(settings["observed_certificates"]),
                keyExportable=bool(settings["key_exportable"]))
    if settings.get("certificate_store_location") is not None:
        body["certificateStoreLocation"] = settings["certificate_store_location"]
    if settings.get("certificate_store_name") is not None:
        body["certificateStoreName"] = settings["certificate_store_name"]
    return body


def patch_body(pool, identity_block, secrets):
    """The PoolUpdate body for the changes (``None`` parts are left out)."""
    body = {}
    if identity_block is not None:
        body["identity"] = identity_block
    if secrets is not None:
        fabric = copy.deepcopy(pool.get("fabric_profile") or {})
        os_profile = fabric.get("osProfile")
        if not isinstance(os_profile, dict):
            os_profile = fabric["osProfile"] = {}
        os_profile["secretsManagementSettings"] = secrets_body(secrets)
        body["properties"] = dict(fabricProfile=fabric)
    return body
