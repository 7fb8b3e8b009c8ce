# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check every request against the official API specifications (README "Request validation").

The OpenAPI 2.0 files under ``specs/`` (copies of ``shared/api-specs``, see ``specs/SOURCES.md``) describe the
operations of ARM (Managed Identity, Authorization, DevOpsInfrastructure; Key Vault through its stored example) and
Azure DevOps (core, service endpoints, pipeline permissions, Graph, member entitlements). Microsoft Graph has no
stored specification: the Graph contracts of CONTRACTS.md section 7 are encoded in ``GRAPH_OPERATIONS``.

For each request the validator finds the operation (method + path template), then checks the api-version, the
query parameters and the JSON body against the operation's parameters and schemas. The result goes into the
request log (``spec``, ``violations``, ``warnings``) and into a cumulative record (``GET /_emulator/violations``)
that survives log clears and resets. With the config key ``reject_spec_violations`` the request is answered with
a 400 in the service's own error shape before its handler runs.

Run ``python -m emulator.validation --info-file INFO`` (PYTHONPATH=tests) to print the record of a running
emulator and exit 1 when it holds violations (the end-of-run check of the integration and molecule runs).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import posixpath
import re
import ssl
import sys
import threading
import time
import urllib.request
from pathlib import Path

from .state import DEFAULT_CONFIG
from .web import HttpError, Request, Response

SPEC_DIR = Path(__file__).resolve().parent / "specs"
DEFAULT_CONFIG.setdefault("reject_spec_violations", False)
RECORD_LIMIT = 5000

# (service, file below specs/). "vss" files are the Azure DevOps ones (generated from .NET types).
SPEC_FILES = (
    ("arm", "managedidentity/2024-11-30/ManagedIdentity.json"),
    ("arm", "authorization/2022-04-01/authorization-RoleAssignmentsCalls.json"),
    ("arm", "authorization/2022-04-01/authorization-RoleDefinitionsCalls.json"),
    ("arm", "devopsinfrastructure/2025-01-21/devopsinfrastructure.json"),
    ("azdo", "ado-core/7.1/core.json.gz"),
    ("azdo", "ado-serviceendpoint/7.1/serviceEndpoint.json.gz"),
    ("azdo", "ado-pipelinepermissions/7.1/pipelinePermissions.json.gz"),
    ("azdo", "ado-graph/7.1/graph.json.gz"),
    ("azdo", "ado-memberentitlementmanagement/7.1/memberEntitlementManagement.json.gz"),
)
# Operations known only from a stored example (its "parameters" give the path and query parameters and the
# api-version); the path template is the one CONTRACTS.md section 6 gives, the operation id the spec's.
EXAMPLE_OPERATIONS = (
    ("arm", "GET", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/"
     "vaults/{vaultName}", "keyvault/2024-11-01/examples/getVault.json", "Vaults_Get"),
)
# Microsoft Graph v1.0 (CONTRACTS.md section 7): method, path below /v1.0 (regex), name, required body keys,
# body keys that may not be sent. An application is addressed by /{id} or (appId='{appId}') [G-FIC].
_APP = r"/applications(?:/[^/()]+|\(appId='[^']*'\))"
_FICS = _APP + r"/federatedIdentityCredentials"
GRAPH_OPERATIONS = (
    ("POST", r"/applications", "application: create", ("displayName",), ("passwordCredentials",)),
    ("GET", r"/applications", "application: list", (), ()),
    ("GET", _APP, "application: get", (), ()),
    ("DELETE", r"/applications/[^/()]+", "application: delete", (), ()),
    ("POST", _FICS, "federatedIdentityCredential: create", ("name", "issuer", "subject", "audiences"), ()),
    ("GET", _FICS, "federatedIdentityCredential: list", (), ()),
    ("GET", _FICS + r"/[^/]+", "federatedIdentityCredential: get", (), ()),
    ("PATCH", _FICS + r"/[^/]+", "federatedIdentityCredential: update", (), ()),
    ("DELETE", _FICS + r"/[^/]+", "federatedIdentityCredential: delete", (), ()),
    ("POST", r"/servicePrincipals", "servicePrincipal: create", ("appId",), ()),
    ("GET", r"/servicePrincipals", "servicePrincipal: list", (), ()),
    ("GET", r"/servicePrincipals\(appId='[^']*'\)", "servicePrincipal: get by appId", (), ()),
    ("POST", _APP + r"/addPassword", "application: addPassword", (), ()),
    ("POST", _APP + r"/removePassword", "application: removePassword", ("keyId",), ()),
)
GRAPH_SOURCE = "CONTRACTS.md section 7"
# Query parameters a client copies from a server-made nextLink (x-ms-pageable: the link is opaque).
SKIP_TOKEN_RE = re.compile(r"^\$skip ?token$", re.IGNORECASE)
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ADO_VERSION_RE = re.compile(r"^(\d+\.\d+)(?:-preview(?:\.(\d+))?)?$", re.IGNORECASE)
ACCEPT_VERSION_RE = re.compile(r"api-version\s*=\s*([^;,\s]+)", re.IGNORECASE)
PARAM_RE = re.compile(r"\{([^}]+)\}")
UNRESOLVED = object()


