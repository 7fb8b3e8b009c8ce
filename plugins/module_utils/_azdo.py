# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A thin Azure DevOps REST client: organization URLs, api-versions, and normalizers.

Azure DevOps Services splits an organization over several hosts (``dev.azure.com/{org}`` for
core, service endpoints and pipelines; ``vssps.dev.azure.com/{org}`` for identities;
``vsaex.dev.azure.com/{org}`` for entitlements). Any other host (Azure DevOps Server, or the
project's emulator) serves them all from the organization URL.
"""

from __future__ import annotations

import base64

from urllib.parse import urlsplit, urlunsplit

from ansible_collections.azdo.identity.plugins.module_utils._compare import is_guid
from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError

API = "7.1"
PREVIEW_API = "7.1-preview.1"
SERVICE_ENDPOINT_API = "7.1"
JSON_PATCH = "application/json-patch+json"


def organization_url(organization=None, url=None):
    """The organization URL from ``organization_url`` or ``organization``; raises ValueError naming the option."""
    if url:
        parts = urlsplit(url.strip())
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError("organization_url must be an https URL such as https://dev.azure.com/<organization>; got "
                             "'%s'" % url)
        path = parts.path.rstrip("/")
        if parts.netloc.lower() == "dev.azure.com" and path.count("/") != 1:
            raise ValueError("organization_url must name one organization, as https://dev.azure.com/<organization>; "
                             "got '%s'" % url)
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    if organization:
        if "/" in organization or " " in organization:
            raise ValueError("organization must be the organization's name (as in https://dev.azure.com/<name>); got "
                             "'%s'" % organization)
        return "https://dev.azure.com/%s" % organization
    raise ValueError("organization_url or organization is required (or set AZDO_ORGANIZATION_URL)")


def service_url(org_url, service):
    """The URL of ``service`` (``vssps`` or ``vsaex``) for an organization.

    ``https://dev.azure.com/org`` -> ``https://{service}.dev.azure.com/org``;
    ``https://org.visualstudio.com`` -> ``https://org.{service}.visualstudio.com``; anything else
    (Azure DevOps Server, a private host) serves every API from the organization URL itself.
    """
    parts = urlsplit(org_url)
    host = parts.netloc.lower()
    if host == "dev.azure.com":
        return urlunsplit((parts.scheme, "%s.dev.azure.com" % service, parts.path, "", ""))
    if host.endswith(".visualstudio.com") and host.count(".") == 2:
        org = host.split(".")[0]
        return urlunsplit((parts.scheme, "%s.%s.visualstudio.com" % (org, service), parts.path, "", ""))
    return org_url


def basic_header(pat):
    """The ``Authorization`` value for a personal access token (any user name works; the PAT is the password)."""
    token = base64.b64encode((":" + pat).encode("utf-8")).decode("ascii")
    return "Basic " + token


def is_missing_endpoint(body):
    """Azure DevOps has answered a missing service endpoint with 404, 200 + null, 200 + an object whose id
    is null, and 200 + an object whose authorization is null (Microsoft's Terraform provider handles all
    four; docs/service-behaviour.md#a-missing-connection-may-be-answered-in-four-ways). Any of them means
    "not there"."""
    return not body or not isinstance(body, dict) or not body.get("id") or body.get("authorization") is None


class AzdoClient(object):
    """Calls over three :class:`RestClient` objects: the organization, identities (vssps), entitlements (vsaex)."""

    def __init__(self, rest, vssps=None, vsaex=None):
        self.rest = rest
        self.vssps = vssps or rest
        self.vsaex = vsaex or rest

    @property
    def organization_url(self):
        return self.rest.base_url

    # -------------------------------------------------------------- projects
    def project(self, name_or_id):
        return self.rest.get(self.rest.url("_apis", "projects", name_or_id), api_version=API, not_found_ok=True)

    def projects(self):
        """Every project of the organization (all pages: ``$top`` with ``X-MS-ContinuationToken``)."""
        return self.rest.collect(self.rest.url("_apis", "projects"), params={"$top": 100}, api_version=API)

    # -------------------------------------------------------------- service endpoints
    def endpoints_by_name(self, project_id, name, include_failed=True):
        params = {"endpointNames": name, "includeFailed": "true" if include_failed else None,
                  "includeDetails": "true"}
        body = self.rest.get(self.rest.url(project_id, "_apis", "serviceendpoint", "endpoints"), params=params,
                             api_version=SERVICE_ENDPOINT_API)
        return [e for e in (body or {}).get("value") or [] if not is_missing_endpoint(e)]

    def endpoints(self, project_id, endpoint_type=None, auth_schemes=None, include_failed=True):
        params = {"type": endpoint_type, "authSchemes": auth_schemes,
                  "includeFailed": "true" if include_failed else None, "includeDetails": "true"}
        body = self.rest.get(self.rest.url(project_id, "_apis", "serviceendpoint", "endpoints"), params=params,
                             api_version=SERVICE_ENDPOINT_API)
        return [e for e in (body or {}).get("value") or [] if not is_missing_endpoint(e)]

    def endpoint(self, project_id, endpoint_id):
        # Endpoints_Get takes actionFilter only (ado-serviceendpoint 7.1/7.2 serviceEndpoint.json): includeDetails
        # belongs to the list call, and the single GET returns the authorization parameters without it.
        body = self.rest.get(self.rest.url(project_id, "_apis", "serviceendpoint", "endpoints", endpoint_id),
                             api_version=SERVICE_ENDPOINT_API, not_found_ok=True)
        return None if is_missing_endpoint(body) else body

    def create_endpoint(self, body):
        """POST: not idempotent (a lost answer could leave a connection behind), so never resent on 5xx."""
        return self.rest.request("POST", self.rest.url("_apis", "serviceendpoint", "endpoints"), body=body,
                                 api_version=SERVICE_ENDPOINT_API, ok=(200, 201)).body

    def update_endpoint(self, endpoint_id, body, operation=None):
        params = {"operation": operation} if operation else None
        return self.rest.request("PUT", self.rest.url("_apis", "serviceendpoint", "endpoints", endpoint_id),
                                 params=params, body=body, api_version=SERVICE_ENDPOINT_API).body

    def share_endpoint(self, endpoint_id, references):
        self.rest.request("PATCH", self.rest.url("_apis", "serviceendpoint", "endpoints", endpoint_id),
                          body=references, api_version=SERVICE_ENDPOINT_API, ok=(200, 204), safe=True)

    def delete_endpoint(self, endpoint_id, project_ids, deep=False):
        params = {"projectIds": ",".join(project_ids), "deep": "true" if deep else None}
        self.rest.request("DELETE", self.rest.url("_apis", "serviceendpoint", "endpoints", endpoint_id),
                          params=params, api_version=SERVICE_ENDPOINT_API, ok=(200, 204), not_found_ok=True)

    # -------------------------------------------------------------- pipelines
    def pipelines(self, project_id):
        return self.rest.collect(self.rest.url(project_id, "_apis", "pipelines"), api_version=API)

    def pipeline_permissions(self, project_id, resource_type, resource_id):
        return self.rest.get(self.rest.url(project_id, "_apis", "pipelines", "pipelinepermissions", resource_type,
                                           resource_id), api_version=PREVIEW_API) or {}

    def update_pipeline_permissions(self, project_id, resource_type, resource_id, body):
        return self.rest.request("PATCH", self.rest.url(project_id, "_apis", "pipelines", "pipelinepermissions",
                                                        resource_type, resource_id), body=body,
                                 api_version=PREVIEW_API, safe=True).body or {}

    # -------------------------------------------------------------- identities and entitlements
    # Graph (vssps) knows which Entra service principals are in the organization; entitlements (vsaex)
    # carry their access level and project groups. Entitlement URLs take the Azure DevOps id (the
    # subject's storage key), never the Entra object id (docs/service-behaviour.md#the-entitlement-id-is-the-storage-key).
    # The entitlements API has no list operation, so a principal is found through the Graph list and its
    # storage key (docs/service-behaviour.md#graph-subjects-and-entitlements).
    def graph_service_principals(self):
        """Every Graph service principal of the organization, page after page.

        A page may be empty while a continuation token remains
        (docs/service-behaviour.md#paging-with-continuation-tokens-and-empty-pages), so paging stops only
        when the service sends no token; callers may stop early.
        """
        return self.vssps.paged(self.vssps.url("_apis", "graph", "serviceprincipals"), api_version=PREVIEW_API)

    def storage_key(self, descriptor):
        """The Azure DevOps id of a subject descriptor (``GET graph/storagekeys``), or ``None`` on 404."""
        body = self.vssps.get(self.vssps.url("_apis", "graph", "storagekeys", descriptor), api_version=API,
                              not_found_ok=True)
        return (body or {}).get("value") or None

    def add_service_principal_entitlement(self, body):
        """POST: the answer is HTTP 200 even when refused, so the body is checked (:func:`failed_entitlement`).
        Not resent after an ambiguous failure; a rerun finds what an unanswered attempt added."""
        return failed_entitlement(self.vsaex.request("POST", self.vsaex.url("_apis", "serviceprincipalentitlements"),
                                                     body=body, api_version=PREVIEW_API).body)

    def service_principal_entitlement(self, entitlement_id):
        return self.vsaex.get(self.vsaex.url("_apis", "serviceprincipalentitlements", entitlement_id),
                              api_version=PREVIEW_API, not_found_ok=True)

    def update_service_principal_entitlement(self, entitlement_id, operations):
        """PATCH with a JSON Patch document (the spec's only accepted media type for it); checked like the POST."""
        return failed_entitlement(self.vsaex.request(
            "PATCH", self.vsaex.url("_apis", "serviceprincipalentitlements", entitlement_id), body=operations,
            api_version=PREVIEW_API, safe=True, headers={"Content-Type": JSON_PATCH}).body)

    def delete_graph_service_principal(self, descriptor):
        """DELETE a Graph subject that has no entitlement (added through Graph only). Gone (404) counts as done."""
        self.vssps.request("DELETE", self.vssps.url("_apis", "graph", "serviceprincipals", descriptor),
                           api_version=PREVIEW_API, ok=(200, 204), not_found_ok=True)

    def delete_service_principal_entitlement(self, entitlement_id):
        """DELETE: the service principal leaves the organization. Already gone (404) counts as done."""
        self.vsaex.request("DELETE", self.vsaex.url("_apis", "serviceprincipalentitlements", entitlement_id),
                           api_version=PREVIEW_API, ok=(200, 204), not_found_ok=True)


def failed_entitlement(body):
    """Entitlement writes answer HTTP 200 with ``isSuccess: false`` and the errors in the body (the POST in
    ``operationResult``, the PATCH per operation in ``operationResults``); raise those as one ApiError."""
    body = body or {}
    results = [r for r in [body.get("operationResult")] + list(body.get("operationResults") or [])
               if isinstance(r, dict)]
    if body.get("isSuccess") is False or any(r.get("isSuccess") is False for r in results):
        errors = []
        for result in results:
            for error in result.get("errors") or []:
                errors.append("%s" % (error.get("value") if isinstance(error, dict) else error))
        raise ApiError("; ".join(errors) or "the change was refused without details", status=200,
                       code="EntitlementFailed", body=body)
    return body


def descriptor_key(descriptor):
    """The GUID a subject descriptor (``aadsp.<base64url>``) encodes, or ``None``.

    Not always the storage key: in the spec's examples it differs from the entitlement id, so it is
    only a candidate that a caller must confirm (see ``azdo_service_principal``).
    """
    prefix, dot, encoded = (descriptor or "").partition(".")
    if not dot or not encoded or not prefix:
        return None
    try:
        text = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    return text.lower() if is_guid(text) else None


# accountLicenseType -> the access level's name in the Users page
# (docs/service-behaviour.md#access-levels-express-may-come-back-as-earlyadopter)
ACCESS_LEVEL_NAMES = {"express": "basic", "stakeholder": "stakeholder", "advanced": "basic_test_plans",
                      "professional": "visual_studio_subscriber", "earlyAdopter": "early_adopter", "none": "none"}
# groupType -> the project group's short name (the GroupType values, same section)
GROUP_NAMES = {"projectReader": "reader", "projectContributor": "contributor",
               "projectAdministrator": "administrator", "projectStakeholder": "stakeholder"}


def normalize_entitlement(body):
    """A ServicePrincipalEntitlement as the collection returns it; ``None`` for nothing."""
    if not body:
        return None
    principal = body.get("servicePrincipal") or {}
    access = body.get("accessLevel") or {}
    license_type = access.get("accountLicenseType")
    projects = []
    for item in body.get("projectEntitlements") or []:
        ref, group = item.get("projectRef") or {}, item.get("group") or {}
        group_type = group.get("groupType")
        projects.append(dict(project_id=(ref.get("id") or "").lower() or None, project_name=ref.get("name"),
                             group=GROUP_NAMES.get(group_type, group_type), group_type=group_type,
                             inherited=item.get("projectPermissionInherited") == "inherited"))
    projects.sort(key=lambda p: ((p["project_name"] or "").lower(), p["project_id"] or ""))
    return dict(id=(body.get("id") or "").lower() or None, descriptor=principal.get("descriptor"),
                origin_id=(principal.get("originId") or "").lower() or None, origin=principal.get("origin"),
                application_id=principal.get("applicationId"), display_name=principal.get("displayName"),
                access_level=ACCESS_LEVEL_NAMES.get(license_type, license_type), account_license_type=license_type,
                license_display_name=access.get("licenseDisplayName"), status=access.get("status"),
                project_entitlements=projects)


def entitlement_of_answer(body):
    """The entitlement in a POST or PATCH answer (``servicePrincipalEntitlement``, else the operation result)."""
    body = body or {}
    found = body.get("servicePrincipalEntitlement")
    if not found:
        results = [body.get("operationResult")] + list(body.get("operationResults") or [])
        for result in results:
            if isinstance(result, dict) and result.get("result"):
                found = result["result"]
                break
    return found


def answer_id(body):
    body = body or {}
    for result in [body.get("operationResult")] + list(body.get("operationResults") or []):
        if isinstance(result, dict) and result.get("servicePrincipalId"):
            return result["servicePrincipalId"]
    return None
