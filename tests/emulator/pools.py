# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft.DevOpsInfrastructure/pools, Managed DevOps Pools [CONTRACTS 5; DOI spec 2025-01-21;
REC azure-cli-extensions test_mdp_scenario.yaml / test_mdp_create_error_scenario.yaml].

Writes are long-running operations that the emulator advances lazily by the clock: every request first
moves finished operations to their end state. A PUT answers 201 (also for an update, as recorded) with
``Azure-AsyncOperation``; a PATCH answers 202 with ``Location`` (or 200 when ``pool_patch_async`` is off);
a DELETE answers 202 with both headers, or 204 when there is nothing to delete. The README's "Managed
DevOps Pools" section lists the rules and what is UNCONFIRMED.
"""

from __future__ import annotations

import copy
import re
import uuid

from . import clock
from .arm_resources import (arm_error_parse, arm_pre, authorize, check_scope, paged, require_api_version,
                            subscription_for)
from .scopes import ScopeError, parse_scope
from .state import DEFAULT_CONFIG, StateExtension, now_stamp, register_extension
from .web import HttpError, Request, Response

POOL_TYPE = "Microsoft.DevOpsInfrastructure/pools"
RENDERED_TYPE = "microsoft.devopsinfrastructure/pools"  # the live service answers in lower case (REC)
PROVIDER = "Microsoft.DevOpsInfrastructure"
# Stable versions from the spec readme (CONTRACTS 5) plus the preview the Python SDK recording used.
# UNCONFIRMED as a complete list.
POOL_API_VERSIONS = frozenset({"2024-04-04-preview", "2024-10-19", "2025-01-21", "2025-09-20", "2026-06-02"})
POOL_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-.]*$")
MSI_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
IDENTITY_TYPES = ("None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned")
DEVCENTER_PROJECT_RE = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.DevCenter/"
                                  r"projects/[^/]+$", re.IGNORECASE)
SECRET_URI_RE = re.compile(r"^https://(?P<vault>[a-zA-Z0-9-]+)\.[a-zA-Z0-9.-]+(?::\d+)?/secrets/[a-zA-Z0-9-]{1,127}"
                           r"(?:/[0-9a-fA-F]{32})?/?$")
PERMISSION_KINDS = ("Inherit", "CreatorOnly", "SpecificAccounts")
AGENT_KINDS = ("Stateless", "Stateful")
LOGON_TYPES = ("Service", "Interactive")
STORE_NAMES = ("My", "Root")
TERMINAL = ("Succeeded", "Failed", "Canceled")
# An image whose name contains this marker fails asynchronously (the operation ends Failed).
FAIL_IMAGE_MARKER = "emulator-fail-provisioning"
VALIDATION_CODE = "ResourceCreationValidateFailed"
VALIDATION_MESSAGE = "The resource validation failed."  # REC test_mdp_create_error_scenario.yaml

CONFIG_DEFAULTS = {
    "pool_provisioning_duration": 1.5,   # seconds an operation runs (Accepted -> Provisioning -> Succeeded)
    "pool_retry_after": 1,               # Retry-After on async answers; 0 = none (the recording has none)
    "pool_update_status": 201,           # status of a PUT that updates (201 recorded; the spec says 200)
    "pool_patch_async": True,            # PATCH answers 202 + Location; false: 200 with the pool
    "pool_parallelism_must_match": False,  # sum of parallelism must equal maximumConcurrency (CONTRACTS 5)
    "pool_fail_next": 0,                 # the next N pool writes fail asynchronously
    "pool_error_details": False,         # add error.details naming each validation problem
}
for _key, _value in CONFIG_DEFAULTS.items():
    DEFAULT_CONFIG.setdefault(_key, _value)


def _canonical_identity_id(raw: str) -> str | None:
    """The id of a user-assigned identity with ARM's keyword casing, or None when it is not one."""
    try:
        scope = parse_scope(raw)
    except ScopeError:
        return None
    if scope.kind != "resource" or scope.resource_type.lower() != MSI_TYPE.lower() or len(scope.names) != 1:
        return None
    return (f"/subscriptions/{scope.subscription}/resourceGroups/{scope.resource_group}/providers/{MSI_TYPE}/"
            f"{scope.names[0]}")


