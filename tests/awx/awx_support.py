# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How AWX / Automation Platform turns credentials into a job's environment, for the tests of awx/.

Sources (AWX, github.com/ansible/awx):
- the built-in "Microsoft Azure Resource Manager" credential type is ``azure_rm`` in
  awx/main/models/credential/__init__.py; its injector is the function ``azure_rm`` in
  awx/main/models/credential/injectors.py (a Python function, not a template);
- custom credential types are validated by ``CredentialTypeInputField`` / ``CredentialTypeInjectorField``
  in awx/main/fields.py (JSON schemas; injector templates rendered with StrictUndefined against the
  defined fields), and their ``env`` injectors are Jinja2 templates rendered with the credential's inputs;
- a job's ANSIBLE_COLLECTIONS_PATHS starts with <private data dir>/requirements_collections, where the
  project sync installed the project's collections/requirements.yml (``build_env`` in awx/main/tasks/jobs.py).
"""

from __future__ import annotations

import os
import sys

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def venv_tool(name):
    """A tool of the virtualenv that runs the tests (ansible-galaxy, ansible-builder, ...)."""
    return os.path.join(os.path.dirname(sys.executable), name)


def read_galaxy_version():
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        for line in handle:
            if line.startswith("version:"):
                return line.split(":", 1)[1].strip()
    raise AssertionError("galaxy.yml has no version")


CREDENTIAL_TYPE_FILE = os.path.join(REPO, "awx", "credential_types", "azure_devops_organization.yml")

# The rules AWX applies to a custom credential type's inputs and injectors (restated from awx/main/fields.py).
NAME_PATTERN = "^[a-zA-Z_]+[a-zA-Z0-9_]*$"
INPUTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "label"],
                "properties": {
                    "id": {"type": "string", "pattern": NAME_PATTERN},
                    "label": {"type": "string"},
                    "type": {"enum": ["string", "boolean"]},
                    "format": {"enum": ["ssh_private_key", "url"]},
                    "choices": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string"}},
                    "help_text": {"type": "string"},
                    "multiline": {"type": "boolean"},
                    "secret": {"type": "boolean"},
                    "ask_at_runtime": {"type": "boolean"},
                },
            },
        },
    },
}
INJECTORS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "file": {"type": "object", "additionalProperties": False, "required": ["template"],
                 "properties": {"template": {"type": "string"}}},
        "env": {"type": "object", "additionalProperties": False,
                "patternProperties": {NAME_PATTERN: {"type": "string"}}},
        "extra_vars": {"type": "object", "additionalProperties": False,
                       "patternProperties": {NAME_PATTERN: {"type": "string"}}},
    },
}


def load_credential_type(path=CREDENTIAL_TYPE_FILE):
    with open(path) as handle:
        return yaml.safe_load(handle)


def render_env_injectors(credential_type, inputs):
    """The environment a custom credential of this type gives a job: each ``env`` template rendered with the
    inputs (inputs left empty render as empty strings, as AWX does for optional fields)."""
    namespace = dict((field["id"], "") for field in credential_type["inputs"]["fields"])
    namespace.update(inputs)
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    return dict((name, environment.from_string(template).render(namespace))
                for name, template in (credential_type.get("injectors") or {}).get("env", {}).items())


def azure_rm_env(subscription, client="", secret="", tenant="", username="", password="", cloud_environment=None):
    """The environment of AWX's built-in "Microsoft Azure Resource Manager" credential (its ``azure_rm`` injector):
    the subscription always; the service principal when client and tenant are set, else the user name and password;
    AZURE_CLOUD_ENVIRONMENT only when that input is set."""
    env = {"AZURE_SUBSCRIPTION_ID": subscription}
    if client and tenant:
        env.update(AZURE_CLIENT_ID=client, AZURE_TENANT=tenant, AZURE_SECRET=secret)
    else:
        env.update(AZURE_AD_USER=username, AZURE_PASSWORD=password)
    if cloud_environment is not None:
        env["AZURE_CLOUD_ENVIRONMENT"] = cloud_environment
    return env
