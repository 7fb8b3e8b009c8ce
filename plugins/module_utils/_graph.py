# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A thin Microsoft Graph v1.0 client: applications, service principals, passwords, federated credentials.

URLs, alternate keys and normalizers only; desired-state logic lives in the modules and in
``_federation.py``. Graph lags behind its own writes for a short while (an app just created may
not be found by the next call), so the few calls that follow a create retry those answers.
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._url import odata_quote
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline, retry

GRAPH_VERSION = "v1.0"
# How long to retry the answers Graph gives while a write has not reached every replica yet
# (docs/service-behaviour.md#reads-lag-behind-writes).
LAG_TIMEOUT = 120.0


def key_segment(collection, key, value):
    """``applications(appId='...')``: an alternate-key segment, quoted as one path segment."""
    return "%s(%s=%s)" % (collection, key, odata_quote(value))


def is_replication_lag(exc):
    """A 404 for an object just written, or the service principal create that cannot see its new app yet."""
    if exc.status == 404 and exc.has_code("Request_ResourceNotFound"):
        return True
    return exc.status == 400 and "does not reference a valid application object" in (exc.message or "")


def normalize_password(cred):
    return dict(key_id=cred.get("keyId"), display_name=cred.get("displayName"), hint=cred.get("hint"),
                start_date_time=cred.get("startDateTime"), end_date_time=cred.get("endDateTime"))


def normalize_application(body):
    if not body:
        return None
    return dict(
        object_id=body.get("id"), app_id=body.get("appId"), display_name=body.get("displayName"),
        unique_name=body.get("uniqueName"), sign_in_audience=body.get("signInAudience"),
        passwords=[normalize_password(c) for c in body.get("passwordCredentials") or []],
    )


def normalize_fic(body):
    if not body:
        return None
    return dict(id=body.get("id"), name=body.get("name"), issuer=body.get("issuer"), subject=body.get("subject"),
                audiences=list(body.get("audiences") or []), description=body.get("description"))


class GraphClient(object):
    """Graph calls over one :class:`RestClient` whose base URL is ``{graph}/v1.0``."""

    def __init__(self, rest):
        self.rest = rest

    # -------------------------------------------------------------- any object
    def directory_object(self, object_id):
        """``GET /directoryObjects/{id}``: any object, with its ``@odata.type``; ``None`` when unknown."""
        return self.rest.get(self.rest.url("directoryObjects", object_id), not_found_ok=True)

    # -------------------------------------------------------------- applications
    def application(self, object_id):
        return self.rest.get(self.rest.url("applications", object_id), not_found_ok=True)

    def application_by_app_id(self, app_id):
        return self.rest.get(self.rest.url(key_segment("applications", "appId", app_id)), not_found_ok=True)

    def application_by_unique_name(self, unique_name):
        return self.rest.get(self.rest.url(key_segment("applications", "uniqueName", unique_name)), not_found_ok=True)

    def applications_by_display_name(self, display_name):
        params = {"$filter": "displayName eq %s" % odata_quote(display_name)}
        return list(self.rest.paged(self.rest.url("applications"), params=params))

    def create_application(self, body):
        """POST /applications: not idempotent, so never resent after an ambiguous failure."""
        return self.rest.request("POST", self.rest.url("applications"), body=body, ok=(201,)).body

    def upsert_application(self, unique_name, body):
        """PATCH by the ``uniqueName`` alternate key with ``Prefer: create-if-missing``: 201 + body when it
        created the app, 204 when it updated one. Idempotent, so safe to resend."""
        response = self.rest.request("PATCH", self.rest.url(key_segment("applications", "uniqueName", unique_name)),
                                     body=body, ok=(200, 201, 204), safe=True,
                                     headers={"Prefer": "create-if-missing"})
        return response.status, response.body

    def update_application(self, object_id, body):
        self.rest.request("PATCH", self.rest.url("applications", object_id), body=body, ok=(200, 204), safe=True)

    def delete_application(self, object_id):
        self.rest.request("DELETE", self.rest.url("applications", object_id), ok=(200, 204), not_found_ok=True)

    # -------------------------------------------------------------- service principals
    def service_principal_by_app_id(self, app_id):
        return self.rest.get(self.rest.url(key_segment("servicePrincipals", "appId", app_id)), not_found_ok=True)

    def create_service_principal(self, app_id, deadline=None):
        """POST the app's service principal, waiting out Graph's replication lag within ``deadline`` (default: a
        budget of ``LAG_TIMEOUT`` seconds on the REST client's clock)."""
        def call():
            return self.rest.request("POST", self.rest.url("servicePrincipals"), body={"appId": app_id},
                                     ok=(201,)).body

        if deadline is None:
            deadline = Deadline(LAG_TIMEOUT, clock=self.rest.policy.clock, sleep=self.rest.policy.sleep)
        try:
            return retry(call, is_replication_lag, deadline,
                         "Microsoft Graph does not see application %s yet" % app_id, cap=15.0)
        except ApiError as exc:
            if exc.status == 409 or exc.has_code("Request_MultipleObjectsWithSameKeyValue"):
                # Created by a previous attempt whose answer was lost: read it instead.
                found = self.service_principal_by_app_id(app_id)
                if found:
                    return found
            raise

    # -------------------------------------------------------------- passwords
    def add_password(self, object_id, credential):
        """POST addPassword: each call makes a new secret, so it is not resent after an ambiguous failure."""
        return self.rest.request("POST", self.rest.url("applications", object_id, "addPassword"),
                                 body={"passwordCredential": credential}, ok=(200,)).body

    def remove_password(self, object_id, key_id):
        """POST removePassword. Resending it is safe, but when an earlier attempt's answer was lost the resend is
        refused (the key is gone); that outcome is success, so check before reporting an error."""
        try:
            self.rest.request("POST", self.rest.url("applications", object_id, "removePassword"), body={"keyId": key_id},
                              ok=(200, 204), safe=True)
        except ApiError as exc:
            if exc.status in (400, 404):
                app = self.application(object_id)
                if app is not None and all(c.get("keyId") != key_id for c in app.get("passwordCredentials") or []):
                    return
            raise

    # -------------------------------------------------------------- federated credentials
    def federated_credentials(self, object_id):
        return list(self.rest.paged(self.rest.url("applications", object_id, "federatedIdentityCredentials")))

    def create_federated_credential(self, object_id, body):
        return self.rest.request("POST", self.rest.url("applications", object_id, "federatedIdentityCredentials"),
                                 body=body, ok=(200, 201)).body

    def update_federated_credential(self, object_id, credential_id, body):
        self.rest.request("PATCH", self.rest.url("applications", object_id, "federatedIdentityCredentials",
                                                 credential_id), body=body, ok=(200, 204), safe=True)

    def delete_federated_credential(self, object_id, credential_id):
        self.rest.request("DELETE", self.rest.url("applications", object_id, "federatedIdentityCredentials",
                                                  credential_id), ok=(200, 204), not_found_ok=True)