def find_identity(state, raw_id: str) -> dict | None:
    """``{"principalId", "clientId"}`` of an existing user-assigned identity, or None.

    Asks the Managed Identity service (extension ``managed_identity``) when it is loaded; otherwise (or when
    it does not know the id) the core resources table, where a test may seed an identity as a generic
    resource whose ``properties`` carry ``principalId`` and ``clientId``.
    """
    try:
        key = parse_scope(raw_id).key
    except ScopeError:
        return None
    ext = state.ext.get("managed_identity")
    if ext is not None:
        table = ext.live() if hasattr(ext, "live") else getattr(ext, "identities", {})
        record = table.get(key)
        if record is not None:
            return {"principalId": record.get("principalId"), "clientId": record.get("clientId")}
    resource = state.resources.get(key)
    if resource is None or resource["type"].lower() != MSI_TYPE.lower():
        return None
    props = resource.get("properties") or {}
    if ext is not None and not props.get("principalId"):
        return None
    return {"principalId": props.get("principalId"), "clientId": props.get("clientId")}


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch: objects merge, ``null`` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _first_image_failure(props: dict) -> str | None:
    for image in ((props.get("fabricProfile") or {}).get("images") or []):
        for field in ("wellKnownImageName", "resourceId"):
            if FAIL_IMAGE_MARKER in str(image.get(field) or ""):
                return str(image.get(field))
    return None


