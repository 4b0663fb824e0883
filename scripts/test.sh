#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls `npm test`, which runs this).
# Every suite runs; the script fails if any failed. Suites can also run alone: npm run test:unit,
# test:native, test:gl, test:e2e, test:obs, test:browser, test:python.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1

failed=()
run_suite() {
  local name=$1
  shift
  echo
  echo "=== $name ==="
  if ! "$@"; then failed+=("$name"); fi
}

for suite in unit native gl e2e obs hotkeys browser; do
  if compgen -G "test/$suite/*.test.ts" >/dev/null; then
    run_suite "$suite" npx mocha "test/$suite/**/*.test.ts"
  fi
done
if compgen -G "training/tests/test_*.py" >/dev/null; then
  run_suite python /usr/bin/python3 -m pytest -q training/tests
fi

echo
if ((${#failed[@]})); then
  echo "FAILED suites: ${failed[*]}"
  exit 1
fi
echo "all suites passed"
