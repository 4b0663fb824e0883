#!/usr/bin/env bash
# Fetch the 3D hand meshes the hand3d occluder renders (training/synth/hand3d.py):
# @webxr-input-profiles/assets 1.0.20 (MIT, ~94 MB packed), through npm, into the ignored cache
# .data/hand-assets/ (never committed). Idempotent: does nothing when the meshes are there.
#   bash training/fetch_hand_assets.sh            # -> .data/hand-assets/generic-hand/{left,right}.glb
set -euo pipefail
PKG="@webxr-input-profiles/assets@1.0.20"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${HAND_ASSETS:-$ROOT/.data/hand-assets}"
OUT="$DEST/generic-hand"
if [ -s "$OUT/left.glb" ] && [ -s "$OUT/right.glb" ]; then
  echo "hand assets present: $OUT"
  exit 0
fi
mkdir -p "$DEST"
cd "$DEST"
TGZ="webxr-input-profiles-assets-1.0.20.tgz"
if [ ! -s "$TGZ" ]; then
  npm pack "$PKG" --silent >/dev/null
fi
mkdir -p "$OUT"
tar -xzf "$TGZ" -C "$OUT" --strip-components=4 \
  package/dist/profiles/generic-hand/left.glb package/dist/profiles/generic-hand/right.glb \
  package/dist/profiles/generic-hand/profile.json
tar -xzf "$TGZ" -C "$OUT" --strip-components=1 package/LICENSE.md package/package.json
test -s "$OUT/left.glb" && test -s "$OUT/right.glb"
echo "hand assets: $OUT ($(du -sh "$OUT" | cut -f1)); $PKG, MIT"
