# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARM scope strings: parsing, canonical text and lookup keys."""

from __future__ import annotations

from dataclasses import dataclass

MG_PREFIX = "/providers/Microsoft.Management/managementGroups/"


@dataclass
class Scope:
    """A parsed ARM scope; ``key`` is the case-insensitive identity."""

    kind: str  # root | management_group | subscription | resource_group | resource
    text: str
    subscription: str | None = None
    resource_group: str | None = None
    management_group: str | None = None
    namespace: str | None = None
    types: tuple = ()
    names: tuple = ()

    @property
    def key(self) -> str:
        """Lower-cased text used for comparisons."""
        return self.text.lower()

    @property
    def resource_type(self) -> str:
        """``Namespace/type[/subtype]`` for a resource scope."""
        return "/".join((self.namespace or "",) + self.types)

    def parent_resources(self) -> list[str]:
        """Texts of the enclosing resources of a nested resource, innermost first, excluding itself."""
        out = []
        rg_text = f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/{self.namespace}"
        for depth in range(len(self.types) - 1, 0, -1):
            pairs = "/".join(f"{t}/{n}" for t, n in zip(self.types[:depth], self.names[:depth]))
            out.append(f"{rg_text}/{pairs}")
        return out


class ScopeError(ValueError):
    """The text is not an ARM scope the emulator understands."""


def parse_scope(raw: str) -> Scope:
    """Parse a scope path (leading slash optional, trailing slash ignored)."""
    parts = [p for p in (raw or "").split("/") if p]
    if not parts:
        return Scope("root", "/")
    head = parts[0].lower()
    if head == "providers":
        if len(parts) == 4 and parts[1].lower() == "microsoft.management" and parts[2].lower() == "managementgroups":
            return Scope("management_group", MG_PREFIX + parts[3], management_group=parts[3])
        raise ScopeError(f"unsupported tenant-level scope '{raw}'")
    if head != "subscriptions" or len(parts) < 2:
        raise ScopeError(f"unsupported scope '{raw}'")
    sub = parts[1]
    if len(parts) == 2:
        return Scope("subscription", f"/subscriptions/{sub}", subscription=sub)
    if parts[2].lower() != "resourcegroups" or len(parts) < 4:
        raise ScopeError(f"unsupported subscription-level scope '{raw}'")
    rg = parts[3]
    rg_text = f"/subscriptions/{sub}/resourceGroups/{rg}"
    if len(parts) == 4:
        return Scope("resource_group", rg_text, subscription=sub, resource_group=rg)
    rest = parts[4:]
    if rest[0].lower() != "providers" or len(rest) < 4 or (len(rest) - 2) % 2:
        raise ScopeError(f"unsupported resource scope '{raw}'")
    namespace = rest[1]
    types = tuple(rest[2::2])
    names = tuple(rest[3::2])
    pairs = "/".join(f"{t}/{n}" for t, n in zip(types, names))
    return Scope("resource", f"{rg_text}/providers/{namespace}/{pairs}", subscription=sub, resource_group=rg,
                 namespace=namespace, types=types, names=names)
