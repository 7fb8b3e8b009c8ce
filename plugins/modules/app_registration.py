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
  - A task that would add a secret must set C(no_log) to true, because Ansible shows a task's result (at C(-v), in
    callbacks and in AWX / ansible-runner job events and artifacts) unless the task itself is hidden. Without
    C(no_log), such a task fails before any change, in check mode too, naming the fix. A task that only finds
    an existing secret's metadata returns no secret and needs no C(no_log).
  - With C(no_log) set to true, register the result and pass RV(secret_text) straight on (for example to
    M(azdo.identity.azdo_service_connection)'s O(azdo.identity.azdo_service_connection#module:service_principal_secret),
    which is itself C(no_log)), or store it in a vault. Do not print it with M(ansible.builtin.debug) or
    keep it with M(ansible.builtin.set_fact) in a task that is not C(no_log).
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.CHECK_MODE_DIFF
options:
  organization_url:
    description:
      - Ignored by this module, which does not talk to Azure DevOps. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  organization:
    description:
      - Ignored by this module, which does not talk to Azure DevOps. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  personal_access_token:
    description:
      - Ignored by this module, which does not talk to Azure DevOps. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
  subscription_id:
    description:
      - Ignored by this module, which manages a directory object, not a subscription's resources. Accepted so that C(module_defaults) for
        C(group/azdo.identity.all) can set it for every module of the collection.
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
    - The value of the client secret created by this run. Only in the run that created it, and only for a task
      with C(no_log) set to true (the module refuses otherwise).
  returned: when a secret was created
  type: str
removed:
  description: What O(state=absent) deleted.
  returned: when an app was deleted
  type: dict
"""

from ansible_collections.azdo.identity.plugins.module_utils._app_registration import ensure
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule


def run(module):
    result = ensure(module.context(), module.params, hidden=module.module.no_log)
    extra = dict((key, result[key]) for key in ("removed", "secret_text") if key in result)
    module.exit(result["changed"], "app_registration", after=result["after"], before=result["before"], **extra)


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