@register_extension
class Pools(StateExtension):
    """Pools keyed by lower-case id, and their operations keyed by operation id."""

    name = "pools"
    seed_keys = (("pools", "add_pool"),)

    def __init__(self, state):
        super().__init__(state)
        self.pools: dict = {}
        self.operations: dict = {}

    def snapshot(self) -> dict:
        self.advance()
        return {"pools": [render_pool(self, p) for p in self.pools.values()],
                "poolOperations": list(self.operations.values())}

    # ------------------------------------------------------------------ lookups and time
    def get(self, resource_id: str) -> dict | None:
        """The pool (case-insensitive id), or None; a pool whose resource group is gone is gone too."""
        try:
            key = parse_scope(resource_id).key
        except ScopeError:
            return None
        pool = self.pools.get(key)
        if pool is not None and self.state.resource_group(pool["subscriptionId"], pool["resourceGroup"]) is None:
            del self.pools[key]
            return None
        return pool

    def advance(self, now: float | None = None) -> None:
        """Finish every operation whose time has come."""
        now = clock.now() if now is None else now
        for op in self.operations.values():
            if op["finished"] or now < op["doneAt"]:
                continue
            op["finished"] = True
            op["endTime"] = now_stamp(op["doneAt"])
            pool = self.pools.get(op["poolKey"])
            if pool is None or pool.get("operation") != op["id"]:
                continue
            pool["operation"] = None
            if op["kind"] == "delete":
                del self.pools[op["poolKey"]]
                self.state.resources.pop(op["poolKey"], None)
            else:
                pool["provisioningState"] = "Failed" if op["failure"] else "Succeeded"

    def phase(self, op: dict, pool_view: bool = False, now: float | None = None) -> str:
        """Status of an operation: Provisioning (Deleting) while it runs, then Succeeded or Failed. Seen on the
        pool (``pool_view``), a create or update reads Accepted for the first third of its time (REC: the PUT
        answer says Accepted, the first status poll already Provisioning)."""
        if op["finished"]:
            return "Failed" if op["failure"] else "Succeeded"
        if op["kind"] == "delete":
            return "Deleting"
        now = clock.now() if now is None else now
        third = (op["doneAt"] - op["started"]) / 3.0
        return "Accepted" if pool_view and now - op["started"] < third else "Provisioning"

    def provisioning_state(self, pool: dict) -> str:
        op = self.operations.get(pool.get("operation") or "")
        return self.phase(op, pool_view=True) if op else pool["provisioningState"]

    def start(self, pool: dict, kind: str, failure: dict | None = None, duration: float | None = None) -> dict:
        """Begin an operation on ``pool``; it finishes after ``pool_provisioning_duration`` seconds."""
        config = self.state.config
        now = clock.now()
        op_id = f"{uuid.uuid4()}*{uuid.uuid4().hex.upper()}{uuid.uuid4().hex.upper()}"
        duration = float(config["pool_provisioning_duration"]) if duration is None else duration
        op = {"id": op_id, "requestId": str(uuid.uuid4()), "kind": kind, "poolKey": pool["key"], "poolId": pool["id"],
              "subscriptionId": pool["subscriptionId"], "location": pool["location"], "started": now,
              "startTime": now_stamp(now), "doneAt": now + duration, "finished": False, "endTime": None,
              "failure": failure}
        self.operations[op_id] = op
        pool["operation"] = op_id
        pool["provisioningState"] = "Accepted" if kind != "delete" else "Deleting"
        return op

    def failure_for(self, pool: dict) -> dict | None:
        """The asynchronous failure a write to ``pool`` will end in, if any (config or image marker)."""
        config = self.state.config
        image = _first_image_failure(pool["properties"])
        if int(config["pool_fail_next"]) > 0:
            config["pool_fail_next"] = int(config["pool_fail_next"]) - 1
            return {"code": "PoolProvisioningFailed",
                    "message": f"Provisioning of pool '{pool['name']}' failed (emulator fault pool_fail_next)."}
        if image:
            return {"code": "PoolProvisioningFailed",
                    "message": f"Provisioning of pool '{pool['name']}' failed: the image '{image}' could not be "
                               "prepared for the pool's machines."}
        return None

    # ------------------------------------------------------------------ writes
    def store(self, rid: str, name: str, view: dict, caller: str | None, existing: dict | None) -> dict:
        """Create or replace the pool from a validated request view."""
        scope = parse_scope(rid)
        rg = self.state.resource_group(scope.subscription, scope.resource_group)
        canonical = f"/subscriptions/{scope.subscription}/resourceGroups/{rg['name']}/providers/{POOL_TYPE}/{name}"
        stamp = now_stamp()
        pool = existing if existing is not None else {
            "key": scope.key, "id": canonical, "name": name, "subscriptionId": scope.subscription.lower(),
            "resourceGroup": rg["name"], "location": str(view["location"]).replace(" ", "").lower(),
            "systemData": {"createdBy": caller, "createdByType": "Application", "createdAt": stamp},
            "provisioningState": "Succeeded", "operation": None}
        pool["tags"] = view.get("tags")
        pool["identity"] = self._stored_identity(view.get("identity"), pool)
        pool["properties"] = _normalized_properties(view.get("properties") or {})
        pool["systemData"].update({"lastModifiedBy": caller, "lastModifiedByType": "Application",
                                   "lastModifiedAt": stamp})
        pool["etag"] = str(uuid.uuid4())
        if existing is None:
            self.pools[scope.key] = pool
            # A pool is a scope for role assignments, like any ARM resource.
            self.state.add_resource({"id": canonical, "location": pool["location"]})
        return pool

    def _stored_identity(self, identity: dict | None, pool: dict) -> dict | None:
        if not identity or identity.get("type") in (None, "None"):
            return None
        kind = identity["type"]
        stored = {"type": kind, "userAssignedIdentities": {}}
        if "SystemAssigned" in kind:
            old = pool.get("identity") or {}
            stored["principalId"] = old.get("principalId") or str(uuid.uuid4())
            stored["tenantId"] = self.state.subscriptions[pool["subscriptionId"]]["tenantId"]
            if old.get("principalId") is None:
                self.state.add_principal({"id": stored["principalId"], "type": "ServicePrincipal",
                                          "displayName": pool["name"], "tenantId": stored["tenantId"]})
        if "UserAssigned" in kind:
            # Keys are kept as the client spelled them (the recording echoes them unchanged).
            for raw in (identity.get("userAssignedIdentities") or {}):
                found = find_identity(self.state, raw) or {}
                stored["userAssignedIdentities"][raw.rstrip("/")] = {
                    "principalId": found.get("principalId"), "clientId": found.get("clientId")}
        return stored

    # ------------------------------------------------------------------ seeding
    def add_pool(self, spec: dict) -> dict:
        """Seed a pool, validated like a PUT: ``name`` (+ ``resourceGroup``, ``subscriptionId``, ``location``,
        ``tags``), ``properties`` (default: a small valid Vmss pool), ``identities`` (list of user-assigned
        identity ids) and ``provisioningState`` (a terminal state; default Succeeded)."""
        state = self.state
        ident = state.identity
        name = spec.get("name")
        if not name:
            raise ValueError("pool needs a name")
        sub = (spec.get("subscriptionId") or ident.subscription_id).lower()
        rg_name = spec.get("resourceGroup") or ident.resource_group
        rg = state.resource_group(sub, rg_name)
        if rg is None:
            raise ValueError(f"resource group '{rg_name}' does not exist")
        rid = f"/subscriptions/{sub}/resourceGroups/{rg['name']}/providers/{POOL_TYPE}/{name}"
        view = {"location": spec.get("location") or rg["location"], "tags": spec.get("tags"),
                "properties": copy.deepcopy(spec.get("properties") or default_properties(sub))}
        ids = spec.get("identities") or []
        if ids:
            view["identity"] = {"type": spec.get("identityType") or "UserAssigned",
                                "userAssignedIdentities": {i: {} for i in ids}}
        problems = validate_pool(state, name, view, self.get(rid))
        if problems:
            raise ValueError("; ".join(f"{t}: {m}" for t, m in problems))
        pool = self.store(rid, name, view, "emulator-seed", self.get(rid))
        wanted = spec.get("provisioningState") or "Succeeded"
        if wanted not in TERMINAL:
            raise ValueError(f"provisioningState must be one of {', '.join(TERMINAL)}")
        pool["provisioningState"] = wanted
        return render_pool(self, pool)


