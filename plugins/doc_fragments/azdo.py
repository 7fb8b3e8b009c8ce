# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options of modules that talk to Azure DevOps; keep in step with azdo_argument_spec()
    # in plugins/module_utils/_module.py.
    DOCUMENTATION = r"""
notes:
  - Every module of the collection accepts O(organization_url), O(organization) and O(personal_access_token),
    so that C(module_defaults) for C(group/azdo.identity.all) can set them once; modules that do not talk to
    Azure DevOps ignore them.
options:
  organization_url:
    description:
      - URL of the Azure DevOps organization, such as V(https://dev.azure.com/contoso).
      - The identity and entitlement APIs are reached on their own hosts for C(dev.azure.com) and
        C(*.visualstudio.com) organizations, and on this URL for any other host (Azure DevOps Server).
      - When not set, the environment variable E(AZDO_ORGANIZATION_URL) is used.
      - One of O(organization_url) and O(organization) is required.
    type: str
  organization:
    description:
      - Name of an Azure DevOps Services organization; short for O(organization_url=https://dev.azure.com/<name>).
    type: str
  personal_access_token:
    description:
      - A personal access token for Azure DevOps. When set, it is used instead of an Entra token.
      - Without it, the module gets a Microsoft Entra token for Azure DevOps (resource
        C(499b84ac-1321-427f-aa17-267ca6975798)) through O(auth_source), which is what a service principal
        or managed identity added to the organization uses.
      - When not set, the environment variable E(AZDO_PERSONAL_ACCESS_TOKEN) is used.
    type: str
    aliases: [pat]
"""
