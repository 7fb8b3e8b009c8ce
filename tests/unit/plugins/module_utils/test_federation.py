# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fakes import FakeClock

from ansible_collections.azdo.identity.plugins.module_utils._federation import (
    FederationError, parent_lock, plan, validate, write_with_conflict_retry,
)
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline

ISSUER = "https://login.microsoftonline.com/t/v2.0"
AUD = ["api://AzureADTokenExchange"]


def cred(name, subject, issuer=ISSUER):
    return dict(id=name, name=name, issuer=issuer, subject=subject, audiences=list(AUD))


@pytest.mark.parametrize("args,word", [
    (("ab", ISSUER, "s", AUD), "name"),
    (("-ab", ISSUER, "s", AUD), "name"),
    (("a" * 121, ISSUER, "s", AUD), "name"),
    (("ok-name", "http://x", "s", AUD), "https"),
    (("ok-name", "https://", "s", AUD), "https"),
    (("ok-name", ISSUER, "", AUD), "subject"),
    (("ok-name", ISSUER, "s", AUD * 2), "exactly one"),
    (("ok-name", ISSUER, "s" * 601, AUD), "600"),
])
def test_validate_names_the_problem(args, word):
    assert word in validate(*args)


def test_validate_accepts_the_limits():
    assert validate("a" * 120, ISSUER, "s", AUD) is None
    assert validate("abc", None, None, None, state="absent") is None


def test_plan_none_update_create():
    existing = [cred("one", "s1")]
    assert plan(existing, "one", ISSUER, "s1", AUD)[0] == "none"
    assert plan(existing, "ONE", ISSUER, "s2", AUD)[0] == "update"
    assert plan(existing, "one", ISSUER + "/", "s1", AUD)[0] == "update"  # exact issuer comparison
    assert plan(existing, "two", ISSUER, "s2", AUD) == ("create", None)


def test_plan_duplicate_issuer_subject_named_or_adopted():
    existing = [cred("first", "s1")]
    with pytest.raises(FederationError) as info:
        plan(existing, "second", ISSUER, "s1", AUD)
    assert "'first'" in info.value.message
    assert plan(existing, "second", ISSUER, "s1", AUD, adopt=True) == ("adopt", existing[0])


def test_plan_limit_of_twenty_only_for_new_names():
    existing = [cred("c%d" % i, "s%d" % i) for i in range(20)]
    with pytest.raises(FederationError) as info:
        plan(existing, "c20", ISSUER, "s20", AUD)
    assert "20" in info.value.message
    assert plan(existing, "c3", ISSUER, "changed", AUD)[0] == "update"


HOLDER = """
import sys, time
from ansible_collections.azdo.identity.plugins.module_utils._federation import parent_lock
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline
with parent_lock(sys.argv[1], Deadline(30)):
    print("in %r" % time.monotonic(), flush=True)
    time.sleep(float(sys.argv[2]))
    print("out %r" % time.monotonic(), flush=True)
"""


def test_parent_lock_serializes_processes():
    # Separate interpreters, not multiprocessing's fork: forking a pytest-xdist worker (which runs threads) can
    # deadlock the child, and CLOCK_MONOTONIC is shared by the processes of one machine.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    workers = [subprocess.Popen([sys.executable, "-c", HOLDER, "/subscriptions/s/rg/id-x", "0.2"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
               for dummy in range(3)]
    events = []
    for worker in workers:
        output = worker.communicate(timeout=60)[0]
        assert worker.returncode == 0, output
        events += [(line.split()[0], float(line.split()[1])) for line in output.splitlines()]
    events.sort(key=lambda e: e[1])
    assert [e[0] for e in events] == ["in", "out"] * 3  # never two inside at once


def test_waiting_for_the_lock_draws_from_the_deadline():
    """Another holder keeps the lock: the wait uses the deadline's clock, ends at it, and says so."""
    clock = FakeClock()
    messages = []
    parent = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/held"
    with parent_lock(parent, Deadline(30)):
        with pytest.raises(FederationError) as info:
            with parent_lock(parent, Deadline(20, clock.clock, clock.sleep, messages.append, "lock_timeout")):
                pytest.fail("entered a lock another holder has")
    assert info.value.code == "LockTimeout" and "gave up after 20s (lock_timeout=20s)" in info.value.message
    assert clock.now - 1000.0 == pytest.approx(20) and all(s <= 0.55 for s in clock.sleeps)
    assert len(messages) == 1 and "other tasks writing federated credentials" in messages[0]
    with parent_lock(parent, Deadline(1, clock.clock, clock.sleep)):
        pass  # released


def test_conflicting_writes_are_retried_within_the_same_deadline():
    clock = FakeClock()
    deadline = Deadline(10, clock.clock, clock.sleep, None, "lock_timeout")
    answers = [ApiError("busy", status=409, code="Conflict")] * 2 + ["written"]

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    clock.now += 4  # four seconds of the budget already went to waiting for the lock
    assert write_with_conflict_retry(call, deadline, "parent") == "written"
    with pytest.raises(ApiError) as info:
        write_with_conflict_retry(lambda: (dummy for dummy in ()).throw(ApiError("busy", status=409)), deadline, "parent")
    assert "gave up after 10s (lock_timeout=10s)" in info.value.message and clock.now - 1000.0 == pytest.approx(10)