def _load_json(path: Path):
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return json.loads(raw.decode("utf-8-sig"))


class SpecFile:
    """One loaded specification file and the $ref resolution relative to it."""

    def __init__(self, library: "Library", rel: str, service: str):
        self.library = library
        self.rel = rel
        self.service = service
        self.doc = _load_json(SPEC_DIR / rel)
        self.vss = service == "azdo"
        self.subtypes: dict = {}  # base definition -> {discriminator value: definition name}
        for name, definition in (self.doc.get("definitions") or {}).items():
            for part in definition.get("allOf") or ():
                ref = part.get("$ref", "") if isinstance(part, dict) else ""
                if ref.startswith("#/definitions/"):
                    value = definition.get("x-ms-discriminator-value", name)
                    self.subtypes.setdefault(ref[len("#/definitions/"):], {})[value] = name

    def pointer(self, fragment: str):
        """The node at a JSON pointer (``/definitions/X``), or UNRESOLVED."""
        node = self.doc
        for part in fragment.strip("/").split("/") if fragment.strip("/") else ():
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return UNRESOLVED
            node = node[part]
        return node

    def resolve(self, ref: str) -> tuple:
        """(SpecFile, node) for a $ref, node UNRESOLVED when the target file is not stored."""
        target, _sep, fragment = ref.partition("#")
        spec = self
        if target:
            spec = self.library.file_for(posixpath.normpath(posixpath.join(posixpath.dirname(self.rel), target)))
            if spec is None:
                return self, UNRESOLVED
        return spec, spec.pointer(fragment)


class Operation:
    """One operation of a specification: where it lives and what its request may carry."""

    def __init__(self, service, method, template, spec, op_id, params, versions, source, consumes=None):
        self.service = service
        self.method = method
        self.template = template
        self.spec = spec
        self.op_id = op_id
        self.source = source
        self.consumes = [c.lower() for c in consumes or ()]
        path_template, _sep, query_template = template.partition("?")
        self.fixed_query = [part.split("=", 1)[0] for part in query_template.split("&") if part and "=" in part]
        self.path_params = {p["name"]: p for p in params if p.get("in") == "path"}
        self.query_params = {p["name"].lower(): p for p in params if p.get("in") == "query"}
        self.body = next((p for p in params if p.get("in") == "body"), None)
        self.versions = versions
        self.preview = any("preview" in v for v in versions)
        self.literal = len(PARAM_RE.sub("", path_template))
        pattern, self.bare = self._compile(path_template)
        self.regex = re.compile(pattern + "/?", re.IGNORECASE)

    def _compile(self, path_template: str) -> tuple:
        out = []
        segments = path_template.strip("/").split("/")
        for segment in segments:
            whole = PARAM_RE.fullmatch(segment)
            if whole and self._multi(whole.group(1)):
                out.append(f"(?:/(?P<{self._group(whole.group(1))}>.+?))?")
                continue
            pos, piece = 0, "/"
            for match in PARAM_RE.finditer(segment):
                piece += re.escape(segment[pos:match.start()]) + f"(?P<{self._group(match.group(1))}>[^/]+)"
                pos = match.end()
            out.append(piece + re.escape(segment[pos:]))
        bare = len(segments) == 1 and bool(PARAM_RE.fullmatch(segments[0]))
        return "".join(out), bare

    def _multi(self, name: str) -> bool:
        param = self.path_params.get(name) or {}
        return bool(param.get("x-ms-skip-url-encoding"))

    @staticmethod
    def _group(name: str) -> str:
        return "p_" + re.sub(r"\W", "_", name)