def default_properties(subscription_id: str) -> dict:
    """A small valid pool (the shape azure-cli created in the recording)."""
    return {
        "organizationProfile": {"kind": "AzureDevOps", "organizations": [
            {"url": "https://dev.azure.com/emulator-org", "projects": [], "parallelism": 1}],
            "permissionProfile": {"kind": "CreatorOnly"}},
        "devCenterProjectResourceId": f"/subscriptions/{subscription_id}/resourceGroups/rg-devcenter/providers/"
                                      "Microsoft.DevCenter/projects/emulator-project",
        "maximumConcurrency": 1,
        "agentProfile": {"kind": "Stateless"},
        "fabricProfile": {"kind": "Vmss", "sku": {"name": "Standard_D2ads_v5"},
                          "images": [{"wellKnownImageName": "ubuntu-22.04/latest", "buffer": "*"}],
                          "osProfile": {"logonType": "Service"},
                          "storageProfile": {"osDiskStorageAccountType": "Standard"}},
    }


# ---------------------------------------------------------------------------- validation
def _is_https_url(value) -> bool:
    return isinstance(value, str) and re.match(r"^https://[^/\s]+(/\S*)?$", value) is not None


def _validate_secrets(settings, problems: list) -> None:
    where = "properties.fabricProfile.osProfile.secretsManagementSettings"
    if not isinstance(settings, dict):
        problems.append((where, "must be an object"))
        return
    certs = settings.get("observedCertificates")
    if not isinstance(certs, list):
        problems.append((where + ".observedCertificates", "is required (a list of Key Vault secret URIs)"))
    else:
        for cert in certs:
            if not isinstance(cert, str) or not SECRET_URI_RE.match(cert):
                problems.append((where + ".observedCertificates",
                                 f"'{cert}' is not a Key Vault secret URI (https://<vault>.vault.azure.net/secrets/<name>)"))
    if not isinstance(settings.get("keyExportable"), bool):
        problems.append((where + ".keyExportable", "is required (true or false)"))
    store = settings.get("certificateStoreName")
    if store is not None and store not in STORE_NAMES:
        problems.append((where + ".certificateStoreName", f"must be one of {', '.join(STORE_NAMES)}"))
    location = settings.get("certificateStoreLocation")
    if location is not None and not isinstance(location, str):
        problems.append((where + ".certificateStoreLocation", "must be a string"))


def _validate_organization(profile, problems: list) -> list:
    if not isinstance(profile, dict) or profile.get("kind") not in ("AzureDevOps", "GitHub"):
        problems.append(("properties.organizationProfile", "is required with kind AzureDevOps or GitHub"))
        return []
    orgs = profile.get("organizations")
    if not isinstance(orgs, list) or not orgs:
        problems.append(("properties.organizationProfile.organizations", "needs at least one organization"))
        return []
    for org in orgs:
        if not isinstance(org, dict) or not _is_https_url(org.get("url")):
            problems.append(("properties.organizationProfile.organizations.url", "each organization needs an https url"))
        elif org.get("parallelism") is not None and (not isinstance(org["parallelism"], int) or org["parallelism"] < 1):
            problems.append(("properties.organizationProfile.organizations.parallelism", "must be a positive integer"))
    permission = profile.get("permissionProfile")
    if permission is not None and (not isinstance(permission, dict) or permission.get("kind") not in PERMISSION_KINDS):
        problems.append(("properties.organizationProfile.permissionProfile.kind",
                         f"must be one of {', '.join(PERMISSION_KINDS)}"))
    return [o for o in orgs if isinstance(o, dict)]


def _validate_fabric(fabric, problems: list) -> None:
    if not isinstance(fabric, dict) or fabric.get("kind") != "Vmss":
        problems.append(("properties.fabricProfile", "is required with kind Vmss"))
        return
    if not isinstance(fabric.get("sku"), dict) or not fabric["sku"].get("name"):
        problems.append(("properties.fabricProfile.sku.name", "is required"))
    images = fabric.get("images")
    if not isinstance(images, list) or not images:
        problems.append(("properties.fabricProfile.images", "needs at least one image"))
    else:
        for image in images:
            if not isinstance(image, dict) or not (image.get("resourceId") or image.get("wellKnownImageName")):
                problems.append(("properties.fabricProfile.images", "each image needs resourceId or wellKnownImageName"))
    os_profile = fabric.get("osProfile")
    if os_profile is None:
        return
    if not isinstance(os_profile, dict):
        problems.append(("properties.fabricProfile.osProfile", "must be an object"))
        return
    if os_profile.get("logonType") is not None and os_profile["logonType"] not in LOGON_TYPES:
        problems.append(("properties.fabricProfile.osProfile.logonType", f"must be one of {', '.join(LOGON_TYPES)}"))
    if os_profile.get("secretsManagementSettings") is not None:
        _validate_secrets(os_profile["secretsManagementSettings"], problems)


