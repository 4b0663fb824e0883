#!/usr/bin/env bash
# Fetches and builds what scripts/kernel-vm/run.sh boots: Debian's current kernel (as a vmlinux
# for a PVH boot), its module tree with v4l2loopback built against it, and a busybox initramfs
# whose /init is scripts/kernel-vm/init. Every piece comes from Debian's archive by package name.
#
#   scripts/kernel-vm/fetch.sh          fetch/build what is missing; prints nothing when all is cached
#
# The kernel's ABI version (6.1.0-57 today) is looked up from linux-image-amd64's dependency in the
# apt lists, so a new ABI in the archive is fetched and built into its own folder (the old one is
# removed). FACEMAT_VM_KVER=6.1.0-57-amd64 pins one instead.
#
# Cache: ${FACEMAT_VM_CACHE:-<repo>/.vm} (ignored by git):
#   <kver>/debs/                    the .deb files
#   <kver>/root/                    all of them unpacked (dpkg-deb -x); root/lib/modules/<kver>
#                                   gets v4l2loopback in updates/ and a depmod
#   <kver>/vmlinux                  the kernel, extracted from vmlinuz
#   <kver>/initramfs.cpio.gz        busybox, virtio/9p/overlay modules, /init
#   current.env                     KVER=, VMLINUX=, INITRD=, MODDIR= for run.sh
# Needs: apt-get, dpkg-deb, make, gcc-12, depmod (kmod), cpio, xz-utils, zstd.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${FACEMAT_VM_CACHE:-$REPO/.vm}
worked=0
say() { echo "kernel-vm fetch: $*" >&2; worked=1; }
die() { echo "kernel-vm fetch: error: $*" >&2; exit 1; }
for tool in apt-get apt-cache dpkg-deb make depmod cpio xz zstd gzip; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install kmod cpio xz-utils zstd build-essential; scripts/setup.sh --test installs them)"
done
# one fetch at a time per cache (test runs started together wait for the first one's build)
mkdir -p "$CACHE"
exec 9>"$CACHE/.fetch.lock"
flock 9 || die "cannot lock $CACHE/.fetch.lock"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
updated=0
apt_update() {
  ((updated)) && return 1
  say "apt-get update (the apt lists are missing or stale)"
  updated=1
  $sudo apt-get update -qq >&2 || { echo "kernel-vm fetch: warning: apt-get update failed" >&2; return 1; }
}