class Library:
    """All operations of the stored specifications, with the files they were read from."""

    def __init__(self):
        self.files: dict = {}
        self.operations: list = []
        self.unresolved: set = set()
        for service, rel in SPEC_FILES:
            self._add_file(service, rel)
        for service, method, template, rel, op_id in EXAMPLE_OPERATIONS:
            example = _load_json(SPEC_DIR / rel)
            values = example.get("parameters") or {}
            names = set(PARAM_RE.findall(template))
            params = [{"name": name, "in": "path", "required": True, "type": "string"} for name in names]
            params += [{"name": name, "in": "query", "required": True, "type": "string"} for name in values
                       if name not in names]
            versions = {values["api-version"]} if "api-version" in values else set()
            self.operations.append(Operation(service, method, template, None, op_id, params, versions, rel + " (example)"))
        self.operations.sort(key=lambda op: -op.literal)

    def file_for(self, rel: str):
        """A stored file by its path below specs/ (``common-types/...`` found by its tail, as stored)."""
        rel = rel.lstrip("./")
        if rel not in self.files:
            candidates = [rel, rel + ".gz"]
            if "common-types/" in rel:
                tail = "common-types/" + rel.split("common-types/", 1)[1]
                candidates += [tail, tail + ".gz"]
            for candidate in candidates:
                if (SPEC_DIR / candidate).is_file():
                    self.files[rel] = SpecFile(self, candidate, "arm")
                    break
            else:
                self.unresolved.add(rel)
                return None
        return self.files[rel]

    def _add_file(self, service: str, rel: str) -> None:
        spec = SpecFile(self, rel, service)
        self.files[rel] = spec
        self.files[rel[:-3] if rel.endswith(".gz") else rel] = spec
        version = str((spec.doc.get("info") or {}).get("version") or "")
        consumes = spec.doc.get("consumes")
        for key in ("paths", "x-ms-paths"):
            for template, item in (spec.doc.get(key) or {}).items():
                shared = item.get("parameters") or []
                for method, operation in item.items():
                    if method == "parameters" or not isinstance(operation, dict):
                        continue
                    params = [self._param(spec, p) for p in shared + (operation.get("parameters") or [])]
                    params = [p for p in params if p is not None]
                    versions = self._versions(spec, params, version)
                    self.operations.append(Operation(service, method.upper(), template, spec, operation.get("operationId"),
                                                     params, versions, rel, operation.get("consumes") or consumes))

    def _param(self, spec: SpecFile, param: dict):
        if "$ref" not in param:
            return dict(param, _spec=spec)
        target, node = spec.resolve(param["$ref"])
        if node is UNRESOLVED:
            # ARM common-types (not stored): only the api-version parameter matters beyond the path template.
            if param["$ref"].endswith("/ApiVersionParameter"):
                return {"name": "api-version", "in": "query", "required": True, "type": "string", "_spec": spec}
            return None
        return dict(node, _spec=target)

    @staticmethod
    def _versions(spec: SpecFile, params: list, version: str) -> set:
        for param in params:
            if param.get("name") == "api-version":
                if param.get("enum"):
                    return set(param["enum"])
                # Azure DevOps: "This should be set to '7.1-preview.1' to use this version of the api."
                quoted = re.search(r"set to '([^']+)'", param.get("description") or "")
                if spec.vss and quoted:
                    return {quoted.group(1)}
        return {version} if version else set()

    def match(self, service: str, method: str, path: str) -> tuple:
        """(candidate operations with the method, methods of other operations on the path)."""
        found, other = [], set()
        best = None
        for op in self.operations:
            if op.service != service or op.bare:
                continue
            if best is not None and op.literal < best:
                break
            groups = op.regex.fullmatch(path)
            if groups is None:
                continue
            if op.method == method:
                best = op.literal
                found.append((op, groups))
            else:
                other.add(op.method)
        return found, other


