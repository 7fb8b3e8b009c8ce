# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import multiprocessing
import time

import pytest

from ansible_collections.azdo.identity.plugins.module_utils._federation import (
    FederationError, parent_lock, plan, validate,
)

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


def _hold(parent, queue, hold):
    with parent_lock(parent, timeout=30):
        queue.put(("in", time.monotonic()))
        time.sleep(hold)
        queue.put(("out", time.monotonic()))


def test_parent_lock_serializes_processes():
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_hold, args=("/subscriptions/s/rg/id-" + "x", queue, 0.2))
               for dummy in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    events = sorted((queue.get() for dummy in range(6)), key=lambda e: e[1])
    assert [e[0] for e in events] == ["in", "out"] * 3  # never two inside at once
