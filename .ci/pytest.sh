#!/usr/bin/env bash
# Run pytest; "no tests collected" (exit 5) means the suite went missing: that is a failure.
set -uo pipefail
label=$1; shift
echo "== tests on $label =="
"$(dirname "$0")/../.venv/bin/python" -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "pytest collected no tests on $label: the suite is missing, failing on purpose." >&2
  exit 1
fi
exit "$rc"
