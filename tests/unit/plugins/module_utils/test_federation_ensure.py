# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_federation.ensure against fakes that imitate the public methods of IdentityClient and GraphClient, on a fake
clock: both parents, idempotence, check mode, 409 retries, and one budget for the lock and the retries."""

from __future__ import annotations

import contextlib
import uuid

import pytest

from fakes import FakeClock

from ansible_collections.azdo.identity.plugins.module_utils._context import Context
from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError
from ansible_collections.azdo.identity.plugins.module_utils._federation import ensure, parent_lock
from ansible_collections.azdo.identity.plugins.module_utils._http_errors import ApiError
from ansible_collections.azdo.identity.plugins.module_utils._poll import Deadline

SUB = "00000000-0000-0000-0000-00000000000a"
ISSUER = "https://vstoken.dev.azure.com/11111111-1111-1111-1111-111111111111"
APP_OBJECT = "22222222-2222-2222-2222-222222222222"
APP_ID = "33333333-3333-3333-3333-333333333333"


def identity_id():
    # A parent of its own per test: the lock file is shared by every process of this host.
    return "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-%s" % (
        SUB, uuid.uuid4().hex[:8])


class FakeIdentities(object):
    """IdentityClient's credential calls; ``conflicts`` PUTs answer 409 first (overlapping writes)."""

    def __init__(self, exists=True, conflicts=0):
        self.credentials = [] if exists else None
        self.conflicts = conflicts
        self.writes = []

    def federated_credentials(self, resource_id):
        return None if self.credentials is None else [dict(c) for c in self.credentials]

    def put_federated_credential(self, resource_id, name, issuer, subject, audiences):
        self.writes.append(("PUT", name))
        if self.conflicts:
            self.conflicts -= 1
            raise ApiError("Another operation is in progress", status=409, code="ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity")
        cred = dict(id=resource_id + "/federatedIdentityCredentials/" + name, name=name, issuer=issuer, subject=subject,
                    audiences=list(audiences))
        self.credentials = [c for c in self.credentials if c["name"] != name] + [cred]
        return dict(cred)

    def delete_federated_credential(self, resource_id, name):
        self.writes.append(("DELETE", name))
        self.credentials = [c for c in self.credentials if c["name"] != name]


class FakeGraph(object):
    """GraphClient's application and federated-credential calls for one app registration."""

    def __init__(self):
        self.items = []
        self.writes = []

    def application(self, object_id):
        return dict(id=APP_OBJECT, appId=APP_ID, displayName="app") if object_id == APP_OBJECT else None

    def application_by_app_id(self, app_id):
        return dict(id=APP_OBJECT, appId=APP_ID, displayName="app") if app_id == APP_ID else None

    def federated_credentials(self, object_id):
        return [dict(i) for i in self.items]

    def create_federated_credential(self, object_id, body):
        self.writes.append(("POST", body["name"]))
        item = dict(body, id=str(uuid.uuid4()))
        self.items.append(item)
        return dict(item)

    def update_federated_credential(self, object_id, credential_id, body):
        self.writes.append(("PATCH", credential_id))
        for item in self.items:
            if item["id"] == credential_id:
                item.update(body)

    def delete_federated_credential(self, object_id, credential_id):
        self.writes.append(("DELETE", credential_id))
        self.items = [i for i in self.items if i["id"] != credential_id]


class Clients(object):
    def __init__(self, identities=None, graph=None):
        self.identities = identities
        self.graph = graph


def context(clients, clock, check_mode=False, messages=None):
    return Context(clients, check_mode=check_mode, progress=(messages.append if messages is not None else None),
                   sleep=clock.sleep, clock=clock.clock)


def params(parent, **overrides):
    base = dict(identity=parent, application=None, resource_group=None, subscription_id=SUB, name="pipeline",
                issuer=ISSUER, subject="sc://org/project/conn", audiences=["api://AzureADTokenExchange"],
                adopt_existing=False, lock_timeout=300, state="present")
    base.update(overrides)
    return base