# 1. which kernel: linux-image-amd64 depends on linux-image-<abi>-amd64
lookup_kver() {
  { apt-cache depends linux-image-amd64 2>/dev/null || true; } |
    sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -1
}
# apt-cache takes about a second; its answer is kept until the apt lists change
LISTS=/var/lib/apt/lists/
eval "$(apt-config shell LISTS Dir::State::Lists/d 2>/dev/null)" || true
lists_stamp() { { stat -c '%n %Y' "$LISTS" "$LISTS"/*_Packages* 2>/dev/null || true; } | md5sum | cut -c1-16; }
KVER=${FACEMAT_VM_KVER:-}
if [[ -z $KVER ]]; then
  read -r seen_stamp seen_kver 2>/dev/null <"$CACHE/kver.lookup" || true
  [[ ${seen_stamp:-} == "$(lists_stamp)" ]] && KVER=${seen_kver:-}
fi
if [[ -z $KVER ]]; then
  KVER=$(lookup_kver)
  if [[ -z $KVER ]] && apt_update; then KVER=$(lookup_kver); fi
  if [[ -z $KVER ]]; then
    # offline and no lists: a kernel built before still boots
    KVER=$(sed -n 's/^KVER=//p' "$CACHE/current.env" 2>/dev/null || true)
    [[ -n $KVER ]] || die "cannot look up the kernel ABI (apt-cache depends linux-image-amd64 names no linux-image-*-amd64)"
    echo "kernel-vm fetch: warning: cannot look up the kernel ABI; using the cached $KVER" >&2
  fi
fi
[[ $KVER =~ ^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64$ ]] || die "unexpected kernel version '$KVER'"
if [[ -z ${FACEMAT_VM_KVER:-} ]]; then
  mkdir -p "$CACHE" && echo "$(lists_stamp) $KVER" >"$CACHE/kver.lookup"
fi
ABI=${KVER%-amd64}                  # 6.1.0-57
SERIES=$(echo "$KVER" | cut -d. -f1,2) # 6.1
DIR=$CACHE/$KVER
ROOT=$DIR/root
HDR=$ROOT/usr/src/linux-headers-$KVER
MODDIR=$ROOT/lib/modules/$KVER
VMLINUX=$DIR/vmlinux
INITRD=$DIR/initramfs.cpio.gz
mkdir -p "$DIR/debs" "$ROOT" "$DIR/build"

# Older kernels' folders go once this one is complete (checked at the end).

# 2. the packages, by name
PKGS=("linux-image-$KVER" "linux-headers-$KVER" "linux-headers-$ABI-common" "linux-kbuild-$SERIES"
  v4l2loopback-dkms busybox-static)
have_deb() { compgen -G "$DIR/debs/${1}_*.deb" >/dev/null; }
download() {
  (cd "$DIR/debs" && apt-get download -q "$@" 2>&1 | grep -vE '^(W: Download is performed unsandboxed|Get:|Fetched )' >&2) || true
}
missing=()
for p in "${PKGS[@]}"; do have_deb "$p" || missing+=("$p"); done
if ((${#missing[@]})); then
  say "apt-get download ${missing[*]}"
  download "${missing[@]}"
  still=()
  for p in "${missing[@]}"; do have_deb "$p" || still+=("$p"); done
  if ((${#still[@]})) && apt_update; then download "${still[@]}"; fi
  for p in "${missing[@]}"; do have_deb "$p" || die "cannot download $p from the Debian archive (apt-get download $p)"; done
fi

# 3. unpack
for deb in "$DIR"/debs/*.deb; do
  mark=$ROOT/.unpacked-$(basename "$deb" .deb)
  [[ -e $mark ]] && continue
  say "unpack $(basename "$deb")"
  dpkg-deb -x "$deb" "$ROOT" || die "dpkg-deb -x $deb failed"
  touch "$mark"
done
[[ -d $MODDIR/kernel ]] || die "no $MODDIR/kernel after unpacking linux-image-$KVER"
[[ -f $HDR/Makefile ]] || die "no $HDR/Makefile after unpacking linux-headers-$KVER"
# The headers' Makefile includes the -common tree by absolute path: point it into $ROOT.
if grep -q '^include /usr/src/' "$HDR/Makefile"; then
  sed -i "s|^include /usr/src/|include $ROOT/usr/src/|" "$HDR/Makefile"
fi

# 4. v4l2loopback, built against those headers
LSRC=$(ls -d "$ROOT"/usr/src/v4l2loopback-* 2>/dev/null | head -1)
[[ -n $LSRC ]] || die "no v4l2loopback source in $ROOT/usr/src"
LKO=$MODDIR/updates/v4l2loopback.ko
if [[ ! -e $LKO ]]; then
  say "build $(basename "$LSRC") for $KVER"
  # the unpacked kbuild's programs use this machine's libraries (libelf1, libssl3)
  for b in "$ROOT/usr/lib/linux-kbuild-$SERIES"/{tools/objtool/objtool,scripts/mod/modpost,scripts/sign-file}; do
    [[ -x $b ]] || continue
    lack=$(ldd "$b" 2>/dev/null | awk '/not found/ { print $1 }' | tr '\n' ' ')
    [[ -z $lack ]] || die "$(basename "$b") from linux-kbuild-$SERIES needs ${lack% } (apt-get install libelf1 libssl3)"
  done
  rm -rf "$DIR/build/v4l2loopback"
  cp -a "$LSRC" "$DIR/build/v4l2loopback"
  make -C "$HDR" M="$DIR/build/v4l2loopback" -j"$(nproc)" modules >"$DIR/build/v4l2loopback.log" 2>&1 || {
    tail -15 "$DIR/build/v4l2loopback.log" >&2
    die "v4l2loopback build failed (log: $DIR/build/v4l2loopback.log)"
  }
  mkdir -p "$(dirname "$LKO")"
  cp "$DIR/build/v4l2loopback/v4l2loopback.ko" "$LKO.tmp" && mv "$LKO.tmp" "$LKO"
  rm -f "$MODDIR/modules.dep"
fi

# 5. module dependencies (for modprobe in the guest, and for the initramfs below)
if [[ ! -s $MODDIR/modules.dep ]]; then
  say "depmod"
  depmod -b "$ROOT" "$KVER" || die "depmod -b $ROOT $KVER failed"
fi

# 6. vmlinux from vmlinuz: qemu boots an ELF vmlinux through its PVH note (no BIOS, no
#    decompression under TCG). Like the kernel's scripts/extract-vmlinux: try each compressed
#    stream's magic until one decompresses to an ELF file.
if [[ ! -s $VMLINUX ]]; then
  say "extract vmlinux"
  z=$ROOT/boot/vmlinuz-$KVER
  [[ -f $z ]] || die "no $z"
  ok=0
  for pat in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gz:\x1f\x8b\x08'; do
    tool=${pat%%:*} magic=${pat#*:}
    case $tool in xz) dec="xz -dcq" ;; zstd) dec="zstd -dcq" ;; gz) dec="gzip -dcq" ;; esac
    for off in $(LC_ALL=C grep -aboP "$magic" "$z" | cut -d: -f1); do
      tail -c +$((off + 1)) "$z" | $dec >"$VMLINUX.tmp" 2>/dev/null || true
      if [[ $(head -c 4 "$VMLINUX.tmp" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; then ok=1; break 2; fi
    done
  done
  ((ok)) || { rm -f "$VMLINUX.tmp"; die "no ELF kernel found inside $z"; }
  mv "$VMLINUX.tmp" "$VMLINUX"
fi

# 7. the initramfs: busybox, /init, and modules with their dependencies in load order: those that
#    mount the root (virtio, 9p, overlay: mods/base.list) and vivid and v4l2loopback
#    (mods/<name>.list; insmod from here is 2-3 s faster under TCG than modprobe over 9p; tests
#    use modprobe later, from the module tree that init binds into the root). Rebuilt when init
#    or these lists change.
INIT=$HERE/init
BASE_MODS=(virtio_pci 9pnet_virtio 9p overlay)
MEDIA_MODS=(vivid v4l2loopback)
stamp=$(cat "$INIT" <(echo "${BASE_MODS[*]} / ${MEDIA_MODS[*]} / $KVER") "$LKO" | md5sum | cut -d' ' -f1)
if [[ ! -s $INITRD || $(cat "$INITRD.stamp" 2>/dev/null) != "$stamp" ]]; then
  say "build the initramfs"
  ird=$DIR/build/initramfs
  rm -rf "$ird"
  mkdir -p "$ird"/{bin,dev,proc,sys,mods,lower,rw,newroot,share}
  cp "$ROOT/bin/busybox" "$ird/bin/busybox"
  for a in $("$ird/bin/busybox" --list); do [[ -e $ird/bin/$a ]] || ln -s busybox "$ird/bin/$a"; done
  declare -A seen=()
  order=()
  resolve() { # a module's dependencies (listed last-needed-first in modules.dep) before itself
    local path=$1 deps d i
    [[ -n ${seen[$path]:-} ]] && return 0
    seen[$path]=1
    deps=$(awk -v m="$path:" '$1 == m { $1 = ""; print }' "$MODDIR/modules.dep")
    read -ra d <<<"$deps"
    for ((i = ${#d[@]} - 1; i >= 0; i--)); do resolve "${d[$i]}"; done
    order+=("$path")
  }
  listfile() { # LIST MODULE...: the modules and their dependencies, in load order, into mods/LIST
    local list=$1 m p
    shift
    order=()
    for m in "$@"; do
      p=$(awk -F: -v n="$m.ko" '{ k = $1; sub(".*/", "", k) } k == n { print $1; exit }' "$MODDIR/modules.dep")
      if [[ -z $p ]]; then
        grep -q "/$m.ko\$" "$MODDIR/modules.builtin" 2>/dev/null && continue # built into the kernel
        die "module $m is not in $MODDIR/modules.dep"
      fi
      resolve "$p"
    done
    : >"$ird/mods/$list"
    for p in "${order[@]}"; do
      cp "$MODDIR/$p" "$ird/mods/"
      basename "$p" .ko >>"$ird/mods/$list"
    done
  }
  listfile base.list "${BASE_MODS[@]}"
  for m in "${MEDIA_MODS[@]}"; do
    seen=() # each list complete on its own: init skips what is loaded already
    listfile "$m.list" "$m"
  done
  cp "$INIT" "$ird/init"
  chmod 755 "$ird/init"
  (cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  echo "$stamp" >"$INITRD.stamp"
fi

# 8. what run.sh boots
env_text="KVER=$KVER
VMLINUX=$VMLINUX
INITRD=$INITRD
MODDIR=$MODDIR
LOOPBACK_VERSION=$(basename "$LSRC" | sed 's/^v4l2loopback-//')"
if [[ $(cat "$CACHE/current.env" 2>/dev/null) != "$env_text" ]]; then
  echo "$env_text" >"$CACHE/current.env.tmp" && mv "$CACHE/current.env.tmp" "$CACHE/current.env"
fi
for old in "$CACHE"/*-amd64; do
  [[ -d $old && $old != "$DIR" ]] || continue
  say "remove the old kernel's folder $old"
  rm -rf "$old"
done
((worked == 0)) || say "ready in $CACHE ($KVER, v4l2loopback $(basename "$LSRC" | sed 's/^v4l2loopback-//'))"
