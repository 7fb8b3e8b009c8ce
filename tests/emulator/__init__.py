# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local HTTPS emulator of Microsoft Entra ID, Azure Resource Manager and (later) Graph / Azure DevOps."""
