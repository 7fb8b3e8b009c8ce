# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An app registration (Microsoft Graph ``application``), its service principal and a labelled client secret.

The desired-state logic of ``app_registration``. A new secret's value is returned once, as ``secret_text``, and
only to a task that is ``no_log``: Ansible can hide a result only when the task says so (a module cannot), so
creating or rotating a secret in a visible task is refused before any write.
"""

from __future__ import annotations

import datetime

from ansible_collections.azdo.identity.plugins.module_utils._graph import LAG_TIMEOUT, normalize_application, normalize_password
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError, failing_to


def _find(graph, params):
    if params["unique_name"]:
        app = graph.application_by_unique_name(params["unique_name"])
        if app is not None:
            return app
        if params["display_name"]:
            unkeyed = [a for a in graph.applications_by_display_name(params["display_name"]) if not a.get("uniqueName")]
            if unkeyed and params["state"] == "present":
                raise InputError(
                    "No app has unique_name '%s', but %d app(s) named '%s' exist without a uniqueName (appId %s). "
                    "Creating another would duplicate it: drop unique_name to manage it by display_name, or rename or "
                    "delete it first." % (params["unique_name"], len(unkeyed), params["display_name"],
                                          ", ".join(a.get("appId") for a in unkeyed)))
        return None
    found = graph.applications_by_display_name(params["display_name"])
    if len(found) > 1:
        raise InputError("%d app registrations are named '%s' (appId %s); set unique_name, or make the name unique"
                         % (len(found), params["display_name"], ", ".join(a.get("appId") for a in found)))
    return found[0] if found else None


def _end_date(secret):
    if secret.get("end_date_time"):
        return secret["end_date_time"]
    if secret.get("valid_days"):
        when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=secret["valid_days"])
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _validate(params):
    if params["state"] == "present" and not params["display_name"] and not params["unique_name"]:
        return "display_name is required with state=present (or give unique_name of an existing app)"
    if params["state"] == "absent" and not params["display_name"] and not params["unique_name"]:
        return "display_name or unique_name is required to find the app to delete"
    secret = params["client_secret"]
    if secret:
        if secret.get("end_date_time") and secret.get("valid_days"):
            return "client_secret.end_date_time and client_secret.valid_days are mutually exclusive"
        if secret.get("valid_days") is not None and secret["valid_days"] <= 0:
            return "client_secret.valid_days must be a positive number of days; got %s" % secret["valid_days"]
        if secret.get("end_date_time"):
            try:
                datetime.datetime.fromisoformat(secret["end_date_time"].replace("Z", "+00:00"))
            except ValueError:
                return ("client_secret.end_date_time must be an ISO 8601 date-time such as 2027-06-30T00:00:00Z; got "
                        "'%s'" % secret["end_date_time"])
    return None


def _public(app, service_principal_id, secret_meta):
    if not app:
        return {}
    out = dict((k, v) for k, v in app.items() if k != "passwords")
    out["service_principal_id"] = service_principal_id
    if secret_meta is not None:
        out["client_secret"] = secret_meta
    return out


def _adds_secret(app, secret):
    """Whether the run adds a client secret: the app has none with that label yet, or rotation is asked for."""
    if secret["rotate"] or app is None:
        return True
    return not any(p.get("display_name") == secret["display_name"] for p in app["passwords"])


def _secret_meta(cred):
    meta = normalize_password(cred) if "keyId" in cred else dict(cred)
    return dict((k, meta.get(k)) for k in ("key_id", "display_name", "hint", "end_date_time"))


def ensure(ctx, params, hidden):
    """Make the app registration match ``params``; ``hidden`` says whether the task is ``no_log``.

    Returns ``dict(changed, before, after)``, plus ``removed`` when deleted and ``secret_text`` when a secret was made.
    """
    problem = _validate(params)
    if problem:
        raise InputError(problem)
    graph = ctx.clients.graph
    label = params["unique_name"] or params["display_name"]
    with failing_to("look up", "app registration '%s'" % label):
        body = _find(graph, params)
    app = normalize_application(body)

    if params["state"] == "absent":
        if app is None:
            return dict(changed=False, before={}, after={})
        with failing_to("read", "the service principal of app %s" % app["app_id"]):
            sp = graph.service_principal_by_app_id(app["app_id"])
        before = _public(app, sp and sp.get("id"), None)
        if not ctx.check_mode:
            with failing_to("delete", "app registration %s (%s)" % (app["display_name"], app["app_id"])):
                graph.delete_application(app["object_id"])
        return dict(changed=True, before=before, after={}, removed=before)

    secret = params["client_secret"]
    if secret and not hidden and _adds_secret(app, secret):
        # Ansible shows a module's result at -v, in --diff-less callbacks and in AWX job events unless the
        # task itself is no_log; a result key cannot hide it (ansible-core strips _ansible_no_log from results).
        raise InputError(
            "This task would create client secret '%s' and return its value, but the task is not no_log, so the value "
            "would appear in the output, in logs and in AWX job events. Add 'no_log: true' to the task (register the "
            "result and pass secret_text on to where it is stored), then run it again. Nothing was changed."
            % secret["display_name"])

    changed = False
    before = None
    desired = {"displayName": params["display_name"] or (app or {}).get("display_name"),
               "signInAudience": params["sign_in_audience"]}
    if app is None:
        changed = True
        if ctx.check_mode:
            app = dict(object_id=None, app_id=None, display_name=desired["displayName"],
                       unique_name=params["unique_name"], sign_in_audience=params["sign_in_audience"], passwords=[])
        else:
            with failing_to("create", "app registration '%s'" % label):
                if params["unique_name"]:
                    status, created = graph.upsert_application(params["unique_name"], desired)
                    if status != 201 or not created:
                        created = graph.application_by_unique_name(params["unique_name"])
                else:
                    created = graph.create_application(desired)
            app = normalize_application(created)
    else:
        updates = {}
        if desired["displayName"] != app["display_name"]:
            updates["displayName"] = desired["displayName"]
        if desired["signInAudience"] != app["sign_in_audience"]:
            updates["signInAudience"] = desired["signInAudience"]
        if updates:
            changed = True
            if not ctx.check_mode:
                with failing_to("update", "app registration %s" % app["app_id"]):
                    graph.update_application(app["object_id"], updates)
            app = dict(app, display_name=desired["displayName"], sign_in_audience=desired["signInAudience"])

    sp_id = None
    if app["app_id"]:
        with failing_to("read", "the service principal of app %s" % app["app_id"]):
            sp = graph.service_principal_by_app_id(app["app_id"])
        sp_id = sp and sp.get("id")
    before_sp = sp_id
    if params["service_principal"] and sp_id is None:
        changed = True
        if not ctx.check_mode:
            with failing_to("create", "the service principal of app %s" % app["app_id"]):
                sp_id = graph.create_service_principal(app["app_id"], ctx.deadline(LAG_TIMEOUT))["id"]

    secret_meta, secret_text = None, None
    if secret:
        same_label = [p for p in app["passwords"] if p.get("display_name") == secret["display_name"]]
        if same_label and not secret["rotate"]:
            secret_meta = _secret_meta(same_label[-1])
        else:
            changed = True
            if ctx.check_mode:
                secret_meta = dict(key_id=None, display_name=secret["display_name"], hint=None,
                                   end_date_time=_end_date(secret))
            else:
                credential = {"displayName": secret["display_name"]}
                if _end_date(secret):
                    credential["endDateTime"] = _end_date(secret)
                with failing_to("add", "client secret '%s' to app %s" % (secret["display_name"], app["app_id"])):
                    added = graph.add_password(app["object_id"], credential)
                secret_text = added.get("secretText")
                secret_meta = _secret_meta(added)
                for old in same_label:
                    with failing_to("remove", "old client secret %s of app %s" % (old["key_id"], app["app_id"])):
                        graph.remove_password(app["object_id"], old["key_id"])

    before = _public(normalize_application(body), before_sp, None) if body else {}
    after = _public(app, sp_id, secret_meta)
    result = dict(changed=changed, before=before, after=after)
    if secret_text:
        # Returned once for the caller to store; the task is no_log (checked above), so Ansible hides the result.
        result["secret_text"] = secret_text
    return result
