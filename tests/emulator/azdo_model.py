# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure DevOps tables (projects, pipelines, organization members, service endpoints, pipeline
permissions, operations), their start-up seed and the ``POST /_emulator/seed`` keys.

The organization's fixed identifiers (id, PAT, seeded project id ...) live in ``state.azdo_settings``,
set once by :func:`azdo.register`, so they survive resets and stay valid in the info file.
"""

from __future__ import annotations

import copy
import uuid

from . import azdo_endpoints, clock
from .azdo_common import EXTENSION, descriptor_of
from .state import StateExtension, register_extension
from .web import is_guid

ACCESS_LEVELS = {  # accountLicenseType -> licenseDisplayName [ADO-MEM AccessLevel enum; names as the UI shows them]
    "none": "None", "earlyAdopter": "Early Adopter", "express": "Basic", "professional": "Visual Studio Subscriber",
    "advanced": "Basic + Test Plans", "stakeholder": "Stakeholder",
}
GROUP_TYPES = {  # groupType -> displayName [ADO-MEM Group enum; example "Project Administrators"]
    "projectStakeholder": "Project Valid Users", "projectReader": "Readers", "projectContributor": "Contributors",
    "projectAdministrator": "Project Administrators",
}
# System process templates (ids as recorded in test_devops_projects_CreateListShowDelete.yaml).
PROCESSES = (
    ("6b724908-ef14-45cf-84f8-768b5384da45", "Scrum", False),
    ("b8a3a935-7e91-48b8-a94c-606d37c3e9f2", "Basic", True),
    ("adcc42ab-9882-485e-a3ed-7678f01f66bc", "Agile", False),
    ("27450541-8e31-4150-9947-dc59f998fc01", "CMMI", False),
)
DEFAULT_PROCESS = PROCESSES[1][0]


def new_settings(organization: str, project: str) -> dict:
    """Fresh fixed identifiers of the emulated organization (created once per run)."""
    return {
        "organization": organization, "organization_id": str(uuid.uuid4()), "project_name": project,
        "project_id": str(uuid.uuid4()), "pat": uuid.uuid4().hex + uuid.uuid4().hex[:20],
        "admin_id": str(uuid.uuid4()), "admin_origin_id": str(uuid.uuid4()), "client_member_id": str(uuid.uuid4()),
        "collection_id": str(uuid.uuid4()), "process_id": str(uuid.uuid4()),
    }


@register_extension
class AzureDevOps(StateExtension):
    """One organization: its projects, pipelines, members, endpoints and pipeline permissions."""

    name = EXTENSION
    seed_keys = (("projects", "add_project"), ("pipelines", "add_pipeline"),
                 ("azdoServicePrincipals", "add_member"), ("serviceEndpoints", "add_service_endpoint"))

    def __init__(self, state):
        super().__init__(state)
        self.projects: dict = {}
        self.pipelines: dict = {}
        self.members: dict = {}
        self.endpoints: dict = {}
        self.permissions: dict = {}
        self.operations: dict = {}
        self.seq = 0

    # ------------------------------------------------------------------ helpers
    @property
    def settings(self) -> dict:
        """The organization's fixed identifiers."""
        return getattr(self.state, "azdo_settings", None) or {}

    def next_seq(self) -> int:
        """Ordering counter."""
        self.seq += 1
        return self.seq

    @property
    def admin(self) -> dict:
        """The PAT owner (a user, Project Collection Administrator)."""
        return self.members[self.settings["admin_id"]]

    def project(self, ref: str) -> dict | None:
        """A project by id or (case-insensitive) name, in any state."""
        low = (ref or "").lower()
        if low in self.projects:
            return self.projects[low]
        for project in self.projects.values():
            if project["name"].lower() == low:
                return project
        return None

    def can_see(self, member: dict | None, project_id: str) -> bool:
        """Collection administrators see every project; others the projects they are entitled to."""
        if member is None:
            return False
        return member["collectionAdmin"] or project_id.lower() in member["projectEntitlements"]

    def member_by_origin(self, origin_id: str) -> dict | None:
        """Organization member with this Entra object id."""
        low = (origin_id or "").lower()
        for member in self.members.values():
            if member["originId"] == low:
                return member
        return None

    def directory_service_principal(self, origin_id: str) -> dict | None:
        """The Entra service principal (of the organization's tenant) with this object id, or None."""
        principal = self.state.principals.get((origin_id or "").lower())
        if principal is None or principal["type"] != "ServicePrincipal":
            return None
        if principal["tenantId"] != self.state.identity.tenant_id:
            return None
        return principal

    # ------------------------------------------------------------------ seeding
    def seed_defaults(self) -> None:
        """Seeded project, 3 pipelines, the admin user and the client SP as members, two ServicePrincipal endpoints."""
        settings = self.settings
        if not settings:
            return  # State built before azdo.register() configured the organization
        ident = self.state.identity
        self.state.add_principal({"id": settings["admin_origin_id"], "type": "User",
                                  "displayName": "Emulator Administrator"})
        self.add_member_record(settings["admin_id"], "user", settings["admin_origin_id"], None,
                               "Emulator Administrator", f"admin@{ident.tenant_domain}", True, "express", {}, True)
        self.add_member_record(settings["client_member_id"], "servicePrincipal", ident.principal_id, ident.client_id,
                               "emulator-client", ident.client_id, True, "express", {}, True)
        self.add_project({"id": settings["project_id"], "name": settings["project_name"],
                          "description": "Seeded by the emulator"})
        for index in range(1, 4):
            self.add_pipeline({"name": f"pipeline-{index}"})
        self.add_service_endpoint({
            "name": "sc-automatic-spn", "automatic": True, "assignRole": False,
            "data": {"subscriptionId": ident.subscription_id, "subscriptionName": ident.subscription_name}})
        manual_app = self.state.add_application({"displayName": "sc-manual-spn-app"})
        self.add_service_endpoint({
            "name": "sc-manual-spn", "serviceprincipalid": manual_app["appId"],
            "serviceprincipalkey": manual_app["secrets"][0]["value"],
            "data": {"subscriptionId": ident.subscription_id, "subscriptionName": ident.subscription_name}})

    def add_project(self, spec: dict) -> dict:
        """Seed or create a project (state wellFormed unless ``state`` is given)."""
        name = (spec.get("name") or "").strip()
        if not name:
            raise ValueError("project needs a name")
        if self.project(name) is not None:
            raise ValueError(f"project '{name}' already exists")
        pid = (spec.get("id") or str(uuid.uuid4())).lower()
        if not is_guid(pid) or pid in self.projects:
            raise ValueError("project id must be a new GUID")
        now = clock.now()
        record = {"id": pid, "name": name, "description": spec.get("description"),
                  "visibility": spec.get("visibility", "private"), "state": spec.get("state", "wellFormed"),
                  "revision": int(spec.get("revision", 10)), "lastUpdateTime": now,
                  "processTemplateId": spec.get("processTemplateId", DEFAULT_PROCESS),
                  "sourceControlType": spec.get("sourceControlType", "Git"),
                  "defaultTeamId": str(uuid.uuid4()), "seq": self.next_seq()}
        self.projects[pid] = record
        return record

    def add_pipeline(self, spec: dict) -> dict:
        """Seed a pipeline: ``name``, optional ``project`` (id or name; default the seeded one), ``id``, ``folder``."""
        project = self.project(spec.get("project") or self.settings.get("project_id", ""))
        if project is None:
            raise ValueError(f"unknown project '{spec.get('project')}'")
        if not spec.get("name"):
            raise ValueError("pipeline needs a name")
        used = {pid for (_proj, pid) in self.pipelines}
        pipeline_id = spec.get("id")
        if pipeline_id is None:
            pipeline_id = max(used, default=0) + 1
        if not isinstance(pipeline_id, int) or pipeline_id < 1 or pipeline_id in used:
            raise ValueError("pipeline id must be a new positive integer")
        record = {"id": pipeline_id, "projectId": project["id"], "name": spec["name"],
                  "folder": spec.get("folder", "\\"), "revision": int(spec.get("revision", 1)),
                  "repositoryId": str(uuid.uuid4()), "path": spec.get("path", "/azure-pipelines.yml")}
        self.pipelines[(project["id"], pipeline_id)] = record
        return record

    def add_member_record(self, storage_key, kind, origin_id, app_id, display_name, unique_name, admin, access,
                          entitlements, in_graph, created: float | None = None) -> dict:
        record = {"id": storage_key.lower(), "kind": kind, "originId": (origin_id or "").lower(),
                  "applicationId": app_id, "displayName": display_name, "uniqueName": unique_name,
                  "domain": self.state.identity.tenant_id, "collectionAdmin": admin, "accessLevel": access,
                  "projectEntitlements": dict(entitlements), "dateCreated": clock.now() if created is None else created,
                  "lastAccessed": None, "inGraph": in_graph, "seq": self.next_seq()}
        record["descriptor"] = descriptor_of(record)
        self.members[record["id"]] = record
        return record

    def add_member(self, spec: dict) -> dict:
        """Seed an organization member for an Entra service principal: ``originId`` (object id), optional
        ``accessLevel`` (default express), ``projectEntitlements`` [{project, group}], ``collectionAdmin``, ``id``."""
        principal = self.directory_service_principal(spec.get("originId"))
        if principal is None:
            raise ValueError(f"originId '{spec.get('originId')}' is not a service principal of the tenant")
        if self.member_by_origin(principal["id"]) is not None:
            raise ValueError(f"service principal '{principal['id']}' is already a member")
        access = spec.get("accessLevel", "express")
        if access not in ACCESS_LEVELS:
            raise ValueError(f"accessLevel must be one of {', '.join(ACCESS_LEVELS)}")
        entitlements = {}
        for item in spec.get("projectEntitlements") or []:
            project = self.project(item.get("project") or "")
            group = item.get("group", "projectContributor")
            if project is None or group not in GROUP_TYPES:
                raise ValueError(f"bad project entitlement {item!r}")
            entitlements[project["id"]] = group
        key = (spec.get("id") or str(uuid.uuid4())).lower()
        if not is_guid(key) or key in self.members:
            raise ValueError("member id must be a new GUID")
        return self.add_member_record(key, "servicePrincipal", principal["id"], principal.get("appId"),
                                      principal["displayName"], principal.get("appId") or principal["id"],
                                      bool(spec.get("collectionAdmin", False)), access, entitlements, True)

    def add_service_endpoint(self, spec: dict) -> dict:
        """Seed a service endpoint: a REST create body, or the shortcuts ``name``, ``project``, ``automatic``,
        ``serviceprincipalid``, ``serviceprincipalkey``, ``scheme`` (default ServicePrincipal), ``data``, and
        ``assignRole`` (default true: an automatic endpoint's identity gets its role assignment)."""
        body = azdo_endpoints.seed_body(self, spec)
        record = azdo_endpoints.create_record(self, body, self.admin, seeded=True,
                                              assign_role=bool(spec.get("assignRole", True)))
        return azdo_endpoints.seed_view(self, record)

    # ------------------------------------------------------------------ dumps
    def snapshot(self) -> dict:
        """Debug dump (endpoints include their prospective issuer and subject)."""
        endpoints = []
        for record in sorted(self.endpoints.values(), key=lambda r: r["seq"]):
            item = copy.deepcopy(record)
            item["wifIssuer"], item["wifSubject"] = azdo_endpoints.federation_pair(self, record)
            endpoints.append(item)
        return {
            "settings": dict(self.settings), "projects": list(self.projects.values()),
            "pipelines": [dict(p) for p in self.pipelines.values()], "members": list(self.members.values()),
            "serviceEndpoints": endpoints,
            "pipelinePermissions": [dict(v, key=list(k)) for k, v in self.permissions.items()],
            "operations": list(self.operations.values())}
