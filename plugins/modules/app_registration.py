#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_registration
short_description: Manage a Microsoft Entra app registration, its service principal and a client secret
version_added: 0.1.0
description:
  - Makes sure an app registration exists in Microsoft Entra ID (through Microsoft Graph) with its service
    principal, and optionally a client secret; or that it does not exist.
  - An app is found by O(unique_name) when given, otherwise by O(display_name). Display names are not unique
    in Entra, so without O(unique_name) two apps with the same display name make the task fail rather than
    guess. With O(unique_name) (Graph's C(uniqueName) alternate key, set once when the app is created), the
    app is created with an idempotent upsert, can be renamed through O(display_name), and a retried or
    repeated run never makes a second app.
  - A client secret is added only when the app has none with O(client_secret.display_name), or when
    O(client_secret.rotate=true). Its value is returned once, in the run that created it, in RV(secret_text),
    and never appears in the diff.
  - "A task that would add a secret must be C(no_log: true), because Ansible shows a task's result (at C(-v), in
    callbacks and in AWX / ansible-runner job events and artifacts) unless the task itself is hidden. Without
    C(no_log), such a task fails before any change, in check mode too, naming the fix. A task that only finds
    an existing secret's metadata returns no secret and needs no C(no_log)."
  - "With C(no_log: true), register the result and pass RV(secret_text) straight on (for example to
    M(azdo.identity.azdo_service_connection)'s O(azdo.identity.azdo_service_connection#module:service_principal_secret),
    which is itself C(no_log)), or store it in a vault. Do not print it with M(ansible.builtin.debug) or
    keep it with M(ansible.builtin.set_fact) in a task that is not C(no_log)."
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.CHECK_MODE_DIFF
options:
  display_name:
    description:
      - Display name of the app. Required with O(state=present) unless O(unique_name) finds an existing app.
    type: str
  unique_name:
    description:
      - A stable key for the app (Graph's C(uniqueName)). Recommended for automation. It cannot be changed once
        set. An app that already exists without one is not matched by it.
    type: str
  sign_in_audience:
    description:
      - Who may sign in. Keep the default for workload identity federation with the Microsoft Entra issuer,
        which refuses multitenant apps.
    type: str
    default: AzureADMyOrg
    choices: [AzureADMyOrg, AzureADMultipleOrgs, AzureADandPersonalMicrosoftAccount, PersonalMicrosoftAccount]
  service_principal:
    description:
      - Make sure the app has a service principal in the tenant (needed for role assignments and sign-in).
    type: bool
    default: true
  client_secret:
    description:
      - A client secret to make sure of.
    type: dict
    suboptions:
      display_name:
        description:
          - Label of the secret; a secret with this label is the one this task manages.
        type: str
        required: true
      end_date_time:
        description:
          - When a new secret expires, as an ISO 8601 date-time. Mutually exclusive with O(client_secret.valid_days).
        type: str
      valid_days:
        description:
          - Days until a new secret expires. Without this or O(client_secret.end_date_time), Graph's default
            (two years) applies.
        type: int
      rotate:
        description:
          - Add a new secret even when one with the label exists, then remove the old ones with that label.
        type: bool
        default: false
  state:
    description:
      - V(present) creates or updates the app, V(absent) deletes it (and with it its service principal).
    type: str
    default: present
    choices: [present, absent]
seealso:
  - module: azdo.identity.managed_identity_federation
  - name: Upsert application
    description: Graph's create-or-update by uniqueName.
    link: https://learn.microsoft.com/graph/api/application-upsert
"""

EXAMPLES = r"""
- name: An app for a workload identity service connection
  azdo.identity.app_registration:
    display_name: sc-deploy-prod
    unique_name: sc-deploy-prod
  register: app

- name: An app with a client secret (secret-based service connection)
  azdo.identity.app_registration:
    display_name: sc-legacy
    unique_name: sc-legacy
    client_secret:
      display_name: azure-devops
      valid_days: 180
  register: legacy
  no_log: true

- name: Rotate the secret (a new value is returned, so the task is no_log too)
  azdo.identity.app_registration:
    display_name: sc-legacy
    unique_name: sc-legacy
    client_secret:
      display_name: azure-devops
      rotate: true
  register: rotated
  no_log: true

- name: Hand the new value to the service connection (its secret option is no_log)
  azdo.identity.azdo_service_connection:
    project: platform
    name: sc-legacy
    scheme: service_principal
    identity_client_id: "{{ rotated.app_registration.app_id }}"
    service_principal_secret: "{{ rotated.secret_text }}"
    rotate_secret: true
    subscription_id: 00000000-0000-0000-0000-000000000000
  when: rotated.secret_text is defined
"""

RETURN = r"""
app_registration:
  description:
    - The app after the task; in check mode, the predicted one. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    object_id:
      description: Object id of the application.
      type: str
      returned: success
    app_id:
      description: Application (client) id.
      type: str
      returned: success
    display_name:
      description: Display name.
      type: str
      returned: success
    unique_name:
      description: The uniqueName key, if set.
      type: str
      returned: success
    sign_in_audience:
      description: Sign-in audience.
      type: str
      returned: success
    service_principal_id:
      description: Object id of the app's service principal, for role assignments and Azure DevOps.
      type: str
      returned: success
    client_secret:
      description: Metadata of the managed client secret (never its value).
      type: dict
      returned: when O(client_secret) is set
      contains:
        key_id:
          description: Key id of the secret.
          type: str
        display_name:
          description: Label.
          type: str
        hint:
          description: First characters of the secret, as Graph reports them.
          type: str
        end_date_time:
          description: Expiry.
          type: str
secret_text:
  description:
    - "The value of the client secret created by this run. Only in the run that created it, and only for a task
      with C(no_log: true) (the module refuses otherwise)."
  returned: when a secret was created
  type: str
removed:
  description: What O(state=absent) deleted.
  returned: when an app was deleted
  type: dict
"""

import datetime

from ansible_collections.azdo.identity.plugins.module_utils._graph import normalize_application, normalize_password
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule, ModuleFailure


def _find(module, graph):
    params = module.params
    if params["unique_name"]:
        app = graph.application_by_unique_name(params["unique_name"])
        if app is not None:
            return app
        if params["display_name"]:
            unkeyed = [a for a in graph.applications_by_display_name(params["display_name"]) if not a.get("uniqueName")]
            if unkeyed and params["state"] == "present":
                raise ModuleFailure(
                    "No app has unique_name '%s', but %d app(s) named '%s' exist without a uniqueName (appId %s). "
                    "Creating another would duplicate it: drop unique_name to manage it by display_name, or rename or "
                    "delete it first." % (params["unique_name"], len(unkeyed), params["display_name"],
                                          ", ".join(a.get("appId") for a in unkeyed)))
        return None
    found = graph.applications_by_display_name(params["display_name"])
    if len(found) > 1:
        raise ModuleFailure("%d app registrations are named '%s' (appId %s); set unique_name, or make the name unique"
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


def run(module):
    params = module.params
    problem = _validate(params)
    if problem:
        raise ModuleFailure(problem)
    graph = module.graph
    label = params["unique_name"] or params["display_name"]
    with module.doing("look up", "app registration '%s'" % label):
        body = _find(module, graph)
    app = normalize_application(body)

    if params["state"] == "absent":
        if app is None:
            module.exit(False, "app_registration", after={}, before={})
        with module.doing("read", "the service principal of app %s" % app["app_id"]):
            sp = graph.service_principal_by_app_id(app["app_id"])
        before = _public(app, sp and sp.get("id"), None)
        if not module.check_mode:
            with module.doing("delete", "app registration %s (%s)" % (app["display_name"], app["app_id"])):
                graph.delete_application(app["object_id"])
        module.exit(True, "app_registration", after={}, before=before, removed=before)

    secret = params["client_secret"]
    if secret and not module.module.no_log and _adds_secret(app, secret):
        # Ansible shows a module's result at -v, in --diff-less callbacks and in AWX job events unless the
        # task itself is no_log; a result key cannot hide it (ansible-core strips _ansible_no_log from results).
        raise ModuleFailure(
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
        if module.check_mode:
            app = dict(object_id=None, app_id=None, display_name=desired["displayName"],
                       unique_name=params["unique_name"], sign_in_audience=params["sign_in_audience"], passwords=[])
        else:
            with module.doing("create", "app registration '%s'" % label):
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
            if not module.check_mode:
                with module.doing("update", "app registration %s" % app["app_id"]):
                    graph.update_application(app["object_id"], updates)
            app = dict(app, display_name=desired["displayName"], sign_in_audience=desired["signInAudience"])

    sp_id = None
    if app["app_id"]:
        with module.doing("read", "the service principal of app %s" % app["app_id"]):
            sp = graph.service_principal_by_app_id(app["app_id"])
        sp_id = sp and sp.get("id")
    before_sp = sp_id
    if params["service_principal"] and sp_id is None:
        changed = True
        if not module.check_mode:
            with module.doing("create", "the service principal of app %s" % app["app_id"]):
                sp_id = graph.create_service_principal(app["app_id"], module.progress)["id"]

    secret_meta, secret_text = None, None
    if secret:
        same_label = [p for p in app["passwords"] if p.get("display_name") == secret["display_name"]]
        if same_label and not secret["rotate"]:
            secret_meta = _secret_meta(same_label[-1])
        else:
            changed = True
            if module.check_mode:
                secret_meta = dict(key_id=None, display_name=secret["display_name"], hint=None,
                                   end_date_time=_end_date(secret))
            else:
                credential = {"displayName": secret["display_name"]}
                if _end_date(secret):
                    credential["endDateTime"] = _end_date(secret)
                with module.doing("add", "client secret '%s' to app %s" % (secret["display_name"], app["app_id"])):
                    added = graph.add_password(app["object_id"], credential)
                secret_text = added.get("secretText")
                secret_meta = _secret_meta(added)
                for old in same_label:
                    with module.doing("remove", "old client secret %s of app %s" % (old["key_id"], app["app_id"])):
                        graph.remove_password(app["object_id"], old["key_id"])

    before = _public(normalize_application(body), before_sp, None) if body else {}
    after = _public(app, sp_id, secret_meta)
    extra = {}
    if secret_text:
        # Returned once for the caller to store; the task is no_log (checked above), so Ansible hides the result.
        extra = dict(secret_text=secret_text)
    module.exit(changed, "app_registration", after=after, before=before, **extra)


def main():
    module = AzureModule(
        argument_spec=dict(
            display_name=dict(type="str"),
            unique_name=dict(type="str"),
            sign_in_audience=dict(type="str", default="AzureADMyOrg",
                                  choices=["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount",
                                           "PersonalMicrosoftAccount"]),
            service_principal=dict(type="bool", default=True),
            client_secret=dict(type="dict", no_log=False, options=dict(
                display_name=dict(type="str", required=True),
                end_date_time=dict(type="str"),
                valid_days=dict(type="int"),
                rotate=dict(type="bool", default=False),
            )),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
    )
    module.run(run)


if __name__ == "__main__":
    main()
