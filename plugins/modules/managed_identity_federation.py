#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: managed_identity_federation
short_description: Manage a federated identity credential on a managed identity or an app registration
version_added: 0.1.0
description:
  - Makes sure a federated identity credential with the given issuer, subject and audience exists on a
    user-assigned managed identity (O(identity)) or on an app registration (O(application)), or does not.
  - This is the trust an Azure DevOps workload identity service connection needs; pass the issuer and subject
    that Azure DevOps generated for the connection.
  - Issuer and subject are compared exactly, as Microsoft Entra ID compares them when it exchanges a token;
    an issuer with a trailing slash is a different issuer.
  - Entra allows one credential per issuer and subject on a parent. If another credential already has them
    under a different name, the task fails naming it, unless O(adopt_existing=true).
  - A parent holds at most 20 credentials; the module fails before writing a 21st.
  - Azure refuses overlapping credential writes to one managed identity (HTTP 409). Tasks on the same
    controller that write to one identity take turns through a lock file, and a 409 that still happens is
    retried, so parallel forks or loops all succeed.
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.CHECK_MODE_DIFF
options:
  identity:
    description:
      - The user-assigned managed identity, by full resource id, or by name with O(resource_group) and
        O(subscription_id).
      - Exactly one of O(identity) and O(application) is required.
    type: str
  resource_group:
    description:
      - Resource group of O(identity) when it is given by name.
    type: str
  application:
    description:
      - The app registration, by its object id or its application (client) id.
    type: str
  name:
    description:
      - Name of the credential, 3 to 120 letters, digits, C(-) and C(_), starting with a letter or digit.
        It cannot be renamed.
    type: str
    required: true
  issuer:
    description:
      - The https URL of the token issuer, for example the C(workload_identity_federation_issuer) that Azure DevOps
        returns for a service connection. Required with O(state=present).
    type: str
  subject:
    description:
      - The subject the issuer puts in its tokens, for example the C(workload_identity_federation_subject) of a
        service connection. Required with O(state=present).
    type: str
  audiences:
    description:
      - The audience of the exchanged tokens. Entra accepts exactly one.
    type: list
    elements: str
    default: [api://AzureADTokenExchange]
  adopt_existing:
    description:
      - When another credential on the parent already has this issuer and subject under a different name, report
        that one as the result instead of failing.
    type: bool
    default: false
  lock_timeout:
    description:
      - Seconds to wait for other tasks of this controller writing to the same identity and to retry HTTP 409,
        together: one budget for both waits.
    type: int
    default: 300
  state:
    description:
      - V(present) creates or updates the credential, V(absent) deletes it.
    type: str
    default: present
    choices: [present, absent]
seealso:
  - module: azdo.identity.managed_identity
  - module: azdo.identity.app_registration
  - name: Workload identity federation considerations
    description: Microsoft's rules for federated identity credentials.
    link: https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations
"""

EXAMPLES = r"""
- name: Trust an Azure DevOps service connection
  azdo.identity.managed_identity_federation:
    identity: id-pipeline-deploy
    resource_group: rg-identities
    subscription_id: "{{ subscription_id }}"
    name: azure-devops-sc-deploy
    issuer: "{{ connection.service_connection.workload_identity_federation_issuer }}"
    subject: "{{ connection.service_connection.workload_identity_federation_subject }}"

- name: The same on an app registration
  azdo.identity.managed_identity_federation:
    application: "{{ app.app_registration.app_id }}"
    name: azure-devops-sc-deploy
    issuer: "{{ issuer }}"
    subject: "{{ subject }}"
"""

RETURN = r"""
federated_credential:
  description:
    - The credential after the task; in check mode, the predicted one. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the credential (an ARM resource id, or a Graph object id for an app registration).
      type: str
      returned: success
    name:
      description: Name of the credential.
      type: str
      returned: success
    issuer:
      description: Issuer.
      type: str
      returned: success
    subject:
      description: Subject.
      type: str
      returned: success
    audiences:
      description: Audiences.
      type: list
      elements: str
      returned: success
    parent_id:
      description: Resource id of the managed identity, or object id of the app registration.
      type: str
      returned: success
    parent_type:
      description: V(managed_identity) or V(application).
      type: str
      returned: success
"""

from ansible_collections.azdo.identity.plugins.module_utils._compare import is_guid
from ansible_collections.azdo.identity.plugins.module_utils._federation import (
    FederationError, parent_lock, plan, public, validate, write_with_conflict_retry,
)
from ansible_collections.azdo.identity.plugins.module_utils._graph import normalize_fic as graph_fic
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule, ModuleFailure
from ansible_collections.azdo.identity.plugins.module_utils._msi import IdentityClient, resolve_identity


class IdentityParent(object):
    kind = "managed_identity"

    def __init__(self, module, resource_id):
        self.module = module
        self.id = resource_id
        self.client = IdentityClient(module.arm)
        self.label = "managed identity %s" % resource_id

    def credentials(self):
        found = self.client.federated_credentials(self.id)
        if found is None:
            raise ModuleFailure("The managed identity %s does not exist; create it first (azdo.identity.managed_identity)"
                                " or fix identity/resource_group/subscription_id" % self.id)
        return found

    def write(self, name, issuer, subject, audiences, current, deadline):
        return write_with_conflict_retry(
            lambda: self.client.put_federated_credential(self.id, name, issuer, subject, audiences), deadline, self.id)

    def delete(self, current, deadline):
        write_with_conflict_retry(lambda: self.client.delete_federated_credential(self.id, current["name"]), deadline,
                                  self.id)


class ApplicationParent(object):
    kind = "application"

    def __init__(self, module, reference):
        self.module = module
        self.graph = module.graph
        app = None
        if is_guid(reference):
            app = self.graph.application(reference) or self.graph.application_by_app_id(reference)
        if app is None:
            raise ModuleFailure("No app registration has object id or application id '%s'; check the application option"
                                % reference)
        self.id = app["id"]
        self.label = "app registration %s (%s)" % (app.get("displayName"), app.get("appId"))

    def credentials(self):
        return [graph_fic(item) for item in self.graph.federated_credentials(self.id)]

    def write(self, name, issuer, subject, audiences, current, deadline):
        body = {"name": name, "issuer": issuer, "subject": subject, "audiences": list(audiences)}
        if current is None:
            return graph_fic(self.graph.create_federated_credential(self.id, body))
        del body["name"]  # immutable
        self.graph.update_federated_credential(self.id, current["id"] or current["name"], body)
        return dict(current, issuer=issuer, subject=subject, audiences=list(audiences))

    def delete(self, current, deadline):
        self.graph.delete_federated_credential(self.id, current["id"] or current["name"])


def result(parent, credential):
    if not credential:
        return {}
    out = public(credential)
    out.update(parent_id=parent.id, parent_type=parent.kind)
    return out


def run(module):
    params = module.params
    audiences = params["audiences"]
    problem = validate(params["name"], params["issuer"], params["subject"], audiences, params["state"])
    if problem:
        raise ModuleFailure(problem)
    if params["lock_timeout"] <= 0:
        raise ModuleFailure("lock_timeout must be a positive number of seconds; got %s" % params["lock_timeout"])
    if params["identity"]:
        try:
            resource_id = resolve_identity(params["identity"], params["subscription_id"], params["resource_group"])
        except ValueError as exc:
            raise ModuleFailure(str(exc))
        with module.doing("read", "managed identity %s" % resource_id):
            parent = IdentityParent(module, resource_id)
    else:
        with module.doing("read", "app registration %s" % params["application"]):
            parent = ApplicationParent(module, params["application"])
    what = "federated credential '%s' on %s" % (params["name"], parent.label)

    def decide():
        with module.doing("read", "the federated credentials of %s" % parent.label):
            existing = parent.credentials()
        if params["state"] == "absent":
            current = [c for c in existing if (c["name"] or "").lower() == params["name"].lower()]
            return ("delete" if current else "none"), (current[0] if current else None)
        try:
            return plan(existing, params["name"], params["issuer"], params["subject"], audiences,
                        params["adopt_existing"])
        except FederationError as exc:
            raise ModuleFailure("Cannot create %s: %s" % (what, exc.message))

    if module.check_mode:
        action, current = decide()
        return finish(module, parent, action, current, None)
    # Decide and write under the parent's lock, so parallel tasks see each other's writes.
    deadline = module.context().deadline(params["lock_timeout"], option="lock_timeout")
    with parent_lock(parent.id, deadline):
        action, current = decide()
        after = None
        if action in ("create", "update"):
            with module.doing(action, what):
                after = parent.write(params["name"], params["issuer"], params["subject"], audiences, current, deadline)
        elif action == "delete":
            with module.doing("delete", what):
                parent.delete(current, deadline)
    return finish(module, parent, action, current, after)


def finish(module, parent, action, current, after):
    params = module.params
    if action in ("none", "adopt"):
        module.exit(False, "federated_credential", after=result(parent, current), before=result(parent, current))
    if action == "delete":
        module.exit(True, "federated_credential", after={}, before=result(parent, current))
    if after is None:  # check mode: the prediction
        after = dict(current or {}, name=(current or {}).get("name") or params["name"], issuer=params["issuer"],
                     subject=params["subject"], audiences=list(params["audiences"]))
        after.setdefault("id", None)
    module.exit(True, "federated_credential", after=result(parent, after), before=result(parent, current))


def main():
    module = AzureModule(
        argument_spec=dict(
            identity=dict(type="str"),
            resource_group=dict(type="str"),
            application=dict(type="str"),
            name=dict(type="str", required=True),
            issuer=dict(type="str"),
            subject=dict(type="str"),
            audiences=dict(type="list", elements="str", default=["api://AzureADTokenExchange"]),
            adopt_existing=dict(type="bool", default=False),
            lock_timeout=dict(type="int", default=300),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        mutually_exclusive=[("identity", "application")],
        required_one_of=[("identity", "application")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
