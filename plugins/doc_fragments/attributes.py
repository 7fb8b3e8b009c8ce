# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Attributes shared by the collection's modules.
    DOCUMENTATION = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/azdo.identity.all) in C(module_defaults) to set options for this module.
    support: full
    membership:
      - azdo.identity.all
"""

    CHECK_MODE_DIFF = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it would have, with the predicted
      resource, without sending any write request.
    support: full
  diff_mode:
    description: Returns the resource before and after the change when run with C(--diff).
    support: full
  idempotent:
    description: A second run with the same options changes nothing and sends no write request.
    support: full
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: Reads only; runs the same way in check mode.
    support: full
  diff_mode:
    description: Reads only; nothing to diff.
    support: N/A
  idempotent:
    description: Reads only.
    support: full
"""
