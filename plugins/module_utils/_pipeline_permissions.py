# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azdo.identity contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which pipelines may use a protected resource (a service connection): desired state.

Azure DevOps may take a moment before a PATCH is visible in the next GET, so the change is read back and
sent once more if it is not there yet, as Microsoft's Terraform provider does (docs/service-behaviour.md).
"""

from __future__ import annotations

from ansible_collections.azdo.identity.plugins.module_utils._errors import InputError

RESOURCE_TYPE = "endpoint"


def desired(spec, pipelines_by_name):
    """``(all_pipelines or None, set of pipeline ids, purge)`` from the pipeline_permissions option."""
    ids = set()
    for item in spec.get("pipelines") or []:
        text = str(item)
        if text.isdigit():
            ids.add(int(text))
        elif text in pipelines_by_name:
            ids.add(pipelines_by_name[text])
        else:
            raise InputError("pipeline_permissions.pipelines names '%s', which is not a pipeline of this "
                             "project" % text)
    return spec.get("all_pipelines"), ids, bool(spec.get("purge"))


def names_needed(spec):
    return [p for p in spec.get("pipelines") or [] if not str(p).isdigit()]


def summarize(body):
    authorized = sorted(p["id"] for p in (body or {}).get("pipelines") or [] if p.get("authorized"))
    return dict(all_pipelines=bool(((body or {}).get("allPipelines") or {}).get("authorized")), pipelines=authorized)


def patch_for(current, all_pipelines, ids, purge):
    """The PATCH body that takes ``current`` to the desired permissions, or ``None`` when nothing changes."""
    have = summarize(current)
    body = {}
    if all_pipelines is not None and all_pipelines != have["all_pipelines"]:
        body["allPipelines"] = {"authorized": bool(all_pipelines)}
    changes = [{"id": i, "authorized": True} for i in sorted(ids - set(have["pipelines"]))]
    if purge:
        changes += [{"id": i, "authorized": False} for i in have["pipelines"] if i not in ids]
    if changes:
        body["pipelines"] = changes
    return body or None


def predict(current, all_pipelines, ids, purge):
    have = summarize(current)
    authorized = set(ids) if purge else set(have["pipelines"]) | ids
    return dict(all_pipelines=have["all_pipelines"] if all_pipelines is None else bool(all_pipelines),
                pipelines=sorted(authorized))


def ensure(azdo, project_id, endpoint_id, wanted, check_mode, sleep):
    """Make the permissions of ``endpoint_id`` what ``wanted`` (from :func:`desired`) says.

    Returns ``(changed, after)``; ``endpoint_id`` is ``None`` for a connection check mode did not create.
    """
    all_pipelines, ids, purge = wanted
    if not endpoint_id:
        return bool(all_pipelines or ids), predict({}, all_pipelines, ids, purge)
    current = azdo.pipeline_permissions(project_id, RESOURCE_TYPE, endpoint_id)
    body = patch_for(current, all_pipelines, ids, purge)
    if body is None:
        return False, summarize(current)
    if check_mode:
        return True, predict(current, all_pipelines, ids, purge)
    azdo.update_pipeline_permissions(project_id, RESOURCE_TYPE, endpoint_id, body)
    for dummy in range(3):
        current = azdo.pipeline_permissions(project_id, RESOURCE_TYPE, endpoint_id)
        if patch_for(current, all_pipelines, ids, purge) is None:
            return True, summarize(current)
        sleep(1.0)
        azdo.update_pipeline_permissions(project_id, RESOURCE_TYPE, endpoint_id, body)
    return True, summarize(azdo.pipeline_permissions(project_id, RESOURCE_TYPE, endpoint_id))
