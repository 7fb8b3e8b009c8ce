# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every explanation the code points to must be inside the repository.

The collection's files (plugins/, roles/, playbooks/) may cite docs/service-behaviour.md, public URLs and
public ``owner/repo#N`` threads. They may not cite material a clone does not contain: the working notes the
project was built from (``CONTRACTS.md`` and its source keys such as ``[ADO-MEM ...]``, "the seed"), the
shared folders beside the repository, or the project's own issue numbers ("issue 7", "#12"). A citation of
docs/service-behaviour.md must name a section that exists (a GitHub-style anchor of one of its headings).
"""

from __future__ import annotations

import os
import re

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(REPO, "docs", "service-behaviour.md")
SCANNED = ("plugins", "roles", "playbooks")

# Material that exists only beside the project, never in a clone of it.
FORBIDDEN = (
    ("CONTRACTS.md or its sections", re.compile(r"\bCONTRACTS\b")),
    ("the seed documents", re.compile(r"\bthe seeds?\b|\bseed's\b", re.IGNORECASE)),
    ("a CONTRACTS source key", re.compile(
        r"\[(?:ADO|ARM|GRAPH|MSI|MDP|KV|KVX|RA|RD|DOI|MI-CT|CT5|TF|GOAPI|MSAL)(?:-[A-Z0-9]+)*[\] ]")),
    ("a CONTRACTS source key", re.compile(r"\[(?:D|E|G|I|R|X)-[A-Z0-9]+(?:-[A-Z0-9]+)*\]")),
    ("the shared folder beside the repository",
     re.compile(r"/work/shared|\bshared/(?:api-specs|recordings|seeds|STYLE)|\.\./shared/")),
    ("a project issue number", re.compile(r"\bissues?\s+#?\d+\b", re.IGNORECASE)),
    # A bare "#12"; "owner/repo#12" and URLs (".../issues/12") are public and allowed.
    ("a project issue number", re.compile(r"(?<![\w/.#-])#\d+\b")),
)
ANCHOR_RE = re.compile(r"service-behaviour\.md#([A-Za-z0-9_-]+)")
QUOTED_RE = re.compile(r"service-behaviour\.md\W{0,3}\"([^\"]+)\"")
HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")


def github_anchor(text):
    """The id GitHub gives a Markdown heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`", "", text.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(path=DOC):
    """``(anchors, titles)`` of a Markdown file; a repeated heading gets ``-1``, ``-2`` ... as on GitHub."""
    anchors, titles, counts = set(), [], {}
    fenced = False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if FENCE_RE.match(line):
                fenced = not fenced
                continue
            match = None if fenced else HEADING_RE.match(line.rstrip("\n"))
            if not match:
                continue
            base = github_anchor(match.group(2))
            number = counts.get(base, 0)
            counts[base] = number + 1
            anchors.add(base if number == 0 else "%s-%d" % (base, number))
            titles.append(match.group(2).strip().lower())
    return anchors, titles


def scanned_files():
    for top in SCANNED:
        for folder, dirs, files in os.walk(os.path.join(REPO, top)):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    with open(path, encoding="utf-8") as handle:
                        text = handle.read()
                except (UnicodeDecodeError, OSError):
                    continue
                yield os.path.relpath(path, REPO), text


def problems_in(text, anchors, titles):
    """``[(line number, message)]`` for one file's text."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for what, pattern in FORBIDDEN:
            match = pattern.search(line)
            if match:
                found.append((number, "cites %s (%r)" % (what, match.group(0))))
        for anchor in ANCHOR_RE.findall(line):
            if anchor not in anchors:
                found.append((number, "cites docs/service-behaviour.md#%s, which is not a heading of that page" % anchor))
        for title in QUOTED_RE.findall(line):
            if not any(title.lower() in t for t in titles):
                found.append((number, "cites docs/service-behaviour.md section %r, which that page does not have" % title))
    return found


@pytest.fixture(scope="module")
def doc_headings():
    assert os.path.isfile(DOC), "docs/service-behaviour.md is missing"
    return headings()


@pytest.mark.parametrize("heading, anchor", [
    ("ARM: role assignments", "arm-role-assignments"),
    ("principalType skips the principal lookup", "principaltype-skips-the-principal-lookup"),
    ("Refused credentials: 401 or a sign-in page", "refused-credentials-401-or-a-sign-in-page"),
    ("The identity's service principal names its resource", "the-identitys-service-principal-names-its-resource"),
    ("Managed identities (Microsoft.ManagedIdentity)", "managed-identities-microsoftmanagedidentity"),
    ("Readiness: `isReady` and operationStatus", "readiness-isready-and-operationstatus"),
])
def test_github_anchor(heading, anchor):
    assert github_anchor(heading) == anchor


def test_repeated_headings_get_numbered_anchors(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Top\n## Same\n```\n## not a heading\n```\n## Same\n", encoding="utf-8")
    anchors, dummy = headings(str(page))
    assert anchors == {"top", "same", "same-1"}


@pytest.mark.parametrize("line", [
    "# Missing or null means access policies (CONTRACTS 6: vaults made with older api-versions).",
    "A page may be empty while a continuation token remains (the seed's \"Potential errors\"),",
    "# access_level choice -> accountLicenseType [ADO-MEM AccessLevel enum]",
    "# see [D-AUTO] for the request body",
    "# as fixed in issue 7",
    "# see #12 for the discussion",
    "# copied from /work/shared/api-specs/ado-core/7.1/core.json",
    "# see docs/service-behaviour.md#no-such-section",
    "# see docs/service-behaviour.md (\"No such section\")",
])
def test_bad_citations_are_found(line, doc_headings):
    assert problems_in(line, *doc_headings)


@pytest.mark.parametrize("line", [
    "# see docs/service-behaviour.md#principaltype-skips-the-principal-lookup",
    "# see docs/service-behaviour.md (\"Service connections\")",
    "MULTIPLE_IDENTITIES_ISSUE = \"https://github.com/microsoft/azure-pipelines-agent/issues/4656\"",
    "    tokens (microsoft/azure-pipelines-agent#4656).",
    "# fixed in https://github.com/ansible-collections/azure/pull/1807",
    "        issuer: \"{{ issuer }}\"",
    "# Decide and write under the parent's lock, so parallel tasks see each other's writes.",
])
def test_good_citations_pass(line, doc_headings):
    assert problems_in(line, *doc_headings) == []


def test_collection_cites_only_what_a_clone_contains(doc_headings):
    anchors, titles = doc_headings
    found = []
    for path, text in scanned_files():
        for number, message in problems_in(text, anchors, titles):
            found.append("%s:%d: %s" % (path, number, message))
    assert not found, "Citations a clone of the repository cannot follow:\n" + "\n".join(found)
