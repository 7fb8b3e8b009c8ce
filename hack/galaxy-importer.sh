#!/usr/bin/env bash
# Run galaxy-importer on a built collection tarball the way Galaxy / Automation Hub run it on
# upload, offline and with its ansible-test step off (hack/galaxy-importer.cfg), and fail on any
# error or warning it reports: a tarball that passes here is not rejected (or flagged) at upload.
#
# Usage: hack/galaxy-importer.sh <importer venv> <tarball>
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"
venv="${1:?usage: galaxy-importer.sh <importer venv> <tarball>}"
tarball="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"

if [ ! -f "${tarball}" ]; then
    echo "galaxy-importer.sh: ${tarball} does not exist" >&2
    exit 2
fi

# galaxy-importer writes importer_result.json into the working directory: keep it out of the tree.
workdir="$(mktemp -d)"
trap 'rm -rf "${workdir}"' EXIT
log="${workdir}/importer.log"

status=0
(
    cd "${workdir}"
    # ansible-doc and ansible-lint are looked up on PATH: the importer venv's, not another one.
    PATH="${venv}/bin:${PATH}" GALAXY_IMPORTER_CONFIG="${root}/hack/galaxy-importer.cfg" \
        "${venv}/bin/python" -m galaxy_importer.main "${tarball}"
) >"${log}" 2>&1 || status=$?

# the "Loading <type> <name>" lines are one per plugin, role and playbook: count them instead
grep -v '^Loading ' "${log}" || true
echo "galaxy-importer: $(grep -c '^Loading ' "${log}" || true) content items loaded"

problems="$(grep -E '^(WARNING|ERROR|CRITICAL)' "${log}" || true)"
if [ "${status}" -ne 0 ] || [ -n "${problems}" ] || ! grep -q '^Importer processing completed successfully' "${log}"; then
    echo "galaxy-importer: FAILED (exit ${status}); errors and warnings:" >&2
    printf '%s\n' "${problems}" >&2
    exit 1
fi
echo "galaxy-importer: $(basename "${tarball}") accepted with no error and no warning"
