#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: azdo_service_connection_issuer
short_description: Move a workload identity service connection to the Microsoft Entra issuer, in place
version_added: 0.1.0
description:
  - Makes an existing workload identity federation service connection of any type (Azure Resource Manager,
    Docker registry, types from extensions) use the Microsoft Entra issuer
    (C(https://login.microsoftonline.com/<tenant>/v2.0)) instead of the Azure DevOps issuer
    (C(https://vstoken.dev.azure.com/<organization id>)), which stops working on 2027-07-01.
  - The connection keeps its id, so pipelines, approvals and checks keep working. Azure DevOps generates the new
    issuer and subject; the identity behind the connection (a user-assigned managed identity through Azure
    Resource Manager, or an app registration through Microsoft Graph, found from the connection's client id)
    gets a federated credential with exactly those, then the connection is verified again. The task ends with the
    connection ready, or fails quoting Azure DevOps.
  - When this caller cannot add the credential (the identity is in another tenant, or the caller may not write
    it), the result is a hand-off (RV(handoff)) with the issuer, subject and audience for the identity's owner,
    and a warning; nothing else is changed. Run the task again once the owner has added the credential.
  - Out of scope, reported with the reason (RV(reason)) and never written - connections that already use the
    Entra issuer, that do not use workload identity federation, that connect to a cloud other than Azure public
    cloud, or whose app registration is multitenant.
  - The credential for the Azure DevOps issuer stays on the identity unless O(remove_legacy_credential=true),
    and is only removed after the converted connection is verified.
  - The REST request that converts a connection is not published; the module tries the forms listed in the
    collection's C(docs/issuer-migration.md) and returns the one that worked (RV(conversion_form)), which later
    tasks can pass in O(conversion_form).
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.CHECK_MODE_DIFF
options:
  subscription_id:
    description:
      - Ignored by this module, which works on existing connections of any type. Accepted so that
        C(module_defaults) for C(group/azdo.identity.all) can set it for every module of the collection.
  project:
    description:
      - The project of the connection, by name or id.
    type: str
    required: true
  name:
    description:
      - The connection's name. One of O(name) and O(id) is required.
    type: str
  id:
    description:
      - The connection's id.
    type: str
  issuer:
    description:
      - The issuer the connection should use. Only V(entra) is supported; moving back is not offered by Azure DevOps.
    type: str
    choices: [entra]
    default: entra
  conversion_form:
    description:
      - The form of the conversion request to send (see C(docs/issuer-migration.md)). By default the module tries
        V(issuer_type), then V(operation), and returns the one Azure DevOps took.
    type: str
    choices: [issuer_type, operation, save]
  remove_legacy_credential:
    description:
      - Remove the identity's federated credential for the Azure DevOps issuer and the connection's old subject
        once the converted connection is verified ready.
    type: bool
    default: false
  ready_timeout:
    description:
      - Seconds to wait, in all, for Azure DevOps to verify the converted connection.
    type: int
    default: 300
seealso:
  - module: azdo.identity.azdo_service_connection_inventory
  - module: azdo.identity.managed_identity_federation
"""

EXAMPLES = r"""
- name: Move one connection to the Microsoft Entra issuer
  azdo.identity.azdo_service_connection_issuer:
    organization_url: https://dev.azure.com/contoso
    project: web
    name: sc-web-prod
  register: moved

- name: Tell the identity's owner what to add when this caller could not
  ansible.builtin.debug:
    msg: >-
      Add to {{ moved.handoff.client_id }}: issuer {{ moved.handoff.issuer }},
      subject {{ moved.handoff.subject }}, audience {{ moved.handoff.audience }}
  when: moved.outcome == 'handoff'
"""

RETURN = r"""
service_connection:
  description: The connection after the task; in check mode, the predicted one (the subject Azure DevOps will
    generate is null).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the connection (the same before and after).
      type: str
    name:
      description: Name.
      type: str
    type:
      description: Endpoint type, for example V(azurerm) or V(dockerregistry).
      type: str
    project:
      description: Name of the project.
      type: str
    scheme:
      description: Authorization scheme as Azure DevOps names it.
      type: str
    issuer_kind:
      description: V(entra), V(azure_devops), or null for a connection that does not use workload identity federation.
      type: str
    issuer:
      description: The issuer the connection uses.
      type: str
    subject:
      description: The subject the connection uses.
      type: str
    client_id:
      description: Client id of the identity the connection signs in as.
      type: str
    tenant_id:
      description: Tenant of that identity.
      type: str
    environment:
      description: Azure environment of the connection, where it has one.
      type: str
    is_ready:
      description: Whether Azure DevOps reports the connection ready.
      type: bool
    operation_state:
      description: State of the connection's last operation as Azure DevOps reports it.
      type: str
outcome:
  description: V(converted), V(already_entra), V(out_of_scope) or V(handoff).
  returned: always
  type: str
reason:
  description: Why the connection is not converted (out of scope or already on the Entra issuer); null otherwise.
  returned: always
  type: str
handoff:
  description: What the identity's owner must add, when this caller could not; null otherwise.
  returned: always
  type: dict
  contains:
    connection:
      description: Name of the connection.
      type: str
    connection_id:
      description: Id of the connection.
      type: str
    project:
      description: Project of the connection.
      type: str
    client_id:
      description: Client id of the identity that needs the credential.
      type: str
    tenant_id:
      description: Its tenant.
      type: str
    issuer:
      description: Issuer of the federated credential to add.
      type: str
    subject:
      description: Subject of the federated credential to add.
      type: str
    audience:
      description: Audience of the federated credential to add.
      type: str
identity:
  description: The identity behind the connection as the directory shows it to this caller; null when it cannot be read.
  returned: always
  type: dict
removed_credentials:
  description: Names of the Azure DevOps issuer credentials removed (with O(remove_legacy_credential=true)).
  returned: always
  type: list
  elements: str
conversion_form:
  description: The conversion request form Azure DevOps took (or the one given); null when nothing was sent.
  returned: always
  type: str
"""

from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._issuer import ensure_entra
from ansible_collections.azdo.identity.plugins.module_utils._module import AzureModule
from ansible_collections.azdo.identity.plugins.module_utils._service_connection import find_by_name, read_project


def run(module):
    params = module.params
    if not params["name"] and not params["id"]:
        raise InputError("name or id is required: which connection should move to the Microsoft Entra issuer?")
    azdo = module.azdo
    project = read_project(azdo, params["project"])
    with module.doing("read", "service connection '%s' of project %s" % (params["name"] or params["id"], project["name"])):
        body = azdo.endpoint(project["id"], params["id"]) if params["id"] else find_by_name(azdo, project["id"], params["name"])
    if not body:
        raise InputError("Service connection '%s' was not found in project %s" % (params["name"] or params["id"], project["name"]))
    result = ensure_entra(module.context(), project, body, form=params["conversion_form"],
                          ready_timeout=params["ready_timeout"], remove_legacy_credential=params["remove_legacy_credential"])
    if result["outcome"] == "handoff":
        handoff = result["handoff"]
        module.module.warn("Service connection '%s' needs a federated credential that this identity cannot add: ask the "
                           "owner of client id %s to add issuer %s, subject %s, audience %s, then run the task again"
                           % (handoff["connection"], handoff["client_id"], handoff["issuer"], handoff["subject"],
                              handoff["audience"]))
    keys = ("outcome", "reason", "handoff", "identity", "removed_credentials", "conversion_form")
    extra = dict((key, result[key]) for key in keys)
    module.exit(result["changed"], "service_connection", after=result["after"], before=result["before"], **extra)


def main():
    module = AzureModule(
        argument_spec=dict(
            project=dict(type="str", required=True),
            name=dict(type="str"),
            id=dict(type="str"),
            issuer=dict(type="str", default="entra", choices=["entra"]),
            conversion_form=dict(type="str", choices=["issuer_type", "operation", "save"]),
            remove_legacy_credential=dict(type="bool", default=False),
            ready_timeout=dict(type="int", default=300),
        ),
        mutually_exclusive=[("name", "id")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
