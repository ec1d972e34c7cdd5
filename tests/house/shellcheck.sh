#!/usr/bin/env bash
# Runs ShellCheck (warnings and errors) over every bash script of the project.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mapfile -t scripts < <(grep -rlE '^#!/usr/bin/env bash|^# shellcheck shell=bash' scripts bench tests .ci 2>/dev/null | sort)
((${#scripts[@]} > 0)) || { echo "no scripts found"; exit 1; }
shellcheck -x -S warning "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