def _validate_identity(state, identity, problems: list) -> None:
    if identity is None:
        return
    if not isinstance(identity, dict) or identity.get("type") not in IDENTITY_TYPES:
        problems.append(("identity.type", f"must be one of {', '.join(IDENTITY_TYPES)}"))
        return
    assigned = identity.get("userAssignedIdentities") or {}
    if not isinstance(assigned, dict):
        problems.append(("identity.userAssignedIdentities", "must be an object keyed by identity id"))
        return
    if "UserAssigned" in identity["type"]:
        if not assigned:
            problems.append(("identity.userAssignedIdentities", "is required when the type includes UserAssigned"))
        for raw in assigned:
            if _canonical_identity_id(raw) is None:
                problems.append(("identity.userAssignedIdentities", f"'{raw}' is not a user-assigned identity id"))
            elif find_identity(state, raw) is None:
                problems.append(("identity.userAssignedIdentities", f"the identity '{raw}' was not found"))
    elif assigned:
        problems.append(("identity.userAssignedIdentities", f"must be empty for type {identity['type']}"))


def validate_pool(state, name: str, view, existing: dict | None) -> list:
    """Problems ``[(target, message)]`` with a pool request view (CONTRACTS 5 and the spec's rules)."""
    problems: list = []
    if not POOL_NAME_RE.match(name or ""):
        problems.append(("poolName", "must start with a letter or digit and contain only letters, digits, '-' and '.'"))
    if not isinstance(view, dict):
        return problems + [("body", "must be a JSON object")]
    location = view.get("location")
    if not location or not isinstance(location, str):
        problems.append(("location", "is required"))
    elif existing is not None and location.replace(" ", "").lower() != existing["location"]:
        problems.append(("location", f"cannot change from '{existing['location']}'"))
    props = view.get("properties")
    if not isinstance(props, dict):
        return problems + [("properties", "is required")]
    maximum = props.get("maximumConcurrency")
    if not isinstance(maximum, int) or isinstance(maximum, bool) or not 1 <= maximum <= 10000:
        problems.append(("properties.maximumConcurrency", "is required, between 1 and 10000"))
    project = props.get("devCenterProjectResourceId")
    if not isinstance(project, str) or not DEVCENTER_PROJECT_RE.match(project):
        problems.append(("properties.devCenterProjectResourceId", "is required: the id of a Microsoft.DevCenter project"))
    orgs = _validate_organization(props.get("organizationProfile"), problems)
    if state.config["pool_parallelism_must_match"] and isinstance(maximum, int) and orgs \
            and all(isinstance(o.get("parallelism"), int) for o in orgs) \
            and sum(o["parallelism"] for o in orgs) != maximum:
        problems.append(("properties.organizationProfile.organizations.parallelism",
                         "The sum of parallelism for all organizations must equal the max concurrency."))
    agent = props.get("agentProfile")
    if not isinstance(agent, dict) or agent.get("kind") not in AGENT_KINDS:
        problems.append(("properties.agentProfile", f"is required with kind {' or '.join(AGENT_KINDS)}"))
    _validate_fabric(props.get("fabricProfile"), problems)
    _validate_identity(state, view.get("identity"), problems)
    if existing is not None:
        before = ((existing["properties"].get("organizationProfile") or {}).get("permissionProfile") or {}).get("kind")
        after = ((props.get("organizationProfile") or {}).get("permissionProfile") or {}).get("kind")
        if before and after and before != after:
            problems.append(("properties.organizationProfile.permissionProfile", "can only be set when the pool is created"))
    return problems


def _invalid(state, problems: list) -> HttpError:
    extra = {}
    if state.config["pool_error_details"]:
        extra["details"] = [{"code": "ValidationError", "target": t, "message": m} for t, m in problems]
    return HttpError(400, VALIDATION_CODE, VALIDATION_MESSAGE, **extra)


# ---------------------------------------------------------------------------- rendering
def _kind_last(profile) -> dict:
    if not isinstance(profile, dict):
        return profile
    out = {k: v for k, v in profile.items() if k != "kind"}
    if "kind" in profile:
        out["kind"] = profile["kind"]
    return out


def _normalized_properties(props: dict) -> dict:
    """What the live service stores: ``projects: []`` and image ``buffer: "*"`` filled in, read-only keys dropped."""
    props = copy.deepcopy({k: v for k, v in props.items() if k != "provisioningState"})
    org = props.get("organizationProfile")
    if isinstance(org, dict) and org.get("kind") == "AzureDevOps":
        for item in org.get("organizations") or []:
            if isinstance(item, dict):
                item.setdefault("projects", [])
    fabric = props.get("fabricProfile")
    if isinstance(fabric, dict):
        for image in fabric.get("images") or []:
            if isinstance(image, dict):
                image.setdefault("buffer", "*")
    return props


