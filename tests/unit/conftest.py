# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test fixtures: a scripted session, a fake clock and a RestClient wired to both."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakes import FakeClock, FakeSession  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.azdo.identity.plugins.module_utils._http import RestClient, RetryPolicy  # noqa: E402


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_client(clock):
    """``make_client(handler_or_responses, **kwargs)`` -> (client, session)."""

    def factory(answers, base_url="https://arm.example", **kwargs):
        if callable(answers):
            session = FakeSession(handler=answers)
        else:
            session = FakeSession(responses=answers)
        policy = kwargs.pop("policy", None) or RetryPolicy(max_attempts=kwargs.pop("max_attempts", 6), base=1.0, cap=8.0,
                                                           budget=kwargs.pop("budget", 120.0),
                                                           sleep=clock.sleep, clock=clock.clock)
        client = RestClient(session, base_url, token=kwargs.pop("token", lambda: "Bearer t"), policy=policy, **kwargs)
        return client, session

    return factory