def test_create_then_nothing_to_do_on_a_managed_identity():
    clock, identities, parent = FakeClock(), FakeIdentities(), identity_id()
    result = ensure(context(Clients(identities), clock), params(parent))
    assert result["changed"] and result["before"] == {} and identities.writes == [("PUT", "pipeline")]
    assert result["after"]["parent_type"] == "managed_identity" and result["after"]["parent_id"] == parent
    again = ensure(context(Clients(identities), clock), params(parent))
    assert not again["changed"] and again["before"] == again["after"] == result["after"] and len(identities.writes) == 1


def test_check_mode_sends_no_write_and_predicts_the_real_result():
    clock, identities, parent = FakeClock(), FakeIdentities(), identity_id()
    checked = ensure(context(Clients(identities), clock, check_mode=True), params(parent))
    assert checked["changed"] and identities.writes == []
    real = ensure(context(Clients(identities), clock), params(parent))
    assert dict(checked["after"], id=None) == dict(real["after"], id=None) and checked["before"] == real["before"]
    deleted = ensure(context(Clients(identities), clock, check_mode=True), params(parent, state="absent"))
    assert deleted == dict(changed=True, before=real["after"], after={}) and len(identities.writes) == 1


def test_update_and_delete_on_an_app_registration():
    clock, graph = FakeClock(), FakeGraph()
    created = ensure(context(Clients(graph=graph), clock), params(None, application=APP_ID))
    assert created["changed"] and created["after"]["parent_type"] == "application"
    updated = ensure(context(Clients(graph=graph), clock), params(None, application=APP_OBJECT, subject="other"))
    assert updated["changed"] and updated["before"]["subject"] != updated["after"]["subject"] == "other"
    removed = ensure(context(Clients(graph=graph), clock), params(None, application=APP_ID, state="absent"))
    assert removed == dict(changed=True, before=updated["after"], after={}) and graph.items == []
    assert [w[0] for w in graph.writes] == ["POST", "PATCH", "DELETE"]


def test_bad_input_and_a_missing_parent_stop_before_any_write():
    clock, identities, parent = FakeClock(), FakeIdentities(exists=False), identity_id()
    with pytest.raises(InputError) as info:
        ensure(context(Clients(identities), clock), params(parent, issuer="http://insecure.example"))
    assert "issuer" in str(info.value)
    with pytest.raises(InputError) as info:
        ensure(context(Clients(identities), clock), params(parent, lock_timeout=0))
    assert "lock_timeout" in str(info.value)
    with pytest.raises(InputError) as info:
        ensure(context(Clients(identities), clock), params(parent))
    assert "does not exist" in str(info.value) and identities.writes == []


def test_a_409_is_retried_with_progress():
    clock, identities, parent = FakeClock(), FakeIdentities(conflicts=3), identity_id()
    messages = []
    result = ensure(context(Clients(identities), clock, messages=messages), params(parent))
    assert result["changed"] and len(identities.writes) == 4 and len(clock.sleeps) == 3
    assert messages and "HTTP 409" in messages[0] and "lock_timeout=300s" in messages[0]


class ReleasingClock(FakeClock):
    """A fake clock whose sleeping releases another holder's lock once ``release_at`` is reached."""

    def __init__(self, holder, release_after):
        super(ReleasingClock, self).__init__()
        self.holder = holder
        self.release_at = self.now + release_after

    def sleep(self, seconds):
        super(ReleasingClock, self).sleep(seconds)
        if self.now >= self.release_at:
            self.holder.close()


def test_one_budget_for_the_lock_and_the_retries():
    """Another task holds the parent's lock for 4s of a 10s lock_timeout, then every write answers 409: the task
    ends at 10s, not at 4s + 10s."""
    parent = identity_id()
    holder = contextlib.ExitStack()
    holder.enter_context(parent_lock(parent, Deadline(30)))
    clock = ReleasingClock(holder, 4.0)
    identities = FakeIdentities(conflicts=1000)
    try:
        with pytest.raises(ApiError) as info:
            ensure(context(Clients(identities), clock), params(parent, lock_timeout=10))
    finally:
        holder.close()
    assert identities.writes and clock.now - 1000.0 == pytest.approx(10)
    assert "gave up after 10s (lock_timeout=10s)" in info.value.message and "Failed to create" in info.value.message