class Result:
    """What the validator found for one request."""

    def __init__(self, spec="unchecked", source=None, violations=None, warnings=None, reason=None):
        self.spec = spec
        self.source = source
        self.violations = violations or []
        self.warnings = warnings or []
        self.reason = reason

    def log_fields(self) -> dict:
        fields = {"spec": self.spec, "spec_source": self.source, "violations": self.violations}
        if self.warnings:
            fields["warnings"] = self.warnings
        if self.reason:
            fields["unchecked_reason"] = self.reason
        return fields


def _violation(rule: str, where: str, message: str) -> dict:
    return {"rule": rule, "at": where, "message": message}


class BodyChecker:
    """Validates a JSON value against a Swagger 2.0 schema ($ref across files, allOf, discriminators)."""

    def __init__(self, vss: bool):
        self.vss = vss
        self.violations: list = []
        self.warnings: list = []

    def deref(self, schema, spec):
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 20:
            spec, target = spec.resolve(schema["$ref"])
            if target is UNRESOLVED:
                return UNRESOLVED, spec
            merged = dict(target)
            merged.update({k: v for k, v in schema.items() if k not in ("$ref", "description")})
            schema, seen = merged, seen + 1
        return schema, spec

    def collect(self, schema, spec, props=None, required=None, depth=0) -> tuple:
        """Properties (name -> (schema, spec)), required names, additionalProperties, an unresolved part."""
        props = {} if props is None else props
        required = set() if required is None else required
        additional, unresolved, array_part = None, False, None
        for name, sub in (schema.get("properties") or {}).items():
            props[name] = (sub, spec)
        required.update(schema.get("required") or ())
        if "additionalProperties" in schema:
            additional = (schema["additionalProperties"], spec)
        for part in schema.get("allOf") or ():
            part, part_spec = self.deref(part, spec)
            if part is UNRESOLVED:
                unresolved = True
                continue
            if part.get("type") == "array":
                array_part = (part, part_spec)
                continue
            if depth < 10:
                sub_add, sub_unres, sub_array = self.collect(part, part_spec, props, required, depth + 1)[2:]
                additional = additional or sub_add
                unresolved = unresolved or sub_unres
                array_part = array_part or sub_array
        return props, required, additional, unresolved, array_part

    def check(self, value, schema, spec, where: str, depth: int = 0) -> None:
        if depth > 40:
            return
        raw = schema
        schema, spec = self.deref(schema, spec)
        if schema is UNRESOLVED or not isinstance(schema, dict):
            return
        if value is None:
            if not (self.vss or schema.get("x-nullable") or raw.get("x-nullable")):
                self.violations.append(_violation("body", where, "null is not allowed here (not x-nullable)"))
            return
        base = raw.get("$ref", "").rsplit("/definitions/", 1)[-1] if isinstance(raw, dict) and "$ref" in raw else None
        schema, spec = self._subtype(value, schema, spec, where, base)
        props, required, additional, unresolved, array_part = self.collect(schema, spec)
        kind = schema.get("type")
        if array_part is not None:  # Azure DevOps: a List<T> subclass is "object" with an array in allOf
            kind, schema, spec = "array", array_part[0], array_part[1]
        if kind is None and (props or required):
            kind = "object"
        if kind == "object" and self.vss and not props and additional is None and not unresolved:
            kind = None  # .NET System.Object: any JSON value
        if not self._type_ok(value, kind):
            self.violations.append(_violation("body", where, f"expected {kind}, got {_json_type(value)}"))
            return
        self._constraints(value, schema, where)
        if isinstance(value, list):
            items = schema.get("items")
            if isinstance(items, dict):
                for index, item in enumerate(value):
                    self.check(item, items, spec, f"{where}[{index}]", depth + 1)
        elif isinstance(value, dict):
            self._object(value, props, required, additional, unresolved, where, depth)

    def _subtype(self, value, schema, spec, where, base):
        name = schema.get("discriminator")
        if not name or not base or not isinstance(value, dict) or name not in value:
            return schema, spec
        subtypes = spec.subtypes.get(base, {})
        chosen = subtypes.get(value[name])
        if chosen is None:
            if subtypes and value[name] != base:
                self.violations.append(_violation("body", f"{where}.{name}", f"unknown {name} '{value[name]}' "
                                                  f"(the spec defines {', '.join(sorted(subtypes))})"))
            return schema, spec
        return spec.doc["definitions"][chosen], spec

    def _object(self, value, props, required, additional, unresolved, where, depth):
        for name in sorted(required):
            if name not in value:
                self.violations.append(_violation("body", f"{where}.{name}", "required property is missing"))
        for name, item in value.items():
            here = f"{where}.{name}"
            if name in props:
                sub, sub_spec = props[name]
                target = self.deref(sub, sub_spec)[0]
                if sub.get("readOnly") or (isinstance(target, dict) and target.get("readOnly")):
                    self.violations.append(_violation("body", here, "read-only property sent by the client"))
                    continue
                self.check(item, sub, sub_spec, here, depth + 1)
            elif additional is not None and isinstance(additional[0], dict):
                self.check(item, additional[0], additional[1], here, depth + 1)
            elif additional is not None and additional[0] is False:
                self.violations.append(_violation("body", here, "property not allowed (additionalProperties: false)"))
            elif not unresolved and additional is None and props:
                self.warnings.append(_violation("body", here, "property not in the schema"))

    @staticmethod
    def _type_ok(value, kind) -> bool:
        if kind is None or kind == "file":
            return True
        if kind == "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if kind == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        expected = {"string": str, "boolean": bool, "object": dict, "array": list}.get(kind)
        return expected is None or isinstance(value, expected)

    def _constraints(self, value, schema, where) -> None:
        problems = scalar_problems(value, schema)
        self.violations.extend(_violation("body", where, problem) for problem in problems)


