#!/usr/bin/env bash
# Boots Debian's kernel in qemu with vivid and v4l2loopback loaded and runs CMD there: as root, in
# this machine's root filesystem (read-only over 9p, under a throwaway tmpfs overlay: every write
# in the guest is lost), in the current directory. Inside, `modprobe`/`modprobe -r` work for the
# guest kernel's modules (vivid, v4l2loopback, ...), /tmp and /dev/shm are tmpfs, FACEMAT_KERNEL_VM=1,
# and files written under $FACEMAT_VM_OUT come back (to --out DIR). CMD's stdout and stderr stream
# here while it runs. Exit status: CMD's; 124 it timed out; 125 the VM failed (the guest console's
# tail then goes to stderr).
#
# usage: scripts/kernel-vm/run.sh [options] -- CMD [ARG...]
#   --vivid 'OPTS'      vivid's module options (default: n_devs=1)
#   --no-vivid          do not load vivid
#   --loopback 'OPTS'   v4l2loopback's options (default: video_nr=10 exclusive_caps=1 card_label="Test Loopback")
#   --no-loopback       do not load v4l2loopback
#   --timeout S         kill CMD after S seconds (default 600)
#   --out DIR           copy what CMD wrote under $FACEMAT_VM_OUT to DIR
#   --env NAME[=VALUE]  pass a variable (PATH, HOME, LANG, LC_ALL, TERM, TZ, USER, CI pass anyway)
#   --cwd DIR           run CMD there (default: the current directory)
#   --mem 3G --smp 2    guest memory and CPUs
#   --core              core dumps of crashing programs go to $FACEMAT_VM_OUT/core.<comm>.<pid>
#   --keep              keep the run folder (console.log, dmesg.log, stdout, stderr, out/); it is
#                       also kept when the VM fails
#   --verbose           timings on stderr
# Environment: FACEMAT_VM_CACHE (the cache fetch.sh fills; default <repo>/.vm), FACEMAT_VM_MEM,
# FACEMAT_VM_SMP, FACEMAT_VM_KEEP=1, FACEMAT_VM_VERBOSE=1, FACEMAT_VM_LOGLEVEL=7 (every kernel
# message on the console; default 4), FACEMAT_VM_APPEND (more kernel parameters), FACEMAT_VM_CPU (TCG CPU model; default
# max,avx2=off: with AVX2, Mesa llvmpipe's JIT code segfaults under qemu 7.2's TCG, so every GL draw
# crashed in the guest), FACEMAT_VM_ACCEL=kvm (try KVM; it does not boot this guest on the
# machines this was written on: qemu aborts on MSR 0x10a with -cpu host).
set -uo pipefail

# The body is one block: bash reads it whole before running it, so editing this file (git pull,
# a colleague's commit) cannot break a run in progress.
{
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${FACEMAT_VM_CACHE:-$REPO/.vm}
timeout=600 cwd=$PWD out="" keep=${FACEMAT_VM_KEEP:-0} verbose=${FACEMAT_VM_VERBOSE:-0} core=0
mem=${FACEMAT_VM_MEM:-3G} smp=${FACEMAT_VM_SMP:-2}
vivid=1 vivid_opts="n_devs=1"
loopback=1 loopback_opts='video_nr=10 exclusive_caps=1 card_label="Test Loopback"'
envs=(PATH HOME LANG LC_ALL TERM TZ USER CI)
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
need() { [[ $# -ge 2 ]] || { echo "kernel-vm run: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --vivid) need "$@"; vivid=1 vivid_opts=$2; shift 2 ;;
    --no-vivid) vivid=0; shift ;;
    --loopback) need "$@"; loopback=1 loopback_opts=$2; shift 2 ;;
    --no-loopback) loopback=0; shift ;;
    --timeout) need "$@"; timeout=$2; shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    --env) need "$@"; envs+=("$2"); shift 2 ;;
    --cwd) need "$@"; cwd=$2; shift 2 ;;
    --mem) need "$@"; mem=$2; shift 2 ;;
    --smp) need "$@"; smp=$2; shift 2 ;;
    --core) core=1; shift ;;
    --keep) keep=1; shift ;;
    --verbose) verbose=1; shift ;;
    --) shift; break ;;
    -h | --help) usage ;;
    *) echo "kernel-vm run: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
