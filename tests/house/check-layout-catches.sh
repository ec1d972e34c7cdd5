#!/usr/bin/env bash
# Proves scripts/check-layout fails when the house rules are broken: each violation is put into
# a scratch copy of the sources on its own, and the check must exit 1 naming it. The real tree
# must pass first (otherwise a failure below would prove nothing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
check="$root/scripts/check-layout"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

"$check" "$root" >/dev/null || { echo "the real tree does not pass the layout check"; exit 1; }

# violation name | file to edit | line to add after line 1 | text the report must contain
cases=(
  "backend header in core|core/graph/plan.cpp|#include <sqlite3.h>|backend header <sqlite3.h>"
  "core includes a dialect|core/run/executor.cpp|#include \"dialects/sqlite/sqlite_dialect.h\"|core includes dialects/sqlite/sqlite_dialect.h"
  "lower room includes a higher one|core/recovery/undo.h|#include \"core/run/executor.h\"|from a higher room"
  "run includes lint (the room above it)|core/run/executor.cpp|#include \"core/lint/lint.h\"|from a higher room"
  "cli includes a dialect|cli/main.cpp|#include \"dialects/mariadb/mariadb_dialect.h\"|cli includes only cli/ and core/"
  "dialect includes another dialect|dialects/sqlite/sqlite_render.cpp|#include \"dialects/postgresql/postgresql_dialect.h\"|another dialect"
  "revision reaches past the operations API|versions/main/0001_baseline.cpp|#include \"core/run/executor.h\"|operations API"
  "include cycle|core/base/errors.h|#include \"core/base/text.h\"|cycle"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name file line expected <<<"$c"
  rm -rf "${scratch:?}"/*
  cp -r "$root/cli" "$root/core" "$root/dialects" "$root/versions" "$scratch/"
  sed -i "1a $line" "$scratch/$file"
  if [[ "$name" == "include cycle" ]]; then sed -i '1a #include "core/base/errors.h"' "$scratch/core/base/text.h"; fi
  set +e
  out="$("$check" "$scratch")"
  rc=$?
  set -e
  if ((rc != 1)) || ! grep -qF "$expected" <<<"$out"; then
    echo "not caught: $name (exit $rc): $out"
    exit 1
  fi
  echo "caught: $name"
done
