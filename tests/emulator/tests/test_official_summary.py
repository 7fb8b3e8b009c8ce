# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prints how many official-client calls passed per service (runs after the test_official_*.py suites)."""

from __future__ import annotations

import pytest

from .official_support import RAN, SERVICES, TALLY

# suite module -> the services whose calls it counts
SUITES = {
    "test_official_msi": ("Managed Identity (azure-mgmt-msi)",),
    "test_official_authorization": ("Authorization (azure-mgmt-authorization)",),
    "test_official_devops": ("Azure DevOps (azure-devops)",),
    "test_official_graph": ("Microsoft Graph (msgraph-sdk)", "Entra ID tokens (azure-identity)"),
    "test_official_identity": ("Entra ID tokens (azure-identity)",),
}


def test_official_client_calls_per_service(capsys):
    ran = RAN & set(SUITES)
    if not ran:
        pytest.skip("no official-client suite ran in this session")
    for suite in sorted(ran):
        for service in SUITES[suite]:
            assert TALLY[service] > 0, f"{suite} ran but counted no passing {service} call"
    summary = ", ".join(f"{service}: {TALLY[service]}" for service in SERVICES if TALLY[service])
    line = f"official-client calls that passed, per service: {summary} (total {sum(TALLY.values())})"
    with capsys.disabled():
        print("\n" + line)
