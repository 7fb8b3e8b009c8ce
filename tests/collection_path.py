# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A path ``<root>/ansible_collections/azdo/identity`` that is this checkout.

The tree is linked (not copied) from a temporary directory outside the repository, so pytest
and the ansible-playbook runs of the tests always use the working tree, and nothing loops inside it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collections_root():
    root = os.environ.get("AZDO_TEST_COLLECTIONS_ROOT")
    if not root:
        # One directory per checkout, so test runs of two checkouts never re-point each other's link.
        digest = hashlib.sha256(os.path.realpath(REPO).encode("utf-8")).hexdigest()[:12]
        root = os.path.join(tempfile.gettempdir(), "azdo-identity-tests-%d-%s" % (os.getuid(), digest))
        os.environ["AZDO_TEST_COLLECTIONS_ROOT"] = root
    link = os.path.join(root, "ansible_collections", "azdo", "identity")
    if not os.path.islink(link) or os.path.realpath(link) != os.path.realpath(REPO):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(REPO, link)
    return root
