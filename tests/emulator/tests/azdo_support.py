# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the Azure DevOps emulator tests (test_emu_azdo*.py)."""

from __future__ import annotations

import base64

ADO_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
WIF = "WorkloadIdentityFederation"
SPN = "ServicePrincipal"
AUDIENCE = "api://AzureADTokenExchange"


class Azdo:
    """Calls against the emulated organization (PAT by default)."""

    def __init__(self, emu):
        self.emu = emu
        self.info = emu.info
        self.org = "/" + emu.info["organization"]
        self.project = emu.info["project_name"]
        self.project_id = emu.info["project_id"]

    def pat_header(self, pat: str | None = None) -> dict:
        raw = base64.b64encode(f"anyone:{pat or self.info['azdo_pat']}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    def sp_token(self, client_id: str | None = None, secret: str | None = None) -> str:
        return self.emu.token(ADO_SCOPE, client_id=client_id, secret=secret)

    def call(self, method: str, path: str, version: str | None = "7.1", auth="pat", **kwargs):
        """``path`` is below the organization URL unless it starts with https:// or //."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if auth == "pat":
            headers.update(self.pat_header())
        elif auth == "token":
            headers["Authorization"] = f"Bearer {self.sp_token()}"
        elif isinstance(auth, str) and auth:
            headers["Authorization"] = f"Bearer {auth}"
        params = dict(kwargs.pop("params", {}) or {})
        if version:
            params.setdefault("api-version", version)
        if path.startswith("//"):
            url = path[1:]
        elif path.startswith("https://"):
            url = path
        else:
            url = self.org + path
        return self.emu.request(method, url, headers=headers, params=params, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs):
        resp = self.call(method, path, **kwargs)
        assert resp.status_code == status, resp.text
        return resp.json() if resp.content else None

    # ------------------------------------------------------------------ service endpoints
    def body(self, name: str, scheme: str = WIF, client_id: str | None = None, creation: str = "Manual",
             draft: bool = False, projects: list | None = None, **extra) -> dict:
        data = {"subscriptionId": self.info["subscription_id"], "subscriptionName": self.info["subscription_name"],
                "environment": "AzureCloud", "scopeLevel": "Subscription", "creationMode": creation}
        if draft:
            data["isDraft"] = "True"
        data.update(extra.pop("data", {}))
        params = {"tenantid": self.info["tenant_id"], "serviceprincipalid": client_id or ""}
        if scheme == SPN and creation == "Manual":
            params.update({"authenticationType": "spnKey", "serviceprincipalkey": "s3cret"})
        params.update(extra.pop("parameters", {}))
        refs = [{"projectReference": {"id": pid, "name": pname}, "name": name}
                for pid, pname in (projects or [(self.project_id, self.project)])]
        body = {"data": data, "name": name, "type": "AzureRM", "url": "https://management.azure.com/",
                "authorization": {"scheme": scheme, "parameters": params}, "isShared": False,
                "serviceEndpointProjectReferences": refs}
        if not draft:
            body["isReady"] = True
        body.update(extra)
        return body

    def create(self, body: dict, auth="pat", status: int = 200):
        return self.ok("POST", "/_apis/serviceendpoint/endpoints", status=status, json=body, auth=auth)

    def get(self, endpoint_id: str, project: str | None = None, **kwargs):
        return self.call("GET", f"/{project or self.project}/_apis/serviceendpoint/endpoints/{endpoint_id}", **kwargs)

    def by_name(self, name: str, include_failed: bool = False, project: str | None = None) -> list:
        params = {"endpointNames": name}
        if include_failed:
            params["includeFailed"] = "true"
        return self.ok("GET", f"/{project or self.project}/_apis/serviceendpoint/endpoints", params=params)["value"]

    def put(self, endpoint: dict, operation: str | None = None, status: int = 200, **kwargs):
        params = {"operation": operation} if operation else {}
        return self.ok("PUT", f"/_apis/serviceendpoint/endpoints/{endpoint['id']}", status=status, json=endpoint,
                       params=params, **kwargs)

    # ------------------------------------------------------------------ directory
    def new_app(self, name: str = "sc-app", fics: list | None = None) -> dict:
        """An app registration (+ SP) seeded in the directory; no secret when it has federated credentials."""
        spec = {"displayName": name, "generateSecret": fics is None}
        if fics:
            spec["federatedIdentityCredentials"] = fics
        return self.emu.seed({"applications": [spec]})["applications"][0]

    def add_fic(self, client_id: str, issuer: str, subject: str, name: str = "azdo") -> None:
        """Add a federated credential to an existing app registration through Microsoft Graph."""
        headers = {"Authorization": f"Bearer {self.emu.token(GRAPH_SCOPE)}"}
        resp = self.emu.request("POST", f"/v1.0/applications(appId='{client_id}')/federatedIdentityCredentials",
                                headers=headers, json={"name": name, "issuer": issuer, "subject": subject,
                                                       "audiences": [AUDIENCE]})
        assert resp.status_code == 201, resp.text

    def state(self) -> dict:
        return self.emu.admin("GET", "/state").json()["azdo"]


def assert_azdo_error(resp, status: int, type_key: str, contains: str | None = None) -> dict:
    """Azure DevOps wrapped-exception body [CONTRACTS 2.2]."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"}, body
    assert body["typeKey"] == type_key, body
    assert body["typeName"].split(",")[0].endswith("." + type_key)
    if contains:
        assert contains in body["message"], body["message"]
    return body
