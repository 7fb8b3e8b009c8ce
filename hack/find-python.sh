#!/usr/bin/env bash
# Print the path of a working Python interpreter of the requested version (default 3.12).
#
# `command -v python3.12` alone is not enough: with pyenv, a shim named python3.12
# exists on PATH even when the selected pyenv version is another one, and running
# it then fails ("python3.12: command not found ... exists in these Python
# versions"). Every candidate is therefore executed and its version checked.
set -euo pipefail

want="${1:-3.12}"

candidates=("python${want}")
pyenv_root="$(pyenv root 2>/dev/null || true)"
for root in "${pyenv_root}" "${PYENV_ROOT:-}" "${HOME}/.pyenv"; do
    if [ -n "${root}" ]; then
        for path in "${root}/versions/${want}".*/bin/"python${want}"; do
            candidates+=("${path}")
        done
    fi
done
candidates+=("/usr/local/bin/python${want}" "/usr/bin/python${want}" "/opt/python${want}/bin/python${want}" python3 python)

for candidate in "${candidates[@]}"; do
    if ! resolved="$(command -v "${candidate}" 2>/dev/null)"; then
        continue
    fi
    # ask the interpreter itself: this is where a broken pyenv shim fails
    if real="$("${resolved}" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '${want}'; print(sys.executable)" 2>/dev/null)"; then
        printf '%s\n' "${real}"
        exit 0
    fi
done

echo "find-python.sh: no working python${want} found (tried: ${candidates[*]})" >&2
exit 1