def render_properties(props: dict, provisioning_state: str) -> dict:
    """Properties in the recorded key order: state, organizationProfile, project, concurrency, agent, fabric."""
    out = {"provisioningState": provisioning_state}
    order = ("organizationProfile", "devCenterProjectResourceId", "maximumConcurrency", "agentProfile", "fabricProfile")
    for key in order:
        if key in props:
            out[key] = _kind_last(copy.deepcopy(props[key])) if key.endswith("Profile") else props[key]
    for key, value in props.items():
        if key not in out:
            out[key] = copy.deepcopy(value)
    return out


def render_identity(identity: dict | None) -> dict | None:
    if identity is None:
        return None
    out = {"type": identity["type"]}
    if identity.get("principalId"):
        out["principalId"] = identity["principalId"]
        out["tenantId"] = identity["tenantId"]
    if identity["userAssignedIdentities"]:
        out["userAssignedIdentities"] = copy.deepcopy(identity["userAssignedIdentities"])
    return out


def render_pool(ext: Pools, pool: dict) -> dict:
    """Pool body, key order as recorded: id, name, type, location, tags, systemData, identity, properties."""
    body = {"id": pool["id"], "name": pool["name"], "type": RENDERED_TYPE, "location": pool["location"]}
    if pool.get("tags"):
        body["tags"] = dict(pool["tags"])
    body["systemData"] = dict(pool["systemData"])
    identity = render_identity(pool.get("identity"))
    if identity is not None:
        body["identity"] = identity
    body["properties"] = render_properties(pool["properties"], ext.provisioning_state(pool))
    return body


def request_view(pool: dict) -> dict:
    """The pool as a client would send it back (for PATCH merging)."""
    view = {"location": pool["location"], "tags": copy.deepcopy(pool.get("tags")),
            "properties": copy.deepcopy(pool["properties"])}
    if pool.get("identity"):
        view["identity"] = {"type": pool["identity"]["type"],
                            "userAssignedIdentities": {k: {} for k in pool["identity"]["userAssignedIdentities"]}}
    return view


# ---------------------------------------------------------------------------- handlers
def _pools(emu) -> Pools:
    ext = emu.state.ext[Pools.name]
    ext.advance()
    return ext


def _pool_target(emu, req: Request) -> str:
    """Check subscription and resource group; return the pool id as addressed."""
    require_api_version(req, POOL_API_VERSIONS, POOL_TYPE, provider=True)
    rg_scope = parse_scope(f"/subscriptions/{req.group('sub')}/resourceGroups/{req.group('rg')}")
    check_scope(emu, req, rg_scope)
    return f"{rg_scope.text}/providers/{POOL_TYPE}/{req.group('name')}"


def _not_found(req: Request) -> HttpError:
    return HttpError(404, "ResourceNotFound", f"The Resource '{POOL_TYPE}/{req.group('name')}' under resource group "
                     f"'{req.group('rg')}' was not found. For more details please go to "
                     "https://aka.ms/ARMResourceNotFoundFix")


def _busy(pool: dict) -> HttpError:
    return HttpError(409, "AnotherOperationInProgress",
                     f"Another operation is in progress on pool '{pool['name']}'; retry when it has finished.")


def _json_object(req: Request) -> dict:
    body = req.json(arm_error_parse)
    if not isinstance(body, dict):
        raise arm_error_parse("the request body must be a JSON object")
    return body


def _operation_url(emu, op: dict, location: str, kind: str = "operationStatuses") -> str:
    return (f"{emu.base_url}/subscriptions/{op['subscriptionId']}/providers/{PROVIDER}/locations/{location}/"
            f"{kind}/{op['id']}?api-version=" + op["apiVersion"])


def _retry_after(emu, headers: dict) -> dict:
    seconds = int(emu.state.config["pool_retry_after"])
    if seconds > 0:
        headers["Retry-After"] = str(seconds)
    return headers


def get_pool(emu, req: Request) -> Response:
    """GET one pool."""
    rid = _pool_target(emu, req)
    authorize(emu, req, f"{POOL_TYPE}/read", parse_scope(rid))
    ext = _pools(emu)
    pool = ext.get(rid)
    if pool is None:
        raise _not_found(req)
    return Response(200, render_pool(ext, pool), {"ETag": f'"{pool["etag"]}"'})


