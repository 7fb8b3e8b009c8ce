# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test doubles: a scripted HTTP session and a clock that never really sleeps."""

from __future__ import annotations

import json


class FakeRaw(object):
    """The few attributes of ``requests.Response`` the REST core reads."""

    def __init__(self, status, body=None, headers=None, url="", text=None):
        self.status_code = status
        self.headers = dict(headers or {})
        if text is None:
            text = "" if body is None else json.dumps(body)
        self.text = text
        self.content = text.encode("utf-8")
        self.url = url

    def json(self):
        return json.loads(self.text)


class FakeSession(object):
    """Answers requests from a handler or a queue and records what was sent."""

    def __init__(self, handler=None, responses=None):
        self.handler = handler
        self.responses = list(responses or [])
        self.sent = []

    def request(self, method, url, **kwargs):
        self.sent.append(dict(method=method, url=url, **kwargs))
        if self.handler is not None:
            answer = self.handler(method, url, kwargs)
        else:
            answer = self.responses.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if answer.url == "":
            answer.url = url
        return answer

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    @property
    def writes(self):
        return [s for s in self.sent if s["method"] not in ("GET", "HEAD")]


class FakeClock(object):
    """monotonic() and sleep() for a RetryPolicy: sleeping only advances the clock."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
