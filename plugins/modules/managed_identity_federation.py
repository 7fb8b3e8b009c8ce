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
      - Seconds to wait, in total, for other tasks of this controller writing to the same identity and to retry
        HTTP 409. Both waits draw from this one budget.
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

from ansible_collections.azdo.identity.plugins.module_utils._federation import ARGUMENT_SPEC, ensure
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule


def run(module):
    result = ensure(module.context(), module.params)
    module.exit(result["changed"], "federated_credential", after=result["after"], before=result["before"])


def main():
    module = AzureModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[("identity", "application")],
        required_one_of=[("identity", "application")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
