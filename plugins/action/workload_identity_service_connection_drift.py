# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of azdo.identity.workload_identity_service_connection_drift: progress while it waits, and the secret guard (see _action.py)."""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.plugin_utils._action import AzureAction


class ActionModule(AzureAction):
    pass
