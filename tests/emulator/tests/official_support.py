# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the official-client suites (test_official_*.py): the tally of passing calls and the spec check.

Each suite drives the emulator with Microsoft's own Python clients, configured only the way their documentation
shows (base URL, authority, CA bundle). ``Calls`` runs one client call and counts it when it behaves as asserted;
``test_official_summary.py`` prints the counts per service at the end of the session.
"""

from __future__ import annotations

import collections

import pytest

TALLY: collections.Counter = collections.Counter()
# Official-client suite modules that ran in this process (pytest-xdist spreads tests over workers,
# so the summary may only judge the suites its own worker ran).
RAN: set = set()
SERVICES = ("Managed Identity (azure-mgmt-msi)", "Authorization (azure-mgmt-authorization)",
            "Azure DevOps (azure-devops)", "Microsoft Graph (msgraph-sdk)", "Entra ID tokens (azure-identity)")


class Calls:
    """Runs official-client calls for one service and counts those that did what the test asserts."""

    def __init__(self, service: str):
        assert service in SERVICES
        self.service = service

    def __call__(self, function, *args, **kwargs):
        """Call and count (an exception fails the test and is not counted)."""
        result = function(*args, **kwargs)
        TALLY[self.service] += 1
        return result

    def fails(self, error_type, function, *args, **kwargs):
        """Call expecting error_type; count it and return the exception."""
        with pytest.raises(error_type) as caught:
            function(*args, **kwargs)
        TALLY[self.service] += 1
        return caught.value

    def count(self, number: int = 1) -> None:
        """Count calls made elsewhere (e.g. pages an iterator fetched)."""
        TALLY[self.service] += number


def credential(info: dict, client_id: str | None = None, secret: str | None = None):
    """azure-identity's ClientSecretCredential pointed at the emulator (documented keyword arguments only:
    ``authority``, ``disable_instance_discovery`` for a non-public authority, ``connection_verify`` = CA bundle)."""
    identity = pytest.importorskip("azure.identity")
    return identity.ClientSecretCredential(info["tenant_id"], client_id or info["client_id"],
                                           secret or info["client_secret"], authority=info["base_url"],
                                           disable_instance_discovery=True, connection_verify=info["ca_path"])


def assert_conformant(emu) -> dict:
    """The official clients' requests so far match the stored specs (no violation recorded); returns the record."""
    record = emu.admin("GET", "/violations").json()
    assert record["count"] == 0, record["violations"]
    return record
