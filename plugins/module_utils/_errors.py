# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's two kinds of failure, and the context attached to them once.

* :class:`InputError`: options that cannot work, found before any write. The message names the option
  and the fix. The module wrapper turns it into the task's failure as it is.
* :class:`~._http.ApiError`: what a service answered (or that it did not answer). :func:`failing_to`
  prefixes it with what was being done, ``Failed to <action> <what>: <code>: <message> (HTTP n, request
  id ...)``, exactly once however deep the call was.
"""

from __future__ import annotations

import contextlib

from ansible_collections.azdo.identity.plugins.module_utils._http import ApiError


class InputError(ValueError):
    """Options that cannot work; raised before any write, with a message that names the option and the fix.

    ``code`` optionally names the kind of mistake (for example ``InvalidRole``) for callers that tell them apart.
    """

    def __init__(self, message, code=None):
        super(InputError, self).__init__(message)
        self.code = code

    @property
    def message(self):
        return str(self)


class OperationError(ApiError):
    """An :class:`ApiError` with the operation it interrupted named in its message."""


@contextlib.contextmanager
def failing_to(action, what):
    """Raise an :class:`ApiError` from the block as ``Failed to <action> <what>: ...`` (once: an error that already
    names its operation passes through)."""
    try:
        yield
    except OperationError:
        raise
    except ApiError as exc:
        raise OperationError("Failed to %s %s: %s" % (action, what, exc.describe()), status=exc.status,
                             code=exc.code, request_id=exc.request_id, method=exc.method, url=exc.url, body=exc.body,
                             service=exc.service)