def scalar_problems(value, schema) -> list:
    """enum, format uuid, pattern, lengths and bounds of one value."""
    problems = []
    enum = schema.get("enum")
    if enum and isinstance(value, (str, int, float, bool)) and value not in enum:
        problems.append(f"'{value}' is not one of {', '.join(map(str, enum))}")
    if isinstance(value, str):
        if schema.get("format") == "uuid" and not UUID_RE.match(value):
            problems.append(f"'{value}' is not a uuid")
        pattern = schema.get("pattern")
        if pattern:
            try:
                if not re.search(pattern, value):
                    problems.append(f"'{value}' does not match the pattern {pattern}")
            except re.error:
                pass
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"longer than {schema['maxLength']} characters")
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"shorter than {schema['minLength']} characters")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{value} is below the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{value} is above the maximum {schema['maximum']}")
    elif isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"more than {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"fewer than {schema['minItems']} items")
    return problems


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {dict: "object", list: "array", str: "string", float: "number"}.get(type(value), type(value).__name__)


def _query_value(raw: str, param: dict):
    """A query string value converted to the parameter's type (None when it does not convert)."""
    kind = param.get("type")
    if kind == "integer":
        return int(raw) if re.fullmatch(r"[+-]?\d+", raw) else None
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return None
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower())
    return raw


