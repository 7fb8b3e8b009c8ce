# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-memory state of the emulated tenant: directory, ARM objects, config; seeding and reset."""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import clock
from .scopes import MG_PREFIX, Scope, ScopeError, parse_scope
from .web import is_guid

DATA_DIR = Path(__file__).resolve().parent / "data"
OLD_AGE = 10 * 365 * 86400.0
PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")

DEFAULT_CONFIG = {
    "latency": 0.0,
    "replication_delay": 5.0,
    "page_size": 50,
    # principalType in the PUT skips ARM's directory lookup, so a just-created principal is accepted at once:
    # REC azure-cli/test_create_for_rbac_password_with_assignment.yaml (SP created 12:44:00, PUT with
    # principalType ServicePrincipal 201 at 12:44:04), test_role_assignment_create_update.yaml (user created
    # 13:05:38, PUT with principalType User 201 at 13:05:42), and the PrincipalNotFound message itself.
    "principal_type_bypasses_replication": True,
    # 400 UnmatchedPrincipalType when principalType differs from the type of a principal ARM can see
    # (Azure/modern-web-app-pattern-dotnet#129).
    "unmatched_principal_type_check": True,
    "token_lifetime": 3600,
    "role_assignment_update_status": 201,
    "reject_atscope_and_principalid": True,
    "enforce_rbac": True,
    "validate_resource_scopes": True,
    # Extra seconds per kind of call, on top of ``latency`` (speed benchmarks); keys from LATENCY_KINDS.
    "latency_by_kind": {},
    "lro_retry_after": 1,
    "lro_duration": 0.0,
    # Managed Identity (managed_identity.py) and Microsoft Graph (graph.py)
    "fic_concurrency_conflicts": True,
    "fic_write_window": 0.3,
    "graph_page_size": 100,
    "graph_replication_lag": 0.0,
}
# Kinds of call ``latency_by_kind`` can slow down (server.request_kind classifies each request).
LATENCY_KINDS = ("token", "metadata", "arm_read", "arm_write", "role_assignment_write", "fic_write", "graph_read",
                 "graph_write", "azdo_read", "azdo_write", "endpoint_verify")
# Allowed values of enumerated config keys. A service module may add its keys to DEFAULT_CONFIG and here
# at import time (azdo.py does); string-valued keys are only accepted through this table.
CONFIG_CHOICES: dict = {}


def now_stamp(ts: float | None = None) -> str:
    """ARM timestamp with 7 fractional digits, e.g. 2023-08-23T13:05:38.8480660Z."""
    ts = clock.now() if ts is None else ts
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
    return f"{base}.{int((ts % 1) * 10_000_000):07d}Z"


def coerce_config(key: str, value):
    """Validate and convert one config value; raises ValueError."""
    if key not in DEFAULT_CONFIG:
        raise ValueError(f"unknown config key '{key}'")
    default = DEFAULT_CONFIG[key]
    choices = CONFIG_CHOICES.get(key)
    if isinstance(default, dict):
        return _coerce_latency_kinds(key, value)
    if isinstance(default, str):
        if not isinstance(value, str) or (choices and value not in choices):
            raise ValueError(f"'{key}' must be one of {', '.join(map(str, choices or ('a string',)))}")
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"'{key}' must be a boolean")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise ValueError(f"'{key}' must be an integer")
        value = int(value)
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"'{key}' must be a number")
        value = float(value)
    if value < 0 or (key in ("page_size", "graph_page_size", "azdo_page_size") and value < 1):
        raise ValueError(f"'{key}' is out of range")
    if key == "role_assignment_update_status" and value not in (200, 201):
        raise ValueError("'role_assignment_update_status' must be 200 or 201")
    if choices and value not in choices:
        raise ValueError(f"'{key}' must be one of {', '.join(map(str, choices))}")
    return value


