# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft.KeyVault/vaults, control plane reads only [CONTRACTS 6; KVX examples; REC test_keyvault_key_rotation].

Vaults are seeded (``POST /_emulator/seed`` key ``vaults``), never created through ARM. Each one is also
registered as a core ARM resource, so role assignments can be made at its scope. A vault authorizes its
data plane either with Azure RBAC (``enableRbacAuthorization: true``) or with access policies
(``false``, or the property missing, as older vaults report it).
"""

from __future__ import annotations

import re
import time

from . import clock
from .arm_resources import arm_pre, authorize, check_scope, paged, require_api_version, subscription_for
from .scopes import ScopeError, parse_scope
from .state import StateExtension, register_extension
from .web import HttpError, Request, Response

VAULT_TYPE = "Microsoft.KeyVault/vaults"
# Control-plane versions: the two spec folders (CONTRACTS 6) and the one azure-cli recorded (2023-02-01).
# UNCONFIRMED as a complete list.
VAULT_API_VERSIONS = frozenset({"2023-02-01", "2023-07-01", "2024-11-01", "2025-05-01", "2026-02-01"})
VAULT_DNS_SUFFIX = "vault.azure.net"
VAULT_NAME_RE = r"[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]"


def _stamp(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%03dZ" % int((ts % 1) * 1000)


@register_extension
class KeyVaults(StateExtension):
    """Seeded vaults keyed by lower-case resource id."""

    name = "keyvault"
    seed_keys = (("vaults", "add_vault"),)

    def __init__(self, state):
        super().__init__(state)
        self.vaults: dict = {}

    def snapshot(self) -> dict:
        return {"vaults": list(self.vaults.values())}

    def add_vault(self, spec: dict) -> dict:
        """Seed one vault: ``name`` (+ ``resourceGroup``, ``subscriptionId``) or ``id``; ``enableRbacAuthorization``
        true, false or absent/null; optional ``location``, ``tags``, ``accessPolicies``, ``sku``."""
        state = self.state
        ident = state.identity
        rid = spec.get("id")
        if not rid:
            if not spec.get("name"):
                raise ValueError("vault needs 'id' or 'name'")
            rid = (f"/subscriptions/{spec.get('subscriptionId') or ident.subscription_id}/resourceGroups/"
                   f"{spec.get('resourceGroup') or ident.resource_group}/providers/{VAULT_TYPE}/{spec['name']}")
        try:
            scope = parse_scope(rid)
        except ScopeError as exc:
            raise ValueError(str(exc)) from exc
        if scope.kind != "resource" or scope.resource_type.lower() != VAULT_TYPE.lower():
            raise ValueError(f"'{rid}' is not a Key Vault id")
        if not re.fullmatch(VAULT_NAME_RE, scope.names[-1]):
            raise ValueError(f"'{scope.names[-1]}' is not a valid vault name (3-24 letters, digits and dashes)")
        rg = state.resource_group(scope.subscription, scope.resource_group)
        if rg is None:
            raise ValueError(f"resource group of '{rid}' does not exist")
        sub = state.subscriptions[scope.subscription.lower()]
        core = state.add_resource({"id": rid, "location": spec.get("location", rg["location"])})
        rbac = spec.get("enableRbacAuthorization")
        if rbac is not None and not isinstance(rbac, bool):
            raise ValueError("enableRbacAuthorization must be true, false or null")
        now = clock.now()
        record = {
            "id": core["id"], "name": scope.names[-1], "subscriptionId": scope.subscription.lower(),
            "resourceGroup": rg["name"], "location": core["location"], "tags": spec.get("tags") or {},
            "tenantId": sub["tenantId"], "sku": spec.get("sku") or {"family": "A", "name": "standard"},
            "accessPolicies": list(spec.get("accessPolicies") or []), "enableRbacAuthorization": rbac,
            "createdAt": _stamp(now), "createdBy": spec.get("createdBy", "emulator"),
        }
        self.vaults[scope.key] = record
        return dict(record, vaultUri=vault_uri(record))

    def get(self, resource_id: str) -> dict | None:
        """The vault with this id (case-insensitive), or None."""
        try:
            key = parse_scope(resource_id).key
        except ScopeError:
            return None
        vault = self.vaults.get(key)
        if vault is None or self.state.resource_group(vault["subscriptionId"], vault["resourceGroup"]) is None:
            return None  # the resource group (and so the vault) was deleted
        return vault


def vault_uri(vault: dict) -> str:
    """Data-plane URI, with the trailing slash the recorded service returns (the spec examples omit it)."""
    return f"https://{vault['name'].lower()}.{VAULT_DNS_SUFFIX}/"


def render_vault(vault: dict) -> dict:
    """Vault body; key order as recorded by azure-cli (``enableRbacAuthorization`` only when set)."""
    props = {"sku": dict(vault["sku"]), "tenantId": vault["tenantId"], "accessPolicies": list(vault["accessPolicies"])}
    if vault["enableRbacAuthorization"] is not None:
        props["enableRbacAuthorization"] = vault["enableRbacAuthorization"]
    props.update({"enabledForDeployment": False, "enableSoftDelete": True, "softDeleteRetentionInDays": 90,
                  "vaultUri": vault_uri(vault), "provisioningState": "Succeeded", "publicNetworkAccess": "Enabled"})
    system = {"createdBy": vault["createdBy"], "createdByType": "User", "createdAt": vault["createdAt"],
              "lastModifiedBy": vault["createdBy"], "lastModifiedByType": "User", "lastModifiedAt": vault["createdAt"]}
    return {"id": vault["id"], "name": vault["name"], "type": VAULT_TYPE, "location": vault["location"],
            "tags": dict(vault["tags"]), "systemData": system, "properties": props}


def _vaults(emu) -> KeyVaults:
    return emu.state.ext[KeyVaults.name]


def get_vault(emu, req: Request) -> Response:
    """GET one vault: 200, or 404 ResourceNotFound / ResourceGroupNotFound."""
    require_api_version(req, VAULT_API_VERSIONS, VAULT_TYPE, provider=True)
    rg_scope = parse_scope(f"/subscriptions/{req.group('sub')}/resourceGroups/{req.group('rg')}")
    check_scope(emu, req, rg_scope)
    rid = f"{rg_scope.text}/providers/{VAULT_TYPE}/{req.group('name')}"
    authorize(emu, req, f"{VAULT_TYPE}/read", parse_scope(rid))
    vault = _vaults(emu).get(rid)
    if vault is None:
        raise HttpError(404, "ResourceNotFound", f"The Resource '{VAULT_TYPE}/{req.group('name')}' under resource group "
                        f"'{req.group('rg')}' was not found. For more details please go to "
                        "https://aka.ms/ARMResourceNotFoundFix")
    return Response(200, render_vault(vault))


def list_vaults(emu, req: Request) -> Response:
    """GET the vaults of a resource group or of a subscription (paged)."""
    require_api_version(req, VAULT_API_VERSIONS, VAULT_TYPE, provider=True)
    sub = subscription_for(emu, req, req.group("sub"))
    rg = req.group("rg")
    if rg:
        scope = parse_scope(f"/subscriptions/{sub['subscriptionId']}/resourceGroups/{rg}")
        check_scope(emu, req, scope)
    else:
        scope = parse_scope(f"/subscriptions/{sub['subscriptionId']}")
    authorize(emu, req, f"{VAULT_TYPE}/read", scope)
    prefix = scope.key + "/"
    items = [render_vault(v) for key, v in sorted(_vaults(emu).vaults.items())
             if key.startswith(prefix) and _vaults(emu).get(v["id"]) is not None]
    return Response(200, paged(emu, req, items))


def register(router, _emu) -> None:
    """Routes for Key Vault vault reads."""
    sub = r"/subscriptions/(?P<sub>[^/]+)"
    provider = r"/providers/Microsoft\.KeyVault/vaults"
    router.add("arm", "GET", sub + r"/resourceGroups/(?P<rg>[^/]+)" + provider + r"/(?P<name>[^/]+)/?", get_vault,
               pre=arm_pre)
    router.add("arm", "GET", sub + r"/resourceGroups/(?P<rg>[^/]+)" + provider + r"/?", list_vaults, pre=arm_pre)
    router.add("arm", "GET", sub + r"(?P<rg>)" + provider + r"/?", list_vaults, pre=arm_pre)
