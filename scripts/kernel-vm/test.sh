#!/usr/bin/env bash
# The real-kernel test tier (`npm run test:kernel`; scripts/test.sh runs it as the suite "kernel").
# Each folder test/kernel/<group>/ is one VM boot (scripts/kernel-vm/run.sh: Debian's kernel in
# qemu, vivid and v4l2loopback loaded as the group's vm.env says) in which mocha runs the group's
# *.test.ts files, compiled beforehand to dist/test/kernel/ (tsx costs ~15 s per boot under TCG).
# Prints each group's mocha output, then one combined "  N passing" (and "  M failing") line.
# Exit status 0 only when every group's VM booted and all its tests passed.
#
# usage: scripts/kernel-vm/test.sh [--keep] [GROUP | FILE]... [MOCHA OPTIONS]
#   npm run test:kernel                                       every group
#   npm run test:kernel -- main                               one group
#   npm run test:kernel -- test/kernel/main/00-kernel.devices.test.ts   one file (its group's VM)
#   npm run test:kernel -- main --grep 'json'                 mocha options follow the selection
#   --keep          keep each group's run folder (guest console, kernel log) under .vm/runs/
# Environment: FACEMAT_VM_CACHE and the others of run.sh (see its --help).
set -uo pipefail

# The body is one block: bash reads it whole before running it, so editing this file (git pull,
# a colleague's commit) cannot break a run in progress.
{
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
say() { echo "kernel-vm test: $*" >&2; }
die() { say "error: $*"; exit 1; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

groups=() files=() mocha_args=()
declare -A whole=() # groups named as a whole (all their files run, even if a file of theirs is named too)
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage ;;
    --keep) export FACEMAT_VM_KEEP=1; shift ;;
    --) shift; mocha_args+=("$@"); break ;;
    *)
      arg=${1%/}
      if [[ $arg != -* && -d test/kernel/$arg && $arg != */* ]]; then
        groups+=("$arg")
        whole[$arg]=1
      elif [[ $arg =~ ^(\./)?test/kernel/([^/]+)$ && -d $arg ]]; then
        groups+=("${BASH_REMATCH[2]}")
        whole[${BASH_REMATCH[2]}]=1
      elif [[ $arg =~ ^(\./)?test/kernel/([^/]+)/[^/]+\.test\.ts$ ]]; then
        [[ -f $arg ]] || die "no such test file: $arg"
        groups+=("${BASH_REMATCH[2]}")
        files+=("${arg#./}")
      else
        mocha_args+=("$@") # the rest is mocha's: --grep, --timeout, ...
        break
      fi
      shift
      ;;
  esac
done
if ((${#groups[@]} == 0)); then
  for d in test/kernel/*/; do
    compgen -G "$d*.test.ts" >/dev/null && groups+=("$(basename "$d")") && whole[$(basename "$d")]=1
  done
fi
# each group once, in the order given
mapfile -t groups < <(printf '%s\n' "${groups[@]}" | awk 'NF && !seen[$0]++')
((${#groups[@]})) || die "no test groups under test/kernel/"

# 1. what the guest runs: the built CLI, the addon, mocha, the compiled tests
t0=$(date +%s.%N)
[[ -x node_modules/.bin/mocha ]] || die "npm dependencies are missing: run bash scripts/setup.sh --test"
[[ -f native/build/Release/facemat_native.node ]] || die "the native addon is not built: run bash scripts/setup.sh --test (or npm run build:native)"
if [[ ! -f dist/src/cli/main.js || -n $(find src -name '*.ts' -newer dist/src/cli/main.js -print -quit) ]]; then
  say "dist/ is older than src/: npm run build"
  npm run --silent build || say "warning: npm run build reported errors (running with what it emitted)"
fi
scripts/kernel-vm/fetch.sh || die "scripts/kernel-vm/fetch.sh failed (above)"
# Compiled into a folder of its own, then moved into dist/test/kernel/ file by file (rename: a VM
# of another run reading them never sees half a file); only what changed is replaced.
CACHE=${FACEMAT_VM_CACHE:-$PWD/.vm}
find "$CACHE" -maxdepth 1 -name 'tsc.*' -mmin +60 -exec rm -rf {} + 2>/dev/null # left by killed runs
emit=$(mktemp -d "$CACHE/tsc.XXXXXX") || die "cannot make a folder in $CACHE"
trap 'rm -rf "$emit"' EXIT
# --sourceRoot: the source maps name the .ts files by absolute path, wherever the .js files move
if ! node node_modules/typescript/bin/tsc -p test/kernel/tsconfig.json --outDir "$emit" --sourceRoot "$PWD/"; then
  say "warning: type errors in test/kernel (above); running what tsc emitted"
fi
[[ -d $emit/test/kernel ]] || die "tsc -p test/kernel/tsconfig.json emitted nothing"
# test/, not only test/kernel/: the kernel tests share fixtures with other suites (Chromium's).
(cd "$emit" && find test -type f) | while read -r f; do
  cmp -s "$emit/$f" "dist/$f" && continue
  mkdir -p "$(dirname "dist/$f")" && cp "$emit/$f" "dist/$f.$$" && mv -f "dist/$f.$$" "dist/$f"
done

say "ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (npm run build if src/ changed, fetch.sh, tsc of test/kernel)"

# 2. one VM per group
total_pass=0 total_fail=0 total_pending=0
summary=() failed_groups=()
for g in "${groups[@]}"; do
  VIVID='n_devs=1' LOOPBACK='video_nr=10 exclusive_caps=1 card_label="Test Loopback"' TIMEOUT=600 MOCHA_TIMEOUT=60000
  if [[ -f test/kernel/$g/vm.env ]]; then
    # shellcheck disable=SC1090
    . "test/kernel/$g/vm.env" || die "cannot read test/kernel/$g/vm.env"
  fi
  vm_args=(--timeout "$TIMEOUT" --env CI --env NO_COLOR)
  if [[ $VIVID == off ]]; then vm_args+=(--no-vivid); else vm_args+=(--vivid "$VIVID"); fi
  if [[ $LOOPBACK == off ]]; then vm_args+=(--no-loopback); else vm_args+=(--loopback "$LOOPBACK"); fi
  js=()
  if [[ -z ${whole[$g]:-} ]]; then
    for f in "${files[@]}"; do [[ $f == test/kernel/$g/* ]] && js+=("dist/${f%.ts}.js"); done
  else
    for f in test/kernel/"$g"/*.test.ts; do [[ -f $f ]] && js+=("dist/${f%.ts}.js"); done
  fi
  if ((${#js[@]} == 0)); then
    say "group $g: no *.test.ts files; skipped"
    continue
  fi
  for f in "${js[@]}"; do [[ -f $f ]] || die "tsc did not emit $f"; done
  echo
  echo "=== kernel group $g (vivid: $VIVID; v4l2loopback: $LOOPBACK): ${#js[@]} file(s)"
  log=$(mktemp)
  g0=$(date +%s.%N)
  scripts/kernel-vm/run.sh "${vm_args[@]}" -- \
    node --enable-source-maps node_modules/mocha/bin/mocha.js --no-config --exit --reporter spec \
    --timeout "$MOCHA_TIMEOUT" "${js[@]}" "${mocha_args[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  secs=$(awk -v a="$g0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
  count() { grep -aoE "^ *[0-9]+ $1" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
  p=$(count passing) f=$(count failing) n=$(count pending)
  rm -f "$log"
  why=""
  if ((rc == 125)); then why="the VM failed (guest console above)"
  elif ((rc == 124)); then why="timed out after $TIMEOUT s (TIMEOUT in test/kernel/$g/vm.env)"
  elif ((rc != 0 && f == 0)); then why="mocha exited $rc without a failing test"
  fi
  if [[ -n $why ]]; then
    f=$((f + 1)) # the group counts as one failure, so the tally shows it
    say "group $g: $why"
  fi
  total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_pending=$((total_pending + n))
  if ((rc != 0)); then failed_groups+=("$g"); fi
  summary+=("$g: passed $p, failed $f, ${secs} s${why:+; $why}")
done

echo
echo "=== kernel tests: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s"
for line in "${summary[@]}"; do echo "    $line"; done
echo
echo "  $total_pass passing"
((total_fail)) && echo "  $total_fail failing"
((total_pending)) && echo "  $total_pending pending"
if ((${#failed_groups[@]})); then
  say "FAILED groups: ${failed_groups[*]} (debug: docs/kernel-tests.md)"
  exit 1
fi
exit 0
}