def _coerce_latency_kinds(key: str, value) -> dict:
    """``latency_by_kind``: a JSON object of known kinds to seconds >= 0 (replaces the whole mapping)."""
    if not isinstance(value, dict):
        raise ValueError(f"'{key}' must be an object of kind -> seconds")
    unknown = sorted(set(value) - set(LATENCY_KINDS))
    if unknown:
        raise ValueError(f"'{key}' has unknown kinds {', '.join(unknown)}; known kinds: {', '.join(LATENCY_KINDS)}")
    out = {}
    for kind, seconds in value.items():
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError(f"'{key}.{kind}' must be a number of seconds >= 0")
        out[kind] = float(seconds)
    return out


def load_builtin_roles() -> dict[str, dict]:
    """Built-in role definitions keyed by lower-case GUID."""
    with open(DATA_DIR / "builtin_roles.json", encoding="utf-8") as handle:
        data = json.load(handle)
    return {role["name"].lower(): role for role in data["roles"]}


@dataclass
class Identity:
    """The fixed identifiers of one emulator run (kept across resets)."""

    tenant_id: str
    subscription_id: str
    client_id: str
    client_secret: str
    principal_id: str
    subscription_name: str = "Emulator Subscription"
    tenant_domain: str = "emulator.onmicrosoft.com"
    resource_group: str = "rg-emulator"
    location: str = "eastus"
    owner_assignment: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def create(cls, tenant_id: str | None = None, subscription_id: str | None = None,
               client_id: str | None = None, client_secret: str | None = None, **kwargs) -> "Identity":
        """Fresh random identifiers unless given."""
        return cls(tenant_id=(tenant_id or str(uuid.uuid4())).lower(),
                   subscription_id=(subscription_id or str(uuid.uuid4())).lower(),
                   client_id=(client_id or str(uuid.uuid4())).lower(),
                   client_secret=client_secret or secrets.token_urlsafe(30),
                   principal_id=str(uuid.uuid4()), **kwargs)


class StateExtension:
    """A service's own tables (Managed Identity, Graph, Azure DevOps, pools ...), kept beside the core ones.

    A service module subclasses this, decorates it with :func:`register_extension`, and reaches its
    instance as ``emu.state.ext[NAME]``. ``seed_keys`` lists ``(seed body key, method name)`` pairs that
    ``POST /_emulator/seed`` accepts after the core keys; the methods take one spec dict and return
    what they created. Every access goes under ``state.lock``, like the core tables.
    """

    name = ""
    seed_keys: tuple = ()

    def __init__(self, state: "State"):
        self.state = state

    def seed_defaults(self) -> None:
        """Add the objects this service has right after start-up or reset."""

    def snapshot(self) -> dict:
        """A JSON-serialisable dump for GET /_emulator/state."""
        return {}

    def save(self) -> dict:
        """Copy of every table, for an atomic seed."""
        return copy.deepcopy({k: v for k, v in self.__dict__.items() if k != "state"})

    def restore(self, saved: dict) -> None:
        self.__dict__.update(saved)


EXTENSIONS: list = []


def register_extension(cls):
    """Class decorator: the extension is created (anew) at every State reset."""
    if cls not in EXTENSIONS:
        EXTENSIONS.append(cls)
    return cls