class Validator:
    """Checks requests, keeps the cumulative record and answers the admin calls."""

    def __init__(self, emu):
        self.emu = emu
        self.library = Library()
        self.graph = [(method, re.compile(r"/v1\.0" + pattern + "/?", re.IGNORECASE), name, required, forbidden)
                      for method, pattern, name, required, forbidden in GRAPH_OPERATIONS]
        self.lock = threading.Lock()
        self.reset_record()

    def reset_record(self) -> None:
        with self.lock:
            self.since = time.time()
            self.records: collections.deque = collections.deque(maxlen=RECORD_LIMIT)
            self.total_violations = 0
            self.operations: dict = {}

    # ------------------------------------------------------------------ checking
    def check(self, req: Request) -> Result:
        """Validate one request (never raises)."""
        try:
            if req.service in ("arm", "azdo"):
                return self._check_spec(req)
            if req.service == "graph":
                return self._check_graph(req)
            return Result(reason=f"no specification for the {req.service} service")
        except Exception as exc:  # pylint: disable=broad-except
            return Result(reason=f"validator error: {exc!r}")

    def _check_spec(self, req: Request) -> Result:
        found, other = self.library.match(req.service, req.method, req.path)
        if not found:
            if other:
                return Result(spec="method-not-in-spec", violations=[_violation(
                    "method", req.method, f"the specification has no {req.method} operation for this path "
                    f"(it has {', '.join(sorted(other))})")])
            return Result(reason="no operation of the stored specifications matches the path")
        results = []
        for op, groups in found:
            results.append(self._check_operation(req, op, groups))
            if not results[-1].violations:
                break
        return min(results, key=lambda result: len(result.violations))

    def _check_operation(self, req: Request, op: Operation, groups: re.Match) -> Result:
        violations: list = []
        for name, param in op.path_params.items():
            value = groups.groupdict().get(Operation._group(name))
            if value:
                violations += [_violation("path", name, problem) for problem in scalar_problems(value, param)]
        version = self._api_version(req, op)
        violations += self._check_version(op, version)
        violations += self._check_query(req, op)
        body = BodyChecker(vss=op.spec is not None and op.spec.vss)
        violations += self._check_body(req, op, body)
        return Result(op.op_id or op.template, op.source, violations + body.violations, body.warnings)

    @staticmethod
    def _api_version(req: Request, op: Operation):
        version = req.arg("api-version")
        if version is None and op.service == "azdo":
            accept = ACCEPT_VERSION_RE.search(req.header("Accept") or "")
            version = accept.group(1) if accept else None
        return version

    @staticmethod
    def _check_version(op: Operation, version) -> list:
        if not op.versions:
            return []
        if version is None:
            return [_violation("api-version", "api-version", "missing (required query parameter)")]
        if op.service == "arm":
            if version not in op.versions:
                return [_violation("api-version", "api-version", f"'{version}' is not the version of this "
                                   f"specification ({', '.join(sorted(op.versions))})")]
            return []
        got = ADO_VERSION_RE.match(version)
        for allowed in op.versions:
            want = ADO_VERSION_RE.match(allowed)
            if not got or not want or got.group(1) != want.group(1):
                continue
            preview_only = "-preview" in allowed.lower()
            if preview_only and "-preview" not in version.lower():
                continue
            if preview_only and want.group(2) and got.group(2) and int(got.group(2)) > int(want.group(2)):
                continue
            return []
        return [_violation("api-version", "api-version", f"'{version}' does not fit this specification "
                           f"({', '.join(sorted(op.versions))}{'' if op.preview else ' or its -preview forms'})")]

    @staticmethod
    def _check_query(req: Request, op: Operation) -> list:
        violations = []
        sent = {key.lower(): values for key, values in req.query.items()}
        fixed = {name.lower() for name in op.fixed_query}
        for name, param in op.query_params.items():
            if name == "api-version":
                continue
            if param.get("required") and name not in sent and name not in fixed:
                violations.append(_violation("query", param["name"], "required query parameter is missing"))
        for key, values in req.query.items():
            lkey = key.lower()
            if lkey == "api-version" or SKIP_TOKEN_RE.match(key) or lkey in fixed:
                continue
            param = op.query_params.get(lkey)
            if param is None:
                violations.append(_violation("query", key, "query parameter not in the specification"))
                continue
            for raw in values:
                items = raw.split(",") if param.get("type") == "array" else [raw]
                item_schema = param.get("items") or {} if param.get("type") == "array" else param
                for item in items:
                    value = _query_value(item, item_schema)
                    if value is None:
                        violations.append(_violation("query", key, f"'{item}' is not of type {item_schema.get('type')}"))
                        continue
                    violations += [_violation("query", key, problem) for problem in scalar_problems(value, item_schema)]
        return violations

    @staticmethod
    def _check_body(req: Request, op: Operation, checker: BodyChecker) -> list:
        has_body = bool(req.body and req.body.strip())
        if op.body is None:
            if has_body and req.method in ("GET", "DELETE", "HEAD"):
                return [_violation("body", "$", f"the operation takes no request body ({req.method})")]
            if has_body:
                return [_violation("body", "$", "the operation takes no request body")]
            return []
        if not has_body:
            if op.body.get("required"):
                return [_violation("body", "$", "request body is required")]
            return []
        ctype = (req.header("Content-Type") or "").split(";")[0].strip().lower()
        violations = []
        if op.consumes and ctype not in op.consumes:
            violations.append(_violation("content-type", "Content-Type", f"'{ctype or '(none)'}' is not one of "
                                         f"{', '.join(op.consumes)}"))
        try:
            value = json.loads(req.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            return violations + [_violation("body", "$", f"not valid JSON: {exc}")]
        if "schema" in op.body:
            checker.check(value, op.body["schema"], op.body["_spec"], "$")
        return violations

    def _check_graph(self, req: Request) -> Result:
        for method, regex, name, required, forbidden in self.graph:
            if method != req.method or not regex.fullmatch(req.path):
                continue
            violations = []
            if required or forbidden:
                try:
                    body = json.loads(req.body.decode("utf-8")) if req.body and req.body.strip() else None
                except (UnicodeDecodeError, ValueError) as exc:
                    return Result(name, GRAPH_SOURCE, [_violation("body", "$", f"not valid JSON: {exc}")])
                if not isinstance(body, dict):
                    return Result(name, GRAPH_SOURCE, [_violation("body", "$", "a JSON object is required")])
                violations += [_violation("body", f"$.{key}", "required property is missing")
                               for key in required if key not in body]
                violations += [_violation("body", f"$.{key}", "may not be sent in this request")
                               for key in forbidden if key in body]
            return Result(name, GRAPH_SOURCE, violations)
        return Result(reason="not among the Graph contracts of CONTRACTS.md section 7")

    # ------------------------------------------------------------------ recording
    def record(self, entry: dict, req: Request, result: Result) -> None:
        """Count the operation and keep the violations of one logged request."""
        agent = req.header("User-Agent") or ""
        if result.spec == "unchecked":
            handler = getattr(getattr(req.route, "handler", None), "__name__", "fallback")
            key = f"{req.service} {req.method} unchecked:{handler}"
        else:
            key = f"{req.service} {req.method} {result.spec}"
        with self.lock:
            stats = self.operations.get(key)
            if stats is None:
                stats = self.operations[key] = {
                    "service": req.service, "method": req.method, "spec": result.spec, "source": result.source,
                    "example_path": req.path, "requests": 0, "violating_requests": 0, "clients": []}
                if result.reason:
                    stats["unchecked_reason"] = result.reason
            stats["requests"] += 1
            client = agent.split(" ", 1)[0]
            if client not in stats["clients"]:
                stats["clients"].append(client)
            if result.violations:
                stats["violating_requests"] += 1
                self.total_violations += 1
                self.records.append({"seq": entry.get("seq"), "time": entry.get("time"), "method": req.method,
                                     "path": req.path, "query_string": req.query_string, "service": req.service,
                                     "status": entry.get("status"), "user_agent": agent, "spec": result.spec,
                                     "spec_source": result.source, "violations": result.violations})

    def snapshot(self) -> dict:
        with self.lock:
            return {"since": self.since, "count": self.total_violations, "violations": list(self.records),
                    "operations": sorted((dict(v) for v in self.operations.values()),
                                         key=lambda op: (op["service"], op["spec"], op["method"]))}

    # ------------------------------------------------------------------ rejecting
    def reject_error(self, req: Request, result: Result) -> HttpError:
        """The 400 a strict service would answer (codes are the emulator's choice, README)."""
        text = "; ".join(f"{v['at']}: {v['message']}" for v in result.violations)
        message = f"The request does not match the API specification ({result.spec}): {text}"
        if req.service == "graph":
            return HttpError(400, "Request_BadRequest", message)
        if req.service == "azdo":
            return HttpError(400, "ArgumentException", message, type_name="System.ArgumentException, mscorlib",
                             event_id=0)
        if any(v["rule"] == "api-version" for v in result.violations):
            return HttpError(400, "InvalidApiVersionParameter", message)
        return HttpError(400, "InvalidRequestContent", message)


# ---------------------------------------------------------------------- admin API
def get_violations(emu, _req: Request) -> Response:
    """GET /_emulator/violations: the cumulative record."""
    return Response(200, emu.validator.snapshot())


def clear_violations(emu, _req: Request) -> Response:
    """DELETE /_emulator/violations."""
    emu.validator.reset_record()
    return Response(204)


def register(router, _emu) -> None:
    """Admin routes of the cumulative record."""
    router.add("admin", "GET", r"/_emulator/violations/?", get_violations, write=False)
    router.add("admin", "DELETE", r"/_emulator/violations/?", clear_violations)


# ---------------------------------------------------------------------- end-of-run check
def fetch_record(info: dict, clear: bool = False) -> dict:
    """The cumulative record of a running emulator (stdlib HTTPS, trusting its CA)."""
    context = ssl.create_default_context(cafile=info["ca_path"])
    url = info["admin_url"].rstrip("/") + "/violations"
    with urllib.request.urlopen(url, context=context, timeout=30) as response:  # noqa: S310
        record = json.loads(response.read().decode("utf-8"))
    if clear:
        request = urllib.request.Request(url, method="DELETE")
        with urllib.request.urlopen(request, context=context, timeout=30):  # noqa: S310
            pass
    return record


def summarize(record: dict, client_prefix: str = "") -> tuple:
    """(text, violations) for the requests whose User-Agent starts with client_prefix."""
    ops = [op for op in record["operations"] if any(c.startswith(client_prefix) for c in op["clients"])]
    violations = [v for v in record["violations"] if v["user_agent"].startswith(client_prefix)]
    checked = [op for op in ops if op["spec"] != "unchecked"]
    lines = [f"{len(ops)} distinct operations used{' by ' + client_prefix if client_prefix else ''}, "
             f"{len(checked)} checked against a specification, {len(violations)} violating request(s)"]
    for op in ops:
        label = op["spec"] if op["spec"] != "unchecked" else f"unchecked ({op.get('unchecked_reason', '')})"
        lines.append(f"  {op['service']:6} {op['method']:6} {op['example_path']}  -> {label}  "
                     f"[{op['requests']} request(s), {op['violating_requests']} violating]")
    for item in violations:
        lines.append(f"VIOLATION {item['method']} {item['path']}?{item['query_string']} ({item['spec']}, "
                     f"{item['user_agent']}): " + "; ".join(f"{v['at']}: {v['message']}" for v in item["violations"]))
    return "\n".join(lines), violations


def main(argv=None) -> int:
    """python -m emulator.validation --info-file INFO [--client PREFIX] [--clear]"""
    parser = argparse.ArgumentParser(description="Print the emulator's spec-violation record; exit 1 if not empty.")
    parser.add_argument("--info-file", required=True, help="the emulator's info file")
    parser.add_argument("--client", default="", help="only requests whose User-Agent starts with this")
    parser.add_argument("--clear", action="store_true", help="clear the record after reading it")
    args = parser.parse_args(argv)
    with open(args.info_file, encoding="utf-8") as handle:
        info = json.load(handle)
    text, violations = summarize(fetch_record(info, clear=args.clear), args.client)
    print(text)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
