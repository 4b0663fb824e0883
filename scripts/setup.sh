#!/usr/bin/env bash
# Sets up facemat-cam on a Debian/Ubuntu machine: Debian packages, npm dependencies, the native
# addon and the TypeScript build. Safe to run again: each step is skipped when already done.
#
#   bash scripts/setup.sh          what `facemat run` needs
#   bash scripts/setup.sh --test   plus what the test suites need (Chromium, OBS Studio, xdotool,
#                                  PyTorch for the training tests, qemu for the real-kernel tier)
#
# Nothing is downloaded from anywhere but Debian's archive and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

# Runtime: compilers for the addon and headless-gl (built from source), X libraries and Xvfb +
# Mesa for headless-gl, libjpeg-turbo for MJPEG cameras, ffmpeg for file sources and sinks.
runtime_pkgs=(build-essential pkg-config python3 libxi-dev libx11-dev libxext-dev libgl1-mesa-dri
  xvfb xauth ffmpeg libturbojpeg0-dev)
# Tests: Chromium for the web panel, OBS Studio for the bridge, xdotool and dbus-daemon for hotkeys, PyTorch and
# friends (CPU) for the training code, scikit-image to rebuild the sample clip.
# The real-kernel tier (scripts/kernel-vm/): qemu, depmod, the initramfs tools, libelf1 for the
# unpacked kbuild's objtool, GStreamer and v4l-utils as consumers in the guest; the kernel itself
# is fetched by scripts/kernel-vm/fetch.sh.
test_pkgs=(chromium xdotool dbus obs-studio python3-torch python3-onnx python3-pytest python3-numpy
  python3-pil python3-scipy python3-skimage
  qemu-system-x86 kmod cpio xz-utils zstd libelf1 busybox-static gstreamer1.0-tools
  gstreamer1.0-plugins-good v4l-utils)

pkgs=("${runtime_pkgs[@]}")
((want_test)) && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# onnxruntime-node's installer fetches the CUDA/TensorRT providers from outside the npm registry;
# without an NVIDIA GPU they are useless, so skip them (CPU stays). With a GPU it runs as usual.
if ! command -v nvidia-smi >/dev/null 2>&1; then
  export ONNXRUNTIME_NODE_INSTALL=skip
fi
# headless-gl and our addon build against Node's headers; Debian's nodejs ships them in /usr.
if [[ -f /usr/include/node/node.h ]]; then
  export npm_config_nodedir=/usr
fi

# The native addon is built by npm's install step (package.json "install"); it is rebuilt here
# when its sources changed since.
native_hash=$(find native -path native/build -prune -o -type f -print | sort | xargs cat | sha256sum | cut -c1-16)
stamp=node_modules/.facemat-setup
lock_hash=$(sha256sum package-lock.json package.json | sha256sum | cut -c1-16)
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_hash" ]]; then
  echo "setup: npm ci (builds headless-gl and the native addon from source: several minutes the first time)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" >"$stamp"
  echo "$native_hash" >native/build/.stamp
elif [[ ! -f native/build/.stamp || $(cat native/build/.stamp) != "$native_hash" ]]; then
  echo "setup: rebuilding the native addon"
  npm run --silent build:native -- -j 2
  echo "$native_hash" >native/build/.stamp
fi

# The training tests render 3-D hands: the WebXR hand meshes come through npm into the ignored
# .data/hand-assets/ (once; the training code refuses 3-D hands without them).
if ((want_test)); then
  bash training/fetch_hand_assets.sh
fi

echo "setup: compiling TypeScript"
npm run --silent build
echo "setup: done"