class State:
    """All mutable emulator data; guard every access with ``lock``."""

    def __init__(self, identity: Identity, config: dict | None = None):
        self.lock = threading.RLock()
        self.clock = clock.Clock()  # the one clock every time-dependent rule reads (POST /_emulator/clock)
        clock.install(self.clock)
        self.identity = identity
        self.base_config = dict(DEFAULT_CONFIG)
        for key, value in (config or {}).items():
            self.base_config[key] = coerce_config(key, value)
        self.role_definitions = load_builtin_roles()
        self.config: dict = {}
        self.tenants: dict = {}
        self.principals: dict = {}
        self.applications: dict = {}
        self.management_groups: dict = {}
        self.subscriptions: dict = {}
        self.resource_groups: dict = {}
        self.resources: dict = {}
        self.role_assignments: dict = {}
        self.operations: dict = {}
        self.ext: dict = {}
        self.seq = 0
        self.reset()

    # ------------------------------------------------------------------ persistence (--state-file)
    def __getstate__(self) -> dict:
        data = dict(self.__dict__)
        data.pop("lock", None)
        return data

    def __setstate__(self, data: dict) -> None:
        self.__dict__.update(data)
        self.lock = threading.RLock()
        if "clock" not in data:
            self.clock = clock.Clock()
        clock.install(self.clock)

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        """Back to the start-up seed and configuration."""
        with self.lock:
            self.clock.reset()
            self.config = copy.deepcopy(self.base_config)
            for table in (self.tenants, self.principals, self.applications, self.management_groups, self.subscriptions,
                          self.resource_groups, self.resources, self.role_assignments, self.operations):
                table.clear()
            self.ext = {cls.name: cls(self) for cls in EXTENSIONS}
            self._seed_defaults()
            for extension in self.ext.values():
                extension.seed_defaults()

    def _seed_defaults(self) -> None:
        ident = self.identity
        self.add_tenant({"id": ident.tenant_id, "domain": ident.tenant_domain})
        self.add_subscription({"id": ident.subscription_id, "displayName": ident.subscription_name})
        self.add_resource_group({"name": ident.resource_group, "location": ident.location})
        self.add_application({"appId": ident.client_id, "displayName": "emulator-client", "secret": ident.client_secret,
                              "principalId": ident.principal_id})
        self.add_role_assignment({"scope": f"/subscriptions/{ident.subscription_id}", "role": "Owner",
                                  "principalId": ident.principal_id, "principalType": "ServicePrincipal",
                                  "name": ident.owner_assignment}, created=clock.now() - OLD_AGE)

    def set_config(self, values: dict) -> dict:
        """Apply validated config changes atomically."""
        if not isinstance(values, dict):
            raise ValueError("config body must be a JSON object")
        converted = {key: coerce_config(key, value) for key, value in values.items()}
        with self.lock:
            self.config.update(converted)
            return dict(self.config)

    def next_seq(self) -> int:
        """Monotonic counter for stable ordering."""
        self.seq += 1
        return self.seq

    # ------------------------------------------------------------------ seeding primitives
    def add_tenant(self, spec: dict) -> dict:
        """Add a tenant (and its root management group)."""
        tid = (spec.get("id") or str(uuid.uuid4())).lower()
        if not is_guid(tid):
            raise ValueError("tenant id must be a GUID")
        domain = spec.get("domain") or f"tenant-{tid[:8]}.onmicrosoft.com"
        record = {"id": tid, "domain": domain, "displayName": spec.get("displayName", domain)}
        self.tenants[tid] = record
        self.management_groups[tid] = {"name": tid, "displayName": "Tenant Root Group", "tenantId": tid, "parent": None}
        return record

    def tenant_by_segment(self, segment: str) -> dict | None:
        """Resolve a tenant GUID or verified domain."""
        low = (segment or "").lower()
        if low in self.tenants:
            return self.tenants[low]
        for tenant in self.tenants.values():
            if tenant["domain"].lower() == low:
                return tenant
        return None

    def _tenant_of(self, spec: dict) -> str:
        tid = (spec.get("tenantId") or self.identity.tenant_id).lower()
        if tid not in self.tenants:
            raise ValueError(f"unknown tenant '{tid}'")
        return tid

    def add_management_group(self, spec: dict) -> dict:
        """Add a management group under ``parent`` (default: tenant root group)."""
        name = spec.get("name")
        if not name:
            raise ValueError("management group needs a name")
        tid = self._tenant_of(spec)
        parent = (spec.get("parent") or tid).lower()
        if parent not in self.management_groups:
            raise ValueError(f"unknown parent management group '{parent}'")
        record = {"name": name, "displayName": spec.get("displayName", name), "tenantId": tid, "parent": parent}
        self.management_groups[name.lower()] = record
        return record

    def add_subscription(self, spec: dict) -> dict:
        """Add an enabled subscription."""
        sid = (spec.get("id") or spec.get("subscriptionId") or str(uuid.uuid4())).lower()
        if not is_guid(sid):
            raise ValueError("subscription id must be a GUID")
        tid = self._tenant_of(spec)
        mg = (spec.get("managementGroup") or tid).lower()
        if mg not in self.management_groups:
            raise ValueError(f"unknown management group '{mg}'")
        record = {"subscriptionId": sid, "displayName": spec.get("displayName", f"subscription-{sid[:8]}"),
                  "state": spec.get("state", "Enabled"), "tenantId": tid, "managementGroup": mg}
        self.subscriptions[sid] = record
        return record

    def add_resource_group(self, spec: dict) -> dict:
        """Add (or replace) a resource group."""
        name = spec.get("name")
        if not name:
            raise ValueError("resource group needs a name")
        sid = (spec.get("subscriptionId") or self.identity.subscription_id).lower()
        if sid not in self.subscriptions:
            raise ValueError(f"unknown subscription '{sid}'")
        record = {"name": name, "location": spec.get("location", self.identity.location),
                  "tags": spec.get("tags"), "managedBy": spec.get("managedBy"), "subscriptionId": sid}
        self.resource_groups[(sid, name.lower())] = record
        return record

    def add_resource(self, spec: dict) -> dict:
        """Register an arbitrary ARM resource id so it can be used as a scope."""
        rid = spec.get("id")
        if not rid:
            rg = spec.get("resourceGroup") or self.identity.resource_group
            sid = spec.get("subscriptionId") or self.identity.subscription_id
            if not spec.get("type") or not spec.get("name"):
                raise ValueError("resource needs 'id' or 'type' + 'name'")
            rid = f"/subscriptions/{sid}/resourceGroups/{rg}/providers/{spec['type']}/{spec['name']}"
        try:
            scope = parse_scope(rid)
        except ScopeError as exc:
            raise ValueError(str(exc)) from exc
        if scope.kind != "resource":
            raise ValueError(f"'{rid}' is not a resource id")
        if self.resource_group(scope.subscription, scope.resource_group) is None:
            raise ValueError(f"resource group of '{rid}' does not exist")
        record = {"id": scope.text, "type": scope.resource_type, "name": scope.names[-1],
                  "location": spec.get("location", self.identity.location), "properties": spec.get("properties", {})}
        self.resources[scope.key] = record
        return record

    def add_principal(self, spec: dict) -> dict:
        """Add a directory object; ``age`` seconds (default: old) drives replication visibility."""
        pid = (spec.get("id") or str(uuid.uuid4())).lower()
        if not is_guid(pid):
            raise ValueError("principal id must be a GUID")
        ptype = spec.get("type", "ServicePrincipal")
        if ptype not in PRINCIPAL_TYPES:
            raise ValueError(f"principal type must be one of {', '.join(PRINCIPAL_TYPES)}")
        age = spec.get("age")
        age = OLD_AGE if age is None else float(age)
        record = {"id": pid, "type": ptype, "displayName": spec.get("displayName", f"{ptype.lower()}-{pid[:8]}"),
                  "appId": (spec.get("appId") or None), "tenantId": self._tenant_of(spec),
                  "createdAt": clock.now() - age, "memberOf": [g.lower() for g in spec.get("memberOf", [])]}
        self.principals[pid] = record
        return record

    def add_application(self, spec: dict) -> dict:
        """Add an app registration with its service principal; returns appId/secret/principalId."""
        app_id = (spec.get("appId") or str(uuid.uuid4())).lower()
        if not is_guid(app_id):
            raise ValueError("appId must be a GUID")
        tid = self._tenant_of(spec)
        secrets_in = list(spec.get("secrets") or [])
        if spec.get("secret") is not None:
            secrets_in.append(spec["secret"])
        if not secrets_in and spec.get("generateSecret", True) and not spec.get("certificates") \
                and not spec.get("federatedIdentityCredentials"):
            secrets_in.append(secrets.token_urlsafe(30))
        secret_records = []
        for item in secrets_in:
            if isinstance(item, str):
                item = {"value": item}
            secret_records.append({"value": item["value"], "endDateTime": item.get("endDateTime")})
        principal = self.add_principal({"id": spec.get("principalId"), "type": "ServicePrincipal", "appId": app_id,
                                        "displayName": spec.get("displayName"), "age": spec.get("age"), "tenantId": tid})
        fics = []
        for fic in spec.get("federatedIdentityCredentials") or []:
            fics.append({"id": fic.get("id") or str(uuid.uuid4()), "name": fic.get("name", "fic"),
                         "issuer": fic["issuer"], "subject": fic["subject"],
                         "audiences": list(fic.get("audiences") or ["api://AzureADTokenExchange"])})
        record = {"appId": app_id, "displayName": principal["displayName"], "tenantId": tid,
                  "principalId": principal["id"], "secrets": secret_records,
                  "certificates": [{"thumbprint": (c.get("thumbprint") or "").upper()} for c in spec.get("certificates") or []],
                  "federatedIdentityCredentials": fics, "createdAt": principal["createdAt"]}
        self.applications[(tid, app_id)] = record
        return record

    def add_role_assignment(self, spec: dict, created: float | None = None) -> dict:
        """Insert a role assignment directly (no ARM validation)."""
        try:
            scope = parse_scope(spec.get("scope", ""))
        except ScopeError as exc:
            raise ValueError(str(exc)) from exc
        role = self.find_role(spec.get("role") or spec.get("roleDefinitionId") or "")
        if role is None:
            raise ValueError(f"unknown role '{spec.get('role')}'")
        pid = (spec.get("principalId") or "").lower()
        if not is_guid(pid):
            raise ValueError("principalId must be a GUID")
        name = (spec.get("name") or str(uuid.uuid4())).lower()
        principal = self.principals.get(pid)
        stamp = now_stamp(created)
        record = {"name": name, "scope": self.canonical_scope_text(scope), "scopeKey": scope.key,
                  "roleDefinitionGuid": role["name"].lower(), "principalId": pid,
                  "principalType": spec.get("principalType") or (principal["type"] if principal else "User"),
                  "description": spec.get("description"), "condition": spec.get("condition"),
                  "conditionVersion": spec.get("conditionVersion"), "delegatedManagedIdentityResourceId": None,
                  "createdOn": stamp, "updatedOn": stamp, "createdBy": spec.get("createdBy"),
                  "updatedBy": spec.get("createdBy"), "seq": self.next_seq()}
        self.role_assignments[name] = record
        return record

    # ------------------------------------------------------------------ lookups
    def find_role(self, ref: str) -> dict | None:
        """Role definition by GUID, role definition id or (case-insensitive) role name."""
        ref = (ref or "").strip()
        guid = ref.rsplit("/", 1)[-1].lower()
        if guid in self.role_definitions:
            return self.role_definitions[guid]
        for role in self.role_definitions.values():
            if role["roleName"].lower() == ref.lower():
                return role
        return None

    def resource_group(self, sub: str | None, name: str | None) -> dict | None:
        """A resource group by subscription and name (case-insensitive)."""
        if not sub or not name:
            return None
        return self.resource_groups.get((sub.lower(), name.lower()))

    def application(self, tenant_id: str, app_id: str) -> dict | None:
        """An app registration in a tenant."""
        return self.applications.get((tenant_id.lower(), (app_id or "").lower()))

    def principal_visible(self, principal_id: str, now: float | None = None) -> dict | None:
        """The principal if it exists and has replicated to ARM's directory view."""
        principal = self.principals.get((principal_id or "").lower())
        if principal is None:
            return None
        now = clock.now() if now is None else now
        if now - principal["createdAt"] < float(self.config["replication_delay"]):
            return None
        return principal

    def group_closure(self, principal_id: str) -> set[str]:
        """The principal plus every group it belongs to, transitively."""
        seen = {principal_id.lower()}
        todo = [principal_id.lower()]
        while todo:
            current = self.principals.get(todo.pop())
            for group in (current or {}).get("memberOf", []):
                if group not in seen:
                    seen.add(group)
                    todo.append(group)
        return seen

    def canonical_scope_text(self, scope: Scope) -> str:
        """Scope text with ARM's keyword casing and the stored resource group / MG name casing."""
        if scope.kind in ("resource_group", "resource"):
            rg = self.resource_group(scope.subscription, scope.resource_group)
            if rg is not None:
                prefix = f"/subscriptions/{scope.subscription}/resourceGroups/{scope.resource_group}"
                return f"/subscriptions/{scope.subscription}/resourceGroups/{rg['name']}" + scope.text[len(prefix):]
        if scope.kind == "management_group":
            mg = self.management_groups.get(scope.management_group.lower())
            if mg is not None:
                return MG_PREFIX + mg["name"]
        return scope.text

    def ancestors(self, scope: Scope) -> list[str]:
        """Keys of the scope itself and everything above it, innermost first, ending with '/'."""
        keys = [scope.key]
        if scope.kind == "resource":
            keys += [p.lower() for p in scope.parent_resources()]
            keys.append(f"/subscriptions/{scope.subscription}/resourcegroups/{scope.resource_group}".lower())
        if scope.kind in ("resource", "resource_group"):
            keys.append(f"/subscriptions/{scope.subscription}".lower())
        mg = None
        if scope.kind in ("resource", "resource_group", "subscription"):
            sub = self.subscriptions.get(scope.subscription.lower())
            mg = sub["managementGroup"] if sub else None
        elif scope.kind == "management_group":
            current = self.management_groups.get(scope.management_group.lower())
            mg = current["parent"] if current else None
        while mg:
            keys.append((MG_PREFIX + mg).lower())
            mg = self.management_groups.get(mg, {}).get("parent")
        if scope.kind != "root":
            keys.append("/")
        return keys

    def scope_exists(self, scope: Scope) -> tuple[str, str] | None:
        """None if the scope exists, else (error code, message) as ARM reports it."""
        if scope.kind == "root":
            return None
        if scope.kind == "management_group":
            if scope.management_group.lower() not in self.management_groups:
                return ("ManagementGroupNotFound", f"Management group '{scope.management_group}' was not found.")
            return None
        if scope.subscription.lower() not in self.subscriptions:
            return ("SubscriptionNotFound", f"The subscription '{scope.subscription}' could not be found.")
        if scope.kind == "subscription":
            return None
        if self.resource_group(scope.subscription, scope.resource_group) is None:
            return ("ResourceGroupNotFound", f"Resource group '{scope.resource_group}' could not be found.")
        if scope.kind == "resource" and self.config["validate_resource_scopes"]:
            for key in [scope.key] + [p.lower() for p in scope.parent_resources()]:
                if key not in self.resources:
                    return ("ResourceNotFound",
                            f"The Resource '{scope.resource_type}/{'/'.join(scope.names)}' under resource group "
                            f"'{scope.resource_group}' was not found.")
        return None

    # ------------------------------------------------------------------ debugging dump
    def snapshot(self) -> dict:
        """A JSON-serialisable copy of everything."""
        with self.lock:
            return copy.deepcopy({
                "identity": self.identity.__dict__,
                "config": self.config,
                "tenants": list(self.tenants.values()),
                "managementGroups": list(self.management_groups.values()),
                "subscriptions": list(self.subscriptions.values()),
                "resourceGroups": list(self.resource_groups.values()),
                "resources": list(self.resources.values()),
                "principals": list(self.principals.values()),
                "applications": list(self.applications.values()),
                "roleAssignments": sorted(self.role_assignments.values(), key=lambda r: r["seq"]),
                "roleDefinitions": sorted(r["roleName"] for r in self.role_definitions.values()),
                **{name: extension.snapshot() for name, extension in self.ext.items()},
            })