def put_pool(emu, req: Request) -> Response:
    """PUT (create or replace): 201 (also for an update, as recorded) + Azure-AsyncOperation."""
    rid = _pool_target(emu, req)
    authorize(emu, req, f"{POOL_TYPE}/write", parse_scope(rid))
    ext = _pools(emu)
    body = _json_object(req)
    existing = ext.get(rid)
    if existing is not None and existing.get("operation"):
        raise _busy(existing)
    problems = validate_pool(emu.state, req.group("name"), body, existing)
    if problems:
        raise _invalid(emu.state, problems)
    pool = ext.store(rid, req.group("name"), body, req.claims.get("oid"), existing)
    op = ext.start(pool, "create" if existing is None else "update", ext.failure_for(pool))
    op["apiVersion"] = req.arg("api-version")
    status = 201 if existing is None or int(emu.state.config["pool_update_status"]) != 200 else 200
    # The recorded Location points at the provider's own (ProviderHub) operation; the emulator serves it too.
    headers = {"Azure-AsyncOperation": _operation_url(emu, op, pool["location"].upper()),
               "Location": (f"{emu.base_url}/subscriptions/{pool['subscriptionId']}/resourceGroups/{pool['resourceGroup']}"
                            f"/providers/Microsoft.CloudTest/locations/{pool['location']}/operations/{op['requestId']}"
                            f"?api-version={op['apiVersion']}"),
               "ETag": f'"{pool["etag"]}"'}
    return Response(status, render_pool(ext, pool), _retry_after(emu, headers))


def patch_pool(emu, req: Request) -> Response:
    """PATCH (PoolUpdate): merge-patch of identity/properties, tags replaced; 202 + Location, or 200."""
    rid = _pool_target(emu, req)
    authorize(emu, req, f"{POOL_TYPE}/write", parse_scope(rid))
    ext = _pools(emu)
    body = _json_object(req)
    pool = ext.get(rid)
    if pool is None:
        raise _not_found(req)
    if pool.get("operation"):
        raise _busy(pool)
    view = request_view(pool)
    if "tags" in body:
        view["tags"] = body["tags"]
    if isinstance(body.get("properties"), dict):
        view["properties"] = merge_patch(view["properties"], body["properties"])
    if "identity" in body:
        patch = body["identity"]
        if isinstance(patch, dict) and isinstance(patch.get("userAssignedIdentities"), dict) and view.get("identity"):
            # Ids are case-insensitive: a key that names an attached identity updates that entry.
            spelled = {k.lower().rstrip("/"): k for k in view["identity"]["userAssignedIdentities"]}
            patch = dict(patch, userAssignedIdentities={spelled.get(k.lower().rstrip("/"), k): v
                                                        for k, v in patch["userAssignedIdentities"].items()})
        identity = merge_patch(view.get("identity") or {}, patch) if patch is not None else None
        if identity is not None and "UserAssigned" not in str(identity.get("type")):
            identity.pop("userAssignedIdentities", None)
        view["identity"] = identity
    problems = validate_pool(emu.state, req.group("name"), view, pool)
    if problems:
        raise _invalid(emu.state, problems)
    ext.store(rid, pool["name"], view, req.claims.get("oid"), pool)
    failure = ext.failure_for(pool)
    if not emu.state.config["pool_patch_async"]:
        ext.start(pool, "patch", failure, duration=0.0)
        ext.advance()
        return Response(200, render_pool(ext, pool), {"ETag": f'"{pool["etag"]}"'})
    op = ext.start(pool, "patch", failure)
    op["apiVersion"] = req.arg("api-version")
    headers = {"Location": _operation_url(emu, op, pool["location"], "operationResults")}
    return Response(202, None, _retry_after(emu, headers))


def delete_pool(emu, req: Request) -> Response:
    """DELETE: 202 with Azure-AsyncOperation and Location (both the operation status, as recorded), 204 if absent."""
    rid = _pool_target(emu, req)
    authorize(emu, req, f"{POOL_TYPE}/delete", parse_scope(rid))
    ext = _pools(emu)
    pool = ext.get(rid)
    if pool is None:
        return Response(204)
    if pool.get("operation"):
        raise _busy(pool)
    op = ext.start(pool, "delete")
    op["apiVersion"] = req.arg("api-version")
    url = _operation_url(emu, op, pool["location"].upper())
    return Response(202, None, _retry_after(emu, {"Azure-AsyncOperation": url, "Location": url}))


def list_pools(emu, req: Request) -> Response:
    """GET the pools of a resource group or a subscription (paged)."""
    require_api_version(req, POOL_API_VERSIONS, POOL_TYPE, provider=True)
    sub = subscription_for(emu, req, req.group("sub"))
    if req.group("rg"):
        scope = parse_scope(f"/subscriptions/{sub['subscriptionId']}/resourceGroups/{req.group('rg')}")
        check_scope(emu, req, scope)
    else:
        scope = parse_scope(f"/subscriptions/{sub['subscriptionId']}")
    authorize(emu, req, f"{POOL_TYPE}/read", scope)
    ext = _pools(emu)
    prefix = scope.key + "/"
    items = [render_pool(ext, p) for key, p in sorted(ext.pools.items())
             if key.startswith(prefix) and ext.get(p["id"]) is not None]
    return Response(200, paged(emu, req, items))


