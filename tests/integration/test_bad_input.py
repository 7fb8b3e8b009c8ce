# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input fails with a message naming the option, before any write reaches the service.

Each case runs the module the way Ansible does (a JSON args file, in a child process) against
the emulator, then reads the emulator's request log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import certifi
import pytest

from collection_path import collections_root

MODULES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "plugins", "modules")
ROLE_GUID_UNKNOWN = "00000000-1111-2222-3333-444444444444"


def run_module(name, args, env_extra=None, tmp_path=None):
    path = tmp_path / ("%s-args.json" % name)
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict(os.environ)
    env["PYTHONPATH"] = collections_root()
    env.update(env_extra or {})
    done = subprocess.run([sys.executable, os.path.join(MODULES, name + ".py"), str(path)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120, check=False)
    return json.loads(done.stdout)


def auth(emulator):
    return dict(auth_source="credential", client_id=emulator["client_id"], secret=emulator["client_secret"],
                tenant=emulator["tenant_id"], cloud_environment=emulator["base_url"], ca_path=emulator["ca_path"])


def fic(emulator, **overrides):
    args = dict(identity="id-bad-input", resource_group=emulator["resource_group"],
                subscription_id=emulator["subscription_id"], name="fic-ok",
                issuer="https://login.microsoftonline.com/%s/v2.0" % emulator["tenant_id"], subject="sc://o/p/c")
    args.update(overrides)
    return args


def sc(emulator, **overrides):
    args = dict(organization_url=emulator["organization_url"], project=emulator["project_name"], name="sc-bad-input",
                identity_client_id="00000000-0000-0000-0000-0000000000bb", subscription_id=emulator["subscription_id"],
                subscription_name=emulator["subscription_name"], environment="AzureCloud")
    args.update(overrides)
    return args


def rg(emulator):
    return "/subscriptions/%s/resourceGroups/%s" % (emulator["subscription_id"], emulator["resource_group"])


CASES = [
    # (id, module, args builder, words the message must contain)
    ("scope-empty", "role_assignment", lambda e: dict(scope="/", role="Reader", principal_id=e["principal_id"]),
     ["scope"]),
    ("scope-not-a-scope", "role_assignment",
     lambda e: dict(scope="/resourceGroups/x", role="Reader", principal_id=e["principal_id"]), ["scope"]),
    ("scope-subscription-not-guid", "role_assignment",
     lambda e: dict(scope="/subscriptions/my-sub", role="Reader", principal_id=e["principal_id"]),
     ["scope", "subscription id"]),
    ("principal-not-guid", "role_assignment",
     lambda e: dict(scope=rg(e), role="Reader", principal_id="my-app"), ["principal_id"]),
    ("role-unknown-name", "role_assignment",
     lambda e: dict(scope=rg(e), role="Raeder", principal_id=e["principal_id"]), ["Raeder", "role"]),
    ("role-unknown-guid", "role_assignment",
     lambda e: dict(scope=rg(e), role=ROLE_GUID_UNKNOWN, principal_id=e["principal_id"]), [ROLE_GUID_UNKNOWN]),
    ("condition-version-alone", "role_assignment",
     lambda e: dict(scope=rg(e), role="Reader", principal_id=e["principal_id"], condition_version="2.0"),
     ["condition_version", "condition"]),
    ("principal-type-invalid", "role_assignment",
     lambda e: dict(scope=rg(e), role="Reader", principal_id=e["principal_id"], principal_type="Robot"),
     ["principal_type"]),
    ("cloud-http", "role_assignment",
     lambda e: dict(scope=rg(e), role="Reader", principal_id=e["principal_id"], cloud_environment="http://x"),
     ["cloud_environment", "https"]),
    ("cloud-unknown-name", "role_assignment",
     lambda e: dict(scope=rg(e), role="Reader", principal_id=e["principal_id"], cloud_environment="AzureMars"),
     ["cloud_environment"]),
    ("credential-missing-secret", "role_assignment",
     lambda e: dict(scope=rg(e), role="Reader", principal_id=e["principal_id"], secret=None),
     ["'secret'"]),
    ("retry-budget-negative", "role_assignment",
     lambda e: dict(scope=rg(e), role="Reader", principal_id=e["principal_id"], retry_budget=-1), ["retry_budget"]),
    ("state-invalid", "role_assignment",
     lambda e: dict(scope=rg(e), role="Reader", principal_id=e["principal_id"], state="gone"), ["state"]),
    # ---------------------------------------------------------------- managed_identity
    ("mi-name-too-short", "managed_identity",
     lambda e: dict(name="ab", resource_group=e["resource_group"], subscription_id=e["subscription_id"]), ["name"]),
    ("mi-name-bad-chars", "managed_identity",
     lambda e: dict(name="id with space", resource_group=e["resource_group"], subscription_id=e["subscription_id"]),
     ["name"]),
    ("mi-subscription-missing", "managed_identity",
     lambda e: dict(name="id-ok", resource_group=e["resource_group"]), ["subscription_id"]),
    ("mi-subscription-not-guid", "managed_identity",
     lambda e: dict(name="id-ok", resource_group=e["resource_group"], subscription_id="prod"), ["subscription_id"]),
    ("mi-resource-group-missing", "managed_identity",
     lambda e: dict(name="id-ok", resource_group="rg-does-not-exist", subscription_id=e["subscription_id"]),
     ["resource_group", "rg-does-not-exist"]),
    ("mi-tags-not-dict", "managed_identity",
     lambda e: dict(name="id-ok", resource_group=e["resource_group"], subscription_id=e["subscription_id"],
                    tags=["team", "platform"]), ["tags"]),
    # ---------------------------------------------------------------- managed_identity_federation
    ("fic-name-too-short", "managed_identity_federation",
     lambda e: fic(e, name="ab"), ["name"]),
    ("fic-name-bad-start", "managed_identity_federation",
     lambda e: fic(e, name="-starts-with-dash"), ["name"]),
    ("fic-issuer-http", "managed_identity_federation",
     lambda e: fic(e, issuer="http://issuer.example"), ["issuer", "https"]),
    ("fic-issuer-missing", "managed_identity_federation",
     lambda e: fic(e, issuer=None), ["issuer"]),
    ("fic-subject-empty", "managed_identity_federation",
     lambda e: fic(e, subject="  "), ["subject"]),
    ("fic-two-audiences", "managed_identity_federation",
     lambda e: fic(e, audiences=["api://AzureADTokenExchange", "api://other"]), ["audiences", "one"]),
    ("fic-no-parent", "managed_identity_federation",
     lambda e: fic(e, identity=None), ["identity", "application"]),
    ("fic-both-parents", "managed_identity_federation",
     lambda e: fic(e, application=e["client_id"]), ["identity", "application"]),
    ("fic-identity-name-without-rg", "managed_identity_federation",
     lambda e: fic(e, resource_group=None), ["resource_group"]),
    ("fic-identity-bad-id", "managed_identity_federation",
     lambda e: fic(e, identity="/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s"),
     ["identity", "userAssignedIdentities"]),
    ("fic-identity-missing", "managed_identity_federation",
     lambda e: fic(e, identity="id-does-not-exist"), ["id-does-not-exist", "does not exist"]),
    ("fic-application-unknown", "managed_identity_federation",
     lambda e: fic(e, identity=None, resource_group=None, application="00000000-0000-0000-0000-0000000000aa"),
     ["application", "00000000-0000-0000-0000-0000000000aa"]),
    # ---------------------------------------------------------------- app_registration
    ("app-no-name", "app_registration", lambda e: dict(), ["display_name"]),
    ("app-secret-days-and-date", "app_registration",
     lambda e: dict(display_name="x-app",
                    client_secret=dict(display_name="s", valid_days=3, end_date_time="2030-01-01T00:00:00Z")),
     ["valid_days", "end_date_time"]),
    ("app-secret-bad-date", "app_registration",
     lambda e: dict(display_name="x-app", client_secret=dict(display_name="s", end_date_time="next year")),
     ["end_date_time"]),
    ("app-secret-negative-days", "app_registration",
     lambda e: dict(display_name="x-app", client_secret=dict(display_name="s", valid_days=-1)), ["valid_days"]),
    ("app-secret-no-label", "app_registration",
     lambda e: dict(display_name="x-app", client_secret=dict(valid_days=3)), ["display_name"]),
    ("app-audience-invalid", "app_registration",
     lambda e: dict(display_name="x-app", sign_in_audience="Everyone"), ["sign_in_audience"]),
    # ---------------------------------------------------------------- azdo_service_connection
    ("sc-no-organization", "azdo_service_connection", lambda e: sc(e, organization_url=None), ["organization_url"]),
    ("sc-organization-http", "azdo_service_connection",
     lambda e: sc(e, organization_url="http://dev.azure.com/x"), ["organization_url", "https"]),
    ("sc-organization-with-slash", "azdo_service_connection",
     lambda e: sc(e, organization_url=None, organization="a/b"), ["organization"]),
    ("sc-project-missing", "azdo_service_connection", lambda e: sc(e, project="no-such-project"),
     ["no-such-project"]),
    ("sc-no-client-id", "azdo_service_connection", lambda e: sc(e, identity_client_id=None), ["identity_client_id"]),
    ("sc-client-id-not-guid", "azdo_service_connection", lambda e: sc(e, identity_client_id="my-identity"),
     ["identity_client_id"]),
    ("sc-tenant-not-guid", "azdo_service_connection", lambda e: sc(e, identity_tenant_id="contoso.com"),
     ["identity_tenant_id"]),
    ("sc-subscription-missing", "azdo_service_connection", lambda e: sc(e, subscription_id=None), ["subscription_id"]),
    ("sc-subscription-not-guid", "azdo_service_connection", lambda e: sc(e, subscription_id="prod"),
     ["subscription_id"]),
    ("sc-mg-without-id", "azdo_service_connection", lambda e: sc(e, scope_level="management_group"),
     ["management_group_id"]),
    ("sc-ml-without-workspace", "azdo_service_connection", lambda e: sc(e, scope_level="machine_learning_workspace"),
     ["ml_workspace_name"]),
    ("sc-stack-without-url", "azdo_service_connection", lambda e: sc(e, environment="AzureStack"),
     ["environment_url"]),
    ("sc-secret-with-wif", "azdo_service_connection", lambda e: sc(e, service_principal_secret="s3cr3t-value"),
     ["service_principal_secret", "scheme=service_principal"]),
    ("sc-secret-and-certificate", "azdo_service_connection",
     lambda e: sc(e, scheme="service_principal", service_principal_secret="s3cr3t-value", certificate="PEM"),
     ["service_principal_secret", "certificate"]),
    ("sc-environment-unknown", "azdo_service_connection", lambda e: sc(e, environment="AzureGermanCloud"),
     ["environment"]),
    ("sc-ready-timeout-zero", "azdo_service_connection", lambda e: sc(e, ready_timeout=0), ["ready_timeout"]),
    ("sc-unknown-pipeline", "azdo_service_connection",
     lambda e: sc(e, pipeline_permissions=dict(pipelines=["no-such-pipeline"])), ["no-such-pipeline"]),
    # issue 10 item 11 (failed on f86db6e: the message named neither the option nor the fix)
    ("sc-bad-pat", "azdo_service_connection", lambda e: sc(e, personal_access_token="not-a-valid-pat"),
     ["401", "personal_access_token", "AZDO_PERSONAL_ACCESS_TOKEN"]),
    # issue 10 item 8 (failed on f86db6e: a custom cloud's connection silently pointed at public Azure)
    ("sc-custom-cloud-without-environment", "azdo_service_connection", lambda e: sc(e, environment=None),
     ["environment", "custom cloud", "AzureStack"]),
    # issue 10 item 4: widening is explicit, never implied
    ("sc-resource-group-with-subscription-level", "azdo_service_connection",
     lambda e: sc(e, scope_level="subscription", resource_group=e["resource_group"]), ["resource_group", "scope_level"]),
    ("sc-stack-with-wif", "azdo_service_connection",
     lambda e: sc(e, environment="AzureStack", environment_url="https://management.local.azurestack.external"),
     ["Azure Stack", "workload identity federation"]),
    ("sc-info-name-and-id", "azdo_service_connection_info",
     lambda e: dict(organization_url=e["organization_url"], project=e["project_name"], name="a", id="b"),
     ["name", "id"]),
    ("sc-info-project-missing", "azdo_service_connection_info",
     lambda e: dict(organization_url=e["organization_url"], project="no-such-project"), ["no-such-project"]),
    # ---------------------------------------------------------------- role_assignment_info
    ("info-principal-not-guid", "role_assignment_info", lambda e: dict(scope=rg(e), principal_id="abc"),
     ["principal_id"]),
    ("info-scope-bad", "role_assignment_info", lambda e: dict(scope="nowhere"), ["scope"]),
    # issue 10 item 11 (failed on f86db6e: a raw CERTIFICATE_VERIFY_FAILED, naming no option)
    ("tls-untrusted-ca", "role_assignment_info", lambda e: dict(scope=rg(e), ca_path=certifi.where()),
     ["TLS verification failed", "ca_path", "REQUESTS_CA_BUNDLE"]),
]


@pytest.mark.parametrize("name,module,build,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_clearly_without_writes(emulator, admin, tmp_path, name, module, build, words):
    args = auth(emulator)
    args.update(build(emulator))
    args = dict((k, v) for k, v in args.items() if v is not None)
    admin.clear_requests()
    result = run_module(module, args, tmp_path=tmp_path)
    assert result.get("failed") is True, result
    for word in words:
        assert word in result["msg"], (word, result["msg"])
    assert admin.writes() == []
    text = json.dumps(result)
    for secret in (emulator["client_secret"], emulator.get("azdo_pat") or "-", "s3cr3t-value"):
        assert secret not in text


def test_a_missing_azure_identity_gets_the_standard_message(emulator, admin, tmp_path):
    """Issue 10 item 11 (failed on f86db6e: "Could not get a token ...: No module named 'azure.identity'")."""
    shadow = tmp_path / "shadow" / "azure" / "identity"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'azure.identity'\")\n")
    args = auth(emulator)
    args.update(scope=rg(emulator))
    admin.clear_requests()
    result = run_module("role_assignment_info", args, tmp_path=tmp_path,
                        env_extra={"PYTHONPATH": "%s%s%s" % (tmp_path / "shadow", os.pathsep, collections_root())})
    assert result.get("failed") is True, result
    assert "Failed to import the required Python library (azure-identity)" in result["msg"], result["msg"]
    assert admin.writes() == []


def test_a_principal_that_is_not_a_member_is_pointed_at_azdo_service_principal(emulator, admin, tmp_path):
    """Issue 10 item 11 (failed on f86db6e: TF400813 quoted without saying what to do)."""
    made = admin.seed({"applications": [{"displayName": "not-a-member", "secret": "not-a-member-secret-value"}]})
    app = made["applications"][0]
    args = dict(auth(emulator), client_id=app["appId"], secret="not-a-member-secret-value",
                organization_url=emulator["organization_url"], project=emulator["project_name"])
    admin.clear_requests()
    result = run_module("azdo_service_connection_info", args, tmp_path=tmp_path)
    assert result.get("failed") is True, result
    assert "TF400813" in result["msg"] and "azdo.identity.azdo_service_principal" in result["msg"], result["msg"]
    assert "not-a-member-secret-value" not in json.dumps(result)
