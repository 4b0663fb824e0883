#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls `npm test`, which runs this).
# Every suite runs; the script fails if any failed. Suites can also run alone: npm run test:unit,
# test:native, test:gl, test:e2e, test:obs, test:browser, test:python, test:kernel.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1

failed=()
total_passed=0
total_failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Runs one suite, keeps its exit status, and adds up the counts its runner prints at the end
# (mocha: "N passing" / "N failing"; pytest: "N passed" / "N failed").
run_suite() {
  local name=$1
  shift
  echo
  echo "=== $name ==="
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local p f
  p=$(grep -oE '(^ *|, )[0-9]+ (passing|passed)' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  f=$(grep -oE '(^ *|, )[0-9]+ (failing|failed)' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  total_passed=$((total_passed + ${p:-0}))
  total_failed=$((total_failed + ${f:-0}))
  if ((status != 0)); then failed+=("$name"); fi
}

for suite in unit native gl e2e obs hotkeys browser; do
  if compgen -G "test/$suite/*.test.ts" >/dev/null; then
    run_suite "$suite" npx mocha "test/$suite/**/*.test.ts"
  fi
done
if compgen -G "training/tests/test_*.py" >/dev/null; then
  run_suite python /usr/bin/python3 -m pytest -q training/tests
fi
# The real-kernel tier: one qemu VM (Debian's kernel, vivid, v4l2loopback) per test/kernel/<group>
if compgen -G "test/kernel/*/*.test.ts" >/dev/null; then
  run_suite kernel bash scripts/kernel-vm/test.sh
fi

echo
if ((${#failed[@]})); then
  echo "FAILED suites: ${failed[*]}"
  echo "total: $total_passed passed, $total_failed failed"
  exit 1
fi
echo "total: $total_passed passed, $total_failed failed"
