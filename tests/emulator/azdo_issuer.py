# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps issuer -> Microsoft Entra issuer conversion of workload identity federation service
connections, and the admin seed helpers for organizations that still have legacy connections.

What is known and what is not is in ``docs/issuer-migration.md``; every open question is a config
switch (README "Issuer conversion"):

* ``azdo_issuer_convert_form``: which request converts (``issuer-type``: PUT with
  ``workloadIdentityFederationIssuerType: EntraID``; ``operation``: PUT ``?operation=ConvertAuthenticationScheme``
  with the scheme unchanged; ``save``: any PUT of a legacy connection). The other forms get what the
  service answers today (the "neither an upgrade or a downgrade" 400, or a plain update that leaves
  the issuer alone).
* ``azdo_issuer_auto_fic``: for which identities Azure DevOps adds the Entra federated credential itself
  (``automatic``: the ones it created [D-TS "For Azure identities, the issuer URL automatically
  updates"]; ``automatic-user``: the same, only when a user (not a service principal) sends the request;
  ``same-tenant``: any identity of the organization's tenant it has rights on; ``never``: the credential
  must exist before the request).
* ``azdo_issuer_manual_result``: answer when the credential is missing and cannot be added (``error``:
  400 naming issuer/subject/audience, nothing changes; ``pending``: 200, Entra issuer shown, not ready,
  ``Failed`` until the credential exists and the request is repeated) [D-ISS manual conversion].
* ``azdo_issuer_remove_old_fic``: Azure DevOps deletes the Azure DevOps-issuer credential it replaced.
* ``azdo_issuer_legacy_type``: what legacy connections report in ``workloadIdentityFederationIssuerType``.
* verification time: the existing ``azdo_convert_async`` / ``azdo_convert_seconds`` (isReady false,
  InProgress, then Ready).

The endpoint id never changes [D-ISS][TF-1573]; the connection is Ready only when its identity trusts
the new issuer and subject (``federation.trusts``, the lookup the Entra token endpoint uses).
"""

from __future__ import annotations

import datetime
import re
import secrets
import time
import uuid

from . import azdo_endpoints as ep
from . import azdo_model  # imported first so that the azdo extension is registered (and seeded) before this one
from .azdo_common import SPN, TOKEN_EXCHANGE_AUDIENCE, WIF, argument_error, endpoint_error
from .federation import MANAGED_IDENTITY_EXTENSION, MULTITENANT_AUDIENCES as MULTITENANT
from .state import CONFIG_CHOICES, DEFAULT_CONFIG, StateExtension, register_extension

try:  # Microsoft Graph's view of a core app record (object id, signInAudience); optional
    from .graph import ensure_app as graph_view
except ImportError:  # pragma: no cover
    graph_view = None

EXTENSION = "azdo_issuer"
AZDO = azdo_model.AzureDevOps.name  # the Azure DevOps tables this module works on
# Config keys (README "Issuer conversion" documents each one).
ISSUER_CONFIG = {
    "azdo_issuer_convert_form": ("issuer-type", ("issuer-type", "operation", "save")),
    "azdo_issuer_auto_fic": ("automatic", ("automatic", "automatic-user", "same-tenant", "never")),
    "azdo_issuer_manual_result": ("error", ("error", "pending")),
    "azdo_issuer_remove_old_fic": (False, None),
    "azdo_issuer_legacy_type": ("AzureDevOps", ("AzureDevOps", "DevOps", "absent")),
}
for _key, (_default, _choices) in ISSUER_CONFIG.items():
    DEFAULT_CONFIG.setdefault(_key, _default)
    if _choices:
        CONFIG_CHOICES.setdefault(_key, _choices)

ENTRA_TYPES = ("entraid", "azuread")  # EntraID [D-AUTO]; AzureAD [DAZE]
FIC_LIMIT = 20  # per app registration / user-assigned identity [CONTRACTS 3, 7]
LOCKED_TENANT_DOMAIN = "identity-owners.onmicrosoft.com"


def _config(state, key):
    return state.config[key]


# ---------------------------------------------------------------------------------------------- identities
def _client_of(record: dict) -> tuple[str, str | None]:
    params = record["params"]
    tenant = params.get("tenantid") or params.get("tenantId")  # azurerm: tenantid; dockerregistry: tenantId [TF-ACR]
    return (params.get("serviceprincipalid") or "").lower(), (tenant or None)


def find_identity(state, client_id: str) -> dict | None:
    """The app registration or user-assigned identity whose client id is ``client_id`` (any tenant)."""
    wanted = (client_id or "").lower()
    if not wanted:
        return None
    for (tid, app_id), app in state.applications.items():
        if app_id == wanted:
            return {"kind": "app", "tenantId": tid, "record": app}
    identities = state.ext.get(MANAGED_IDENTITY_EXTENSION)
    record = identities.by_client_id(wanted) if identities is not None else None
    if record is not None:
        return {"kind": "managedIdentity", "tenantId": record["tenantId"], "record": record}
    return None


def _fic_list(identity: dict) -> list:
    if identity["kind"] == "app":
        return identity["record"]["federatedIdentityCredentials"]
    return list(identity["record"]["fics"].values())


def _add_fic(identity: dict, name: str, issuer: str, subject: str) -> None:
    names = {f["name"].lower() for f in _fic_list(identity)}
    base, index = name, 1
    while name.lower() in names:
        index += 1
        name = f"{base}-{index}"
    if identity["kind"] == "app":
        identity["record"]["federatedIdentityCredentials"].append({
            "id": str(uuid.uuid4()), "name": name, "issuer": issuer, "subject": subject,
            "audiences": [TOKEN_EXCHANGE_AUDIENCE], "description": None})
    else:
        identity["record"]["fics"][name.lower()] = {"name": name, "issuer": issuer, "subject": subject,
                                                    "audiences": [TOKEN_EXCHANGE_AUDIENCE]}


def _remove_fic(identity: dict, issuer: str, subject: str) -> None:
    if identity["kind"] == "app":
        app = identity["record"]
        app["federatedIdentityCredentials"] = [f for f in app["federatedIdentityCredentials"]
                                               if not (f["issuer"] == issuer and f["subject"] == subject)]
    else:
        fics = identity["record"]["fics"]
        for key in [k for k, f in fics.items() if f["issuer"] == issuer and f["subject"] == subject]:
            del fics[key]


def out_of_scope(state, record: dict) -> str | None:
    """Why the connection keeps the Azure DevOps issuer [D-ISS scope], or None when it can convert."""
    environment = record["data"].get("environment") or "AzureCloud"
    if environment.lower() != "azurecloud":
        return (f"Service connection '{record['name']}' targets the {environment} environment. Only service connections "
                "in the Azure public cloud can use the Microsoft Entra issuer.")
    identity = find_identity(state, _client_of(record)[0])
    if identity is not None and identity["kind"] == "app":
        audience = identity["record"].get("signInAudience") or "AzureADMyOrg"
        if audience in MULTITENANT:
            return (f"Service connection '{record['name']}' uses the multitenant application '{identity['record']['appId']}' "
                    f"(signInAudience {audience}). The Microsoft Entra issuer supports managed identities and "
                    "single-tenant applications only.")
    return None


def _ado_can_write(state, record: dict, identity: dict | None, caller: dict | None) -> bool:
    """Whether Azure DevOps itself can add the federated credential (azdo_issuer_auto_fic)."""
    mode = _config(state, "azdo_issuer_auto_fic")
    if mode == "never" or identity is None:
        return False
    if mode == "automatic-user" and (caller or {}).get("kind") != "user":
        return False
    if identity["tenantId"] != state.identity.tenant_id:
        return False  # another directory: Azure DevOps has no rights there
    client_id = _client_of(record)[0]
    if client_id in state.ext[EXTENSION].locked:
        return False
    if len(_fic_list(identity)) >= FIC_LIMIT:
        return False
    if mode in ("automatic", "automatic-user"):
        auto = record.get("automatic") or {}
        return auto.get("appId") == client_id
    return True


def handoff_message(record: dict, issuer: str, subject: str, converted: bool) -> str:
    """What the identity owner needs (wording UNCONFIRMED; the values are those [D-ISS] says are shown)."""
    client_id = _client_of(record)[0]
    state_text = ("The service connection now uses the Microsoft Entra issuer but is not ready." if converted
                  else "The service connection was not modified.")
    return (f"Automatic conversion to the Microsoft Entra issuer failed: Azure DevOps could not add the federated "
            f"credential to the identity '{client_id}'. {state_text} Add a federated credential with Issuer: '{issuer}', "
            f"Subject identifier: '{subject}', Audience: '{TOKEN_EXCHANGE_AUDIENCE}' to the identity, then try again.")


# ---------------------------------------------------------------------------------------------- conversion
def is_legacy(record: dict) -> bool:
    """A WIF connection still on the Azure DevOps issuer."""
    return record["scheme"] == WIF and record.get("issuerMode") == "azdo"


def convert(emu, record: dict, caller: dict | None = None) -> None:
    """Move ``record`` to the Entra issuer (same id), or fail / leave it pending per the switches."""
    state = emu.state
    ext = state.ext[AZDO]
    reason = out_of_scope(state, record)
    if reason is not None:
        raise endpoint_error(reason)
    previous_mode = record.get("issuerMode")
    old_issuer, old_subject = ep.federation_pair(ext, record)
    record["issuerMode"] = "entra"
    issuer, subject = ep.federation_pair(ext, record)
    identity = find_identity(state, _client_of(record)[0])
    added = False
    if not ep._fic_trusted(ext, record) and _ado_can_write(state, record, identity, caller):  # pylint: disable=protected-access
        _add_fic(identity, f"AzureDevOps-Entra-{record['id']}", issuer, subject)
        added = True
    if ep._fic_trusted(ext, record):  # pylint: disable=protected-access
        if added and previous_mode == "azdo" and _config(state, "azdo_issuer_remove_old_fic"):
            _remove_fic(identity, old_issuer, old_subject)
        record["issuerHandoff"] = False
        delay = float(_config(state, "azdo_convert_seconds")) if _config(state, "azdo_convert_async") else 0.0
        ep._become_ready(ext, record, delay)  # pylint: disable=protected-access
        return
    if _config(state, "azdo_issuer_manual_result") == "error":
        record["issuerMode"] = previous_mode
        raise endpoint_error(handoff_message(record, issuer, subject, converted=False))
    record["issuerHandoff"] = True
    record["draft"] = False
    record["status"], record["ready"], record["pendingUntil"] = "Failed", False, None
    record["statusMessage"] = handoff_message(record, issuer, subject, converted=True)


def update_hook(emu, req, record: dict, body: dict, operation: str | None) -> bool:
    """azdo_endpoints.UPDATE_HOOKS entry: True when this PUT was an issuer conversion (handled here)."""
    state = emu.state
    if record["scheme"] != WIF:
        return False
    form = _config(state, "azdo_issuer_convert_form")
    convertible = is_legacy(record) or bool(record.get("issuerHandoff"))
    authorization = body.get("authorization") or {}
    if operation:
        if form != "operation" or operation.lower() != ep.CONVERT.lower():
            return False
        if (authorization.get("scheme") or "").lower() != WIF.lower():
            return False  # ServicePrincipal <-> WIF: the existing conversion
        if not convertible:
            raise argument_error(f"Service connection {record['name']} already uses the Microsoft Entra issuer.")
        convert(emu, record, req.azdo_caller)
        return True
    if not convertible:
        return False
    requested = str((authorization.get("parameters") or {}).get("workloadIdentityFederationIssuerType") or "").lower()
    if form == "issuer-type" and requested in ENTRA_TYPES:
        ep._update(emu, req, record, body)  # pylint: disable=protected-access
        convert(emu, record, req.azdo_caller)
        return True
    if form == "save":
        ep._update(emu, req, record, body)  # pylint: disable=protected-access
        if out_of_scope(state, record) is None:
            convert(emu, record, req.azdo_caller)
        return True
    return False


def render_hook(ext, record: dict, params: dict) -> None:
    """azdo_endpoints.RENDER_HOOKS entry: the issuer type legacy connections report (azdo_issuer_legacy_type)."""
    if not is_legacy(record):
        return
    label = _config(ext.state, "azdo_issuer_legacy_type")
    if label == "absent":
        params.pop("workloadIdentityFederationIssuerType", None)
    else:
        params["workloadIdentityFederationIssuerType"] = label


def register(_add) -> None:
    """Install the hooks (called by azdo.register; no routes of its own: there is no org-level endpoint list [SPEC])."""
    if update_hook not in ep.UPDATE_HOOKS:
        ep.UPDATE_HOOKS.append(update_hook)
    if render_hook not in ep.RENDER_HOOKS:
        ep.RENDER_HOOKS.append(render_hook)


# ---------------------------------------------------------------------------------------------- seeding
def _timestamp(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("Z", "+00:00")
    parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _slug(text: str, limit: int) -> str:
    return re.sub(r"[^a-z0-9-]", "-", text.lower()).strip("-")[:limit] or "x"


# The mix a seeded fleet cycles through (issue 12: ARM and Docker, managed identities, single-tenant and
# multitenant apps, a non-public cloud, identities the caller cannot change, Entra and secret-based ones).
FLEET_TEMPLATES = (
    {"identity": "managedIdentity"},
    {"identity": "app"},
    {"identity": "managedIdentity", "type": "dockerregistry"},
    {"identity": "automatic"},
    {"identity": "managedIdentity"},
    {"identity": "app"},
    {"identity": "app", "locked": True},
    {"identity": "managedIdentity", "issuer": "entra"},
    {"identity": "multitenantApp"},
    {"identity": "app", "environment": "AzureUSGovernment"},
    {"identity": "app", "scheme": SPN, "secretEndDateTimes": ["+60d", "+400d"]},
    {"identity": "managedIdentity", "locked": True},
)


@register_extension
class IssuerMigration(StateExtension):
    """Seed helpers for legacy-issuer organizations; remembers which identities only their owners can change."""

    name = EXTENSION
    seed_keys = (("issuerConnections", "add_connection"), ("issuerFleet", "add_fleet"))

    def __init__(self, state):
        super().__init__(state)
        self.locked: set = set()
        self.owner_scope: dict = {}

    def snapshot(self) -> dict:
        return {"lockedClients": sorted(self.locked), "ownerScope": dict(self.owner_scope)}

    def _owner_scope(self) -> dict:
        """A tenant and a subscription (same tenant, no role for anyone) where 'locked' identities live."""
        state = self.state
        if not self.owner_scope:
            tenant = next((t for t in state.tenants.values() if t["domain"] == LOCKED_TENANT_DOMAIN), None)
            if tenant is None:
                tenant = state.add_tenant({"domain": LOCKED_TENANT_DOMAIN})
            subscription = state.add_subscription({"displayName": "Identity owners"})
            group = state.add_resource_group({"name": "rg-identity-owners", "subscriptionId": subscription["subscriptionId"]})
            self.owner_scope = {"tenantId": tenant["id"], "subscriptionId": subscription["subscriptionId"],
                                "resourceGroup": group["name"]}
        return self.owner_scope

    def _expiries(self, values) -> list:
        now = time.time()
        out = []
        for value in values or []:
            match = re.fullmatch(r"([+-]\d+)d", str(value).strip())
            out.append(now + int(match.group(1)) * 86400.0 if match else _timestamp(value))
        return out

    def _identity(self, kind: str, name: str, scheme: str, locked: bool, expiries: list) -> dict:
        state = self.state
        if kind == "managedIdentity":
            scope = self._owner_scope() if locked else {}
            mi = state.ext[MANAGED_IDENTITY_EXTENSION].add_identity({
                "name": "id-" + _slug(name, 100), "subscriptionId": scope.get("subscriptionId"),
                "resourceGroup": scope.get("resourceGroup")})
            return {"kind": kind, "clientId": mi["clientId"], "tenantId": mi["tenantId"], "principalId": mi["principalId"],
                    "resourceId": mi["id"]}
        tenant = self._owner_scope()["tenantId"] if locked else state.identity.tenant_id
        secret_specs = [{"value": secrets.token_urlsafe(30), "endDateTime": ts} for ts in expiries]
        if scheme == SPN and not secret_specs:
            secret_specs = [{"value": secrets.token_urlsafe(30), "endDateTime": time.time() + 365 * 86400.0}]
        app = state.add_application({"displayName": f"{name}-app", "tenantId": tenant, "generateSecret": False,
                                     "secrets": secret_specs})
        app["signInAudience"] = "AzureADMultipleOrgs" if kind == "multitenantApp" else "AzureADMyOrg"
        if graph_view is not None:
            graph_view(state, app)
        return {"kind": kind, "clientId": app["appId"], "tenantId": app["tenantId"], "principalId": app["principalId"],
                "objectId": app.get("id"), "signInAudience": app["signInAudience"],
                "secret": secret_specs[0]["value"] if secret_specs else None}

    def add_connection(self, spec: dict) -> dict:
        """Seed one service connection with its identity (see README "Issuer conversion" for the keys)."""
        state = self.state
        azdo = state.ext[AZDO]
        name = (spec.get("name") or "").strip()
        if not name:
            raise ValueError("issuer connection needs a name")
        project_name = spec.get("project") or azdo.settings["project_name"]
        project = azdo.project(project_name) or azdo.add_project({"name": project_name})
        etype = spec.get("type", "azurerm")
        scheme = spec.get("scheme", WIF)
        issuer = spec.get("issuer", "azdo")
        kind = spec.get("identity", "managedIdentity")
        environment = spec.get("environment", "AzureCloud")
        locked = bool(spec.get("locked", False))
        if etype not in ("azurerm", "dockerregistry") or scheme not in (WIF, SPN) or issuer not in ("azdo", "entra") \
                or kind not in ("managedIdentity", "app", "multitenantApp", "automatic"):
            raise ValueError(f"bad issuer connection spec {spec!r}")
        if (scheme == SPN and kind == "managedIdentity") or (kind == "automatic" and (etype != "azurerm" or locked)):
            raise ValueError(f"unsupported combination in {spec!r}")
        if issuer == "entra" and environment.lower() != "azurecloud":
            raise ValueError("non-public clouds keep the Azure DevOps issuer")
        expiries = self._expiries(spec.get("secretEndDateTimes"))
        identity = None if kind == "automatic" else self._identity(kind, name, scheme, locked, expiries)
        if identity is not None and locked:
            self.locked.add(identity["clientId"])
        body = self._body(spec, name, project, etype, scheme, issuer, kind, environment, identity)
        saved = state.config.get("azdo_verify_on_create")
        state.config["azdo_verify_on_create"] = False  # the federated credential is added just below
        try:
            record = ep.create_record(azdo, body, azdo.admin, seeded=True, assign_role=(kind == "automatic"))
        finally:
            state.config["azdo_verify_on_create"] = saved
        if kind == "automatic":
            auto = record["automatic"]
            app = state.applications[(auto["tenantId"], auto["appId"])]
            identity = {"kind": kind, "clientId": auto["appId"], "tenantId": auto["tenantId"],
                        "principalId": auto["principalId"], "objectId": app.get("id"), "signInAudience": "AzureADMyOrg"}
        elif scheme == WIF and spec.get("federatedCredential", True):
            found = find_identity(state, identity["clientId"])
            fic_issuer, fic_subject = ep.federation_pair(azdo, record)
            _add_fic(found, f"sc-{record['id']}", fic_issuer, fic_subject)
        return self._view(record, project, identity, locked, expiries)

    def _body(self, spec, name, project, etype, scheme, issuer, kind, environment, identity) -> dict:
        ident = self.state.identity
        params: dict = {}
        if scheme == WIF:
            params["workloadIdentityFederationIssuerType"] = "AzureDevOps" if issuer == "azdo" else "EntraID"
        refs = [{"projectReference": {"id": project["id"], "name": project["name"]}, "name": name}]
        creation = "Automatic" if kind == "automatic" else "Manual"
        if etype == "dockerregistry":
            registry = "acr" + _slug(name, 40).replace("-", "")
            registry_id = (f"/subscriptions/{ident.subscription_id}/resourceGroups/{ident.resource_group}"
                           f"/providers/Microsoft.ContainerRegistry/registries/{registry}")
            params.update({"serviceprincipalid": identity["clientId"], "tenantId": identity["tenantId"],
                           "loginServer": f"{registry}.azurecr.io", "scope": registry_id})  # [TF-ACR]
            if scheme == SPN:
                params["serviceprincipalkey"] = identity["secret"]
            data = {"registryId": registry_id, "registrytype": "ACR", "subscriptionId": ident.subscription_id,
                    "subscriptionName": ident.subscription_name, "creationMode": creation}
            url = f"https://{registry}.azurecr.io"
        else:
            params.update({"tenantid": identity["tenantId"] if identity else ident.tenant_id,
                           "serviceprincipalid": identity["clientId"] if identity else ""})
            if scheme == SPN:
                params.update({"authenticationType": "spnKey", "serviceprincipalkey": identity["secret"]})
            data = {"environment": environment, "scopeLevel": "Subscription", "subscriptionId": ident.subscription_id,
                    "subscriptionName": ident.subscription_name, "creationMode": creation}
            url = spec.get("url") or ep.ENVIRONMENT_URLS.get(environment.lower(), "https://management.local.azurestack.external/")
        return {"name": name, "type": etype, "url": url, "description": spec.get("description", ""), "data": data,
                "authorization": {"scheme": scheme, "parameters": params}, "isShared": False, "isReady": True,
                "serviceEndpointProjectReferences": refs}

    def _view(self, record, project, identity, locked, expiries) -> dict:
        azdo = self.state.ext[AZDO]
        issuer = subject = None
        if record["scheme"] == WIF:
            issuer, subject = ep.federation_pair(azdo, record)
        public_identity = {k: v for k, v in (identity or {}).items() if k != "secret"}
        return {"id": record["id"], "name": record["name"], "project": project["name"], "projectId": project["id"],
                "type": record["type"], "scheme": record["scheme"], "creationMode": record["data"].get("creationMode"),
                "environment": record["data"].get("environment"), "issuerKind": record.get("issuerMode"),
                "issuer": issuer, "subject": subject, "identity": public_identity, "locked": locked,
                "secretEndDateTimes": [_iso(ts) for ts in expiries],
                "outOfScope": out_of_scope(self.state, record) if record["scheme"] == WIF else None}

    def add_fleet(self, spec: dict) -> dict:
        """Seed ``projects`` projects x ``perProject`` connections cycling FLEET_TEMPLATES (names from ``prefix``)."""
        projects = int(spec.get("projects", 10))
        per_project = int(spec.get("perProject", 20))
        prefix = _slug(spec.get("prefix", "fleet"), 20)
        if projects < 1 or per_project < 1:
            raise ValueError("projects and perProject must be positive")
        templates = spec.get("templates") or FLEET_TEMPLATES
        out, names = [], []
        for p_index in range(projects):
            project = f"{prefix}-project-{p_index + 1:02d}"
            names.append(project)
            for c_index in range(per_project):
                template = dict(templates[(p_index * per_project + c_index) % len(templates)])
                template.update({"name": f"{prefix}-sc-{p_index + 1:02d}-{c_index + 1:03d}", "project": project})
                out.append(self.add_connection(template))
        return {"projects": names, "connections": out}
