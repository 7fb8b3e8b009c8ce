#!/usr/bin/env bash
# Start the Azure / Azure DevOps emulator (tests/emulator) in the background, run
# playbooks/demo.yml against it, print the outcome and always stop the emulator.
#
# Usage: hack/run-demo.sh [PLAYBOOK] [extra ansible-playbook args...]
# Expects a venv with ansible-core, the runtime requirements and trustme (VENV, default .venv; `make demo`
# passes its runtime-only .venv-demo) and the collection copy (.collections) to exist: `make demo`
# prepares both before calling this script.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"
venv="${VENV:-${root}/.venv}"
playbook="${1:-playbooks/demo.yml}"
shift || true
state_dir="${root}/.emulator"
info_file="${state_dir}/info.json"
log_file="${state_dir}/emulator.log"
timeout="${EMULATOR_START_TIMEOUT:-30}"

if [ ! -f "${playbook}" ]; then
    echo "run-demo.sh: ${playbook} does not exist" >&2
    exit 2
fi

mkdir -p "${state_dir}"
rm -f "${info_file}"

PYTHONPATH="${root}/tests${PYTHONPATH:+:${PYTHONPATH}}" \
    "${venv}/bin/python" -m emulator --info-file "${info_file}" --state-file "${state_dir}/state.pickle" \
    --replication-delay 2 >"${log_file}" 2>&1 &
emulator_pid=$!

# always stop the emulator, however this script ends
trap 'kill "${emulator_pid}" 2>/dev/null || true; wait "${emulator_pid}" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

deadline=$((SECONDS + timeout))
until [ -s "${info_file}" ]; do
    if ! kill -0 "${emulator_pid}" 2>/dev/null; then
        echo "run-demo.sh: emulator exited before writing ${info_file}; its log:" >&2
        cat "${log_file}" >&2
        exit 1
    fi
    if [ "${SECONDS}" -ge "${deadline}" ]; then
        echo "run-demo.sh: emulator did not write ${info_file} within ${timeout}s; its log:" >&2
        cat "${log_file}" >&2
        exit 1
    fi
    sleep 0.2
done
# the file may be written in more than one step: wait until it parses
until "${venv}/bin/python" -c 'import json, sys; json.load(open(sys.argv[1]))' "${info_file}" 2>/dev/null; do
    if [ "${SECONDS}" -ge "${deadline}" ]; then
        echo "run-demo.sh: ${info_file} is not valid JSON" >&2
        exit 1
    fi
    sleep 0.2
done

echo "emulator running (pid ${emulator_pid}), connection details in ${info_file}"

status=0
ANSIBLE_COLLECTIONS_PATH="${root}/.collections" \
ANSIBLE_PYTHON_INTERPRETER="${venv}/bin/python" \
ANSIBLE_LOCALHOST_WARNING=false \
ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
    "${venv}/bin/ansible-playbook" "${playbook}" -e "emulator_info=${info_file}" "$@" || status=$?

if [ "${status}" -eq 0 ]; then
    echo "demo: ${playbook} succeeded"
else
    echo "demo: ${playbook} FAILED (exit ${status}); emulator log: ${log_file}" >&2
fi
exit "${status}"
