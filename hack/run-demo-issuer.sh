#!/usr/bin/env bash
# The issuer migration scenario (`make demo-issuer`): start the emulator with a fresh state, seed an
# organization whose service connections still use the Azure DevOps issuer (the emulator's
# issuerFleet seed: 3 projects x 12 connections of every kind), run playbooks/issuer_migration.yml
# in check mode (the plan report), then for real, and print where the reports are.
# The emulator is always stopped at the end.
#
# Usage: hack/run-demo-issuer.sh [extra ansible-playbook args...]
# Expects the venv (.venv) and the collection copy (.collections): `make demo-issuer` prepares both.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"
venv="${VENV:-${root}/.venv}"
state_dir="${root}/.emulator"
info_file="${state_dir}/issuer-info.json"
log_file="${state_dir}/issuer-emulator.log"
report_root="${state_dir}/issuer-migration"
timeout="${EMULATOR_START_TIMEOUT:-30}"
playbook="playbooks/issuer_migration.yml"

mkdir -p "${state_dir}"
rm -f "${info_file}"
rm -rf "${report_root}"

# A fresh organization each time (no --state-file): the scenario always starts from the same fleet.
PYTHONPATH="${root}/tests${PYTHONPATH:+:${PYTHONPATH}}" \
    "${venv}/bin/python" -m emulator --info-file "${info_file}" --replication-delay 2 >"${log_file}" 2>&1 &
emulator_pid=$!
trap 'kill "${emulator_pid}" 2>/dev/null || true; wait "${emulator_pid}" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

deadline=$((SECONDS + timeout))
until [ -s "${info_file}" ] && "${venv}/bin/python" -c 'import json, sys; json.load(open(sys.argv[1]))' "${info_file}" 2>/dev/null; do
    if ! kill -0 "${emulator_pid}" 2>/dev/null; then
        echo "run-demo-issuer.sh: emulator exited before writing ${info_file}; its log:" >&2
        cat "${log_file}" >&2
        exit 1
    fi
    if [ "${SECONDS}" -ge "${deadline}" ]; then
        echo "run-demo-issuer.sh: emulator did not start within ${timeout}s; its log:" >&2
        cat "${log_file}" >&2
        exit 1
    fi
    sleep 0.2
done
echo "emulator running (pid ${emulator_pid}), connection details in ${info_file}"

# Seed the fleet through the emulator's admin API (tests/emulator/README.md, "Issuer conversion").
"${venv}/bin/python" - "${info_file}" <<'PY'
import json
import sys

import requests

info = json.load(open(sys.argv[1]))
answer = requests.post(info["admin_url"] + "/seed", verify=info["ca_path"], timeout=60,
                       json={"issuerFleet": [{"projects": 3, "perProject": 12, "prefix": "demo"}]})
answer.raise_for_status()
fleet = answer.json()["issuerFleet"][0]
print("seeded %d connections in projects %s" % (len(fleet["connections"]), ", ".join(fleet["projects"])))
PY

# The playbook reads its sign-in from the environment, as against real Azure (auth_source auto).
# The secret goes into the environment only; nothing here prints it.
info() {
    "${venv}/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "${info_file}" "$1"
}
AZURE_CLIENT_ID="$(info client_id)"
AZURE_TENANT_ID="$(info tenant_id)"
AZURE_CLIENT_SECRET="$(info client_secret)"
export AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_CLIENT_SECRET
organization_url="$(info organization_url)"
cloud_environment="$(info base_url)"
ca_path="$(info ca_path)"

run_playbook() {
    ANSIBLE_COLLECTIONS_PATH="${root}/.collections" \
    ANSIBLE_PYTHON_INTERPRETER="${venv}/bin/python" \
    ANSIBLE_LOCALHOST_WARNING=false \
    ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
        "${venv}/bin/ansible-playbook" "${playbook}" \
        -e "azdo_identity_organization_url=${organization_url}" \
        -e "azdo_identity_cloud_environment=${cloud_environment}" \
        -e "azdo_identity_ca_path=${ca_path}" "$@"
}

echo
echo "== 1/2 check mode: the plan (nothing is changed)"
run_playbook --check -e "issuer_migration_report_dir=${report_root}/plan" "$@"
echo
echo "== 2/2 the run"
run_playbook -e "issuer_migration_report_dir=${report_root}/run" "$@"

echo
echo "demo-issuer: the plan:   ${report_root}/plan/issuer-migration.html (.md, .json)"
echo "demo-issuer: the report: ${report_root}/run/issuer-migration.html (.md, .json)"