def list_pool_resources(emu, req: Request) -> Response:
    """GET {pool}/resources: the pool's machines (the emulator runs none)."""
    rid = _pool_target(emu, req)
    authorize(emu, req, f"{POOL_TYPE}/read", parse_scope(rid))
    if _pools(emu).get(rid) is None:
        raise _not_found(req)
    return Response(200, {"value": []})


def _operation(emu, req: Request) -> dict:
    subscription_for(emu, req, req.group("sub"))
    ext = _pools(emu)
    op = ext.operations.get(req.group("op"))
    if op is None or op["subscriptionId"] != req.group("sub").lower():
        raise HttpError(404, "NotFound", f"The operation '{req.group('op')}' was not found.")
    return op


def operation_status(emu, req: Request) -> Response:
    """Azure-AsyncOperation: 200 with the status (a running delete answers 202, as recorded)."""
    op = _operation(emu, req)
    ext = _pools(emu)
    status = ext.phase(op)
    body = {"id": f"/subscriptions/{op['subscriptionId']}/providers/{PROVIDER}/locations/{req.group('loc')}/"
                  f"operationStatuses/{op['id']}",
            "name": op["id"], "resourceId": op["poolId"], "status": status, "startTime": op["startTime"]}
    if op["finished"]:
        body["endTime"] = op["endTime"]
        body["properties"] = None
        if op["failure"]:
            body["error"] = dict(op["failure"])
        return Response(200, body)
    if op["kind"] == "delete":
        url = _operation_url(emu, op, op["location"])
        return Response(202, body, _retry_after(emu, {"Azure-AsyncOperation": url, "Location": url}))
    return Response(200, body)


def _location_answer(emu, req: Request, op: dict) -> Response:
    ext = _pools(emu)
    if not op["finished"]:
        return Response(202, None, _retry_after(emu, {"Location": f"{emu.base_url}{req.path}?{req.query_string}"}))
    if op["failure"]:
        raise HttpError(400, op["failure"]["code"], op["failure"]["message"])
    pool = ext.pools.get(op["poolKey"])
    if pool is None:
        return Response(204)
    return Response(200, render_pool(ext, pool))


def operation_result(emu, req: Request) -> Response:
    """Location of a PATCH: 202 while running, then 200 with the pool (an error status if it failed)."""
    return _location_answer(emu, req, _operation(emu, req))


def provider_operation(emu, req: Request) -> Response:
    """The provider's own Location recorded on a PUT: answered like a PATCH Location."""
    subscription_for(emu, req, req.group("sub"))
    ext = _pools(emu)
    op = next((o for o in ext.operations.values() if o["requestId"] == req.group("req").lower()
               and o["subscriptionId"] == req.group("sub").lower()), None)
    if op is None:
        raise HttpError(404, "NotFound", f"The operation '{req.group('req')}' was not found.")
    return _location_answer(emu, req, op)


def register(router, _emu) -> None:
    """Routes for pools, their operations and the provider's operation URLs."""
    sub = r"/subscriptions/(?P<sub>[^/]+)"
    rg = sub + r"/resourceGroups/(?P<rg>[^/]+)"
    pools = r"/providers/Microsoft\.DevOpsInfrastructure/pools"
    one = rg + pools + r"/(?P<name>[^/]+)"
    router.add("arm", "GET", one + r"/?", get_pool, pre=arm_pre)
    router.add("arm", "PUT", one + r"/?", put_pool, pre=arm_pre)
    router.add("arm", "PATCH", one + r"/?", patch_pool, pre=arm_pre)
    router.add("arm", "DELETE", one + r"/?", delete_pool, pre=arm_pre)
    router.add("arm", "GET", one + r"/resources/?", list_pool_resources, pre=arm_pre)
    router.add("arm", "GET", rg + pools + r"/?", list_pools, pre=arm_pre)
    router.add("arm", "GET", sub + r"(?P<rg>)" + pools + r"/?", list_pools, pre=arm_pre)
    locations = sub + r"/providers/Microsoft\.DevOpsInfrastructure/locations/(?P<loc>[^/]+)"
    router.add("arm", "GET", locations + r"/operationStatuses/(?P<op>[^/]+)/?", operation_status, pre=arm_pre)
    router.add("arm", "GET", locations + r"/operationResults/(?P<op>[^/]+)/?", operation_result, pre=arm_pre)
    router.add("arm", "GET", rg + r"/providers/Microsoft\.CloudTest/locations/(?P<loc>[^/]+)/operations/(?P<req>[^/]+)/?",
               provider_operation, pre=arm_pre)
