# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.azdo.identity`` (this checkout) and the test helpers importable."""

from __future__ import annotations

import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from collection_path import collections_root  # noqa: E402  pylint: disable=wrong-import-position

ROOT = collections_root()
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