done
[[ $# -gt 0 ]] || usage
[[ $timeout =~ ^[0-9]+$ ]] || { echo "kernel-vm run: --timeout wants whole seconds" >&2; exit 2; }
cwd=$(cd "$cwd" && pwd) || exit 2
command -v qemu-system-x86_64 >/dev/null || { echo "kernel-vm run: qemu-system-x86_64 is missing (apt-get install qemu-system-x86)" >&2; exit 125; }
note() { [[ $verbose == 1 ]] && echo "kernel-vm: $*" >&2; return 0; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# fetch.sh is quick when everything is cached, and rebuilds the initramfs when init changed
t0=$(now)
"$HERE/fetch.sh" || { echo "kernel-vm run: fetch.sh failed" >&2; exit 125; }
# shellcheck disable=SC1091
. "$CACHE/current.env" || exit 125
note "fetch.sh $(since "$t0") s"

mkdir -p "$CACHE/runs"
find "$CACHE/runs" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + 2>/dev/null
RUN=$(mktemp -d "$CACHE/runs/run.XXXXXX") && chmod 755 "$RUN" && mkdir "$RUN/out" || exit 125
: >"$RUN/stdout"
: >"$RUN/stderr"
sq() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; } # single-quoted, for busybox sh
{
  echo "RUN=$(sq "$RUN")"
  echo "KVER=$(sq "$KVER")"
  echo "MODDIR=$(sq "$MODDIR")"
  echo "TIMEOUT=$timeout"
  echo "VIVID=$vivid"
  echo "VIVID_OPTS=$(sq "$vivid_opts")"
  echo "LOOPBACK=$loopback"
  echo "LOOPBACK_OPTS=$(sq "$loopback_opts")"
  echo "HOME_DIR=$(sq "${HOME:-/root}")"
  [[ $core == 1 ]] && echo "CORE_PATTERN=$(sq "$RUN/out/core.%e.%p")"
} >"$RUN/vm.conf"
# folders under /tmp that must stay visible over the guest's fresh /tmp: the command's directory,
# the checkout, the cache (parents first; one inside another is kept with it)
for p in "$cwd" "$REPO" "$CACHE"; do
  p=$(realpath -m "$p")
  [[ $p == /tmp/* ]] && echo "$p"
done | sort -u | awk '{ for (i = 1; i <= n; i++) if (index($0, k[i] "/") == 1) next; k[++n] = $0; print }' >"$RUN/tmp-keep"
{
  echo "# written by scripts/kernel-vm/run.sh"
  for e in "${envs[@]}"; do
    if [[ $e == *=* ]]; then
      printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
    elif [[ -n ${!e+x} ]]; then
      printf 'export %s=%q\n' "$e" "${!e}"
    fi
  done
  [[ -n ${HOME+x} ]] || echo 'export HOME=/root'
  echo 'export FACEMAT_KERNEL_VM=1'
  printf 'export FACEMAT_VM_OUT=%q\n' "$RUN/out"
  [[ $core == 1 ]] && echo 'ulimit -c unlimited'
  printf 'cd -- %q || exit 125\n' "$cwd"
  printf 'exec'
  printf ' %q' "$@"
  echo
} >"$RUN/cmd.sh"

accel=tcg,thread=multi cpu=${FACEMAT_VM_CPU:-max,avx2=off}
if [[ ${FACEMAT_VM_ACCEL:-tcg} == kvm ]]; then
  [[ -w /dev/kvm ]] && accel=kvm cpu=${FACEMAT_VM_KVM_CPU:-host} || echo "kernel-vm run: /dev/kvm is not usable; TCG" >&2
fi
qpid=""
cleanup() { [[ -n $qpid ]] && kill "$qpid" 2>/dev/null; }
trap 'cleanup; exit 130' INT TERM
t1=$(now)
timeout -s KILL $((timeout + 90)) qemu-system-x86_64 \
  -accel "$accel" -M pc -cpu "$cpu" -smp "$smp" -m "$mem" \
  -nodefaults -no-user-config -display none -no-reboot \
  -kernel "$VMLINUX" -initrd "$INITRD" \
  -append "console=ttyS0 loglevel=${FACEMAT_VM_LOGLEVEL:-4} panic=-1 rdinit=/init mitigations=off ${FACEMAT_VM_APPEND:-}" \
  -serial "file:$RUN/console.log" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$RUN,mount_tag=run,security_model=none" \
  >"$RUN/qemu.log" 2>&1 &
qpid=$!
# CMD's output, as it comes (the guest writes these files through 9p)
tail -s 0.2 -n +1 -f --pid="$qpid" "$RUN/stdout" &
t_out=$!
tail -s 0.2 -n +1 -f --pid="$qpid" "$RUN/stderr" >&2 &
t_err=$!
wait "$qpid"
qrc=$?
qpid=""
wait "$t_out" "$t_err"
trap - INT TERM

if [[ -s $RUN/rc ]]; then
  rc=$(cat "$RUN/rc")
elif [[ $qrc == 137 ]]; then
  rc=124
  echo "kernel-vm run: the VM did not finish within $((timeout + 90)) s; killed" >&2
else
  rc=125
  echo "kernel-vm run: the VM stopped without a result (qemu exit status $qrc)" >&2
fi
start=$(tr -d '\r' <"$RUN/console.log" 2>/dev/null | sed -n 's/^kernel-vm: \[\([0-9.]*\)\] command start$/\1/p')
note "exit $rc; the command started at ${start:-?} s guest uptime; VM $(since "$t1") s; all $(since "$t0") s"
if [[ $rc == 125 || $rc == 124 ]]; then
  keep=1
  {
    echo "---- kernel-vm run: exit $rc; guest console, last 40 lines ($RUN/console.log) ----"
    tr -d '\r' <"$RUN/console.log" 2>/dev/null | tail -40
    [[ -s $RUN/qemu.log ]] && { echo "---- qemu ($RUN/qemu.log) ----"; tail -20 "$RUN/qemu.log"; }
    [[ -s $RUN/dmesg.log ]] && { echo "---- guest kernel log, last 20 lines ($RUN/dmesg.log) ----"; tail -20 "$RUN/dmesg.log"; }
    echo "---- run folder kept: $RUN"
  } >&2
fi
if [[ -n $out ]]; then
  mkdir -p "$out" && cp -a "$RUN/out/." "$out/"
fi
if [[ $keep == 1 ]]; then
  note "run folder kept: $RUN"
else
  rm -rf "$RUN"
fi
exit "$rc"
}
