#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: workload_identity_service_connection_drift
short_description: Find the workload identity service connections that differ from their desired state
version_added: 0.1.0
description:
  - Tells, for each item of the P(azdo.identity.workload_identity_service_connection#role) role, whether a run of the
    role would change anything in the managed identity, the service connection (finished, ready, its options and
    pipeline permissions), the federated credential with the connection's issuer and subject, or the role
    assignments.
  - Each step is asked with the same desired-state logic the role's modules use, in check mode, so the answer is
    what a run of the role would do. Nothing is ever written.
  - Many items are checked at once (O(concurrency)), in one process with one sign-in, so hundreds of connections
    are checked in seconds. The parallel playbook C(playbooks/workload_identity_service_connection_parallel.yml)
    uses it to give a host only to the connections that need work, and to stop before any write when one item
    cannot be wired as given.
author:
  - azdo.identity contributors (@azdo-identity)
extends_documentation_fragment:
  - azdo.identity.azure
  - azdo.identity.azdo
  - azdo.identity.attributes
  - azdo.identity.attributes.INFO_MODULE
options:
  items:
    description:
      - The connections, each as the P(azdo.identity.role_items#filter) filter completes an item of the role
        (C(role='workload_identity_service_connection')), with C(project), C(name), C(identity), C(credential_name)
        and C(role_assignments) filled in.
      - Other keys are the role's item keys (C(description), C(environment), C(scope_level), C(resource_group),
        C(pipeline_permissions) and so on), with the same meaning.
    type: list
    elements: dict
    required: true
  concurrency:
    description:
      - How many items are checked at the same time, 1 to 64. Azure DevOps and ARM throttling is retried as by every
        module of the collection.
    type: int
    default: 10
notes:
  - An item is in RV(problems) when the role would refuse it before any write, for example an existing connection of
    another scheme or another identity; the caller should then write nothing.
  - An item whose reads failed (RV(connections[].error)) is counted as needing a run; the run reports the failure
    in full.
seealso:
  - module: azdo.identity.azdo_service_connection_info
  - plugin: azdo.identity.role_items
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Which connections would a run of the role change?
  azdo.identity.workload_identity_service_connection_drift:
    items: >-
      {{ workload_identity_service_connection_items | azdo.identity.role_items(
           workload_identity_service_connection_defaults, role='workload_identity_service_connection') }}
    concurrency: 10
  register: drift

- name: Stop before any write when an item cannot be wired as given
  ansible.builtin.assert:
    that: drift.problems | length == 0
    fail_msg: "Nothing was changed: {{ drift.problems | join('; ') }}"

- name: Say what a run would change, connection by connection
  ansible.builtin.debug:
    msg: "{{ item.project }}/{{ item.name }}: {{ (item.changes + [item.error]) | select | join('; ') }}"
  loop: "{{ drift.connections | rejectattr('in_desired_state') }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
connections:
  description: One entry per item, in the order of O(items).
  type: list
  elements: dict
  returned: success
  contains:
    project:
      description: The item's project.
      type: str
    name:
      description: The item's connection name.
      type: str
    in_desired_state:
      description: Whether a run of the role would change nothing for this item.
      type: bool
    changes:
      description: What a run would change, one sentence per step; empty when in its desired state.
      type: list
      elements: str
    problem:
      description: Why the role would refuse this item before any write, or null.
      type: str
    error:
      description: Why the item could not be checked (a failed read), or null; the item then needs a run.
      type: str
pending:
  description: C(project/name) of every item that needs a run of the role (not in its desired state, or not checked).
  type: list
  elements: str
  returned: success
  sample: ["platform/sc-web"]
problems:
  description: One message per item the role would refuse before any write, naming the item.
  type: list
  elements: str
  returned: success
"""

from ansible_collections.azdo.identity.plugins.module_utils._drift import PerThread, check_all
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._module import (
    AzureModule, azdo_argument_spec, azure_argument_spec,
)

REQUIRED = ("project", "name", "identity", "credential_name", "role_assignments")


def run(module):
    params = module.params
    if not 1 <= params["concurrency"] <= 64:
        raise InputError("concurrency must be 1 to 64; got %s" % params["concurrency"])
    for index, item in enumerate(params["items"]):
        missing = [key for key in REQUIRED if item.get(key) is None]
        if missing or not isinstance(item.get("identity"), dict):
            raise InputError("items[%d] lacks %s: pass the items through the azdo.identity.role_items filter "
                             "(role='workload_identity_service_connection')"
                             % (index, ", ".join(missing or ["identity (a dict)"])))
    common_keys = set(azure_argument_spec()) | set(azdo_argument_spec())
    common = dict((k, v) for k, v in params.items() if k in common_keys)
    # Sign in once, before the threads start: every thread then uses the same tokens.
    module.auth.header(module.cloud.arm_scope)
    module.azdo_token_header()
    found = check_all(PerThread(module, module.progress), params["items"], common, params["concurrency"])
    module.exit(False, with_diff=False, connections=found,
                pending=["%s/%s" % (c["project"], c["name"]) for c in found if not c["in_desired_state"] and not c["problem"]],
                problems=["%s/%s: %s" % (c["project"], c["name"], c["problem"]) for c in found if c["problem"]])


def main():
    module = AzureModule(
        argument_spec=dict(
            items=dict(type="list", elements="dict", required=True),
            concurrency=dict(type="int", default=10),
        ),
    )
    module.run(run)


if __name__ == "__main__":
    main()
