"""Contact sheet of synthesised composites for looking at an occluder type: each cell is the
composite beside its matte target (alpha), and a timing of the generator.

  /usr/bin/python3 -m training.synth_sheet --types hand3d,hand3d,glasses --n 16 \\
      --config training/configs/teacher.json --out .data/hand-assets/contact-sheet.png
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
from PIL import Image

from .data import list_samples, load_faces, synthetic_faces
from .synth import FaceBank, Synthesizer
from .utils import resolve_data_root



def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--types", default="hand3d,hand3d,glasses", help="comma-separated occluder types, cycled")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--faces", type=int, default=24)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cols", type=int, default=4)
    ap.add_argument("--config", default="training/configs/teacher.json", help="its synth dict is used")
    ap.add_argument("--synth", default=None, help="synth config (JSON), instead of the config's")
    ap.add_argument("--augment", action="store_true", help="webcam degradations as in training")
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default=".data/hand-assets/contact-sheet.png")
    a = ap.parse_args(argv)
    try:
        root = resolve_data_root(a.data)
        imgs, labs = load_faces(list_samples(root)[: a.faces], 256)
    except FileNotFoundError:
        imgs, labs = synthetic_faces(a.faces, 256, seed=0)
    bank = FaceBank(imgs, labs)
    synth = json.loads(a.synth) if a.synth else json.load(open(a.config)).get("synth", {})
    syn = Synthesizer(bank, a.size, synth)
    types = a.types.split(",")
    cells, times = [], {t: [] for t in types}
    for k in range(a.n):
        t = types[k % len(types)]
        rng = np.random.default_rng([a.seed, k])
        t0 = time.perf_counter()
        s = syn.sample(k % bank.n, rng, t, augment=a.augment)
        times[t].append(time.perf_counter() - t0)
        al = (np.repeat(s["alpha"][..., None], 3, 2) * 255).astype(np.uint8)
        cells.append(np.concatenate([s["image"], al], 1))
    rows = [np.concatenate(cells[i:i + a.cols], 1) for i in range(0, len(cells), a.cols)]
    if len(rows) > 1 and rows[-1].shape != rows[0].shape:
        pad = np.zeros_like(rows[0])
        pad[:, : rows[-1].shape[1]] = rows[-1]
        rows[-1] = pad
    Image.fromarray(np.concatenate(rows, 0)).save(a.out)
    for t, v in times.items():
        if v:
            print(f"{t}: {np.median(v) * 1e3:.1f} ms median per composite ({len(v)})")
    print(a.out)


if __name__ == "__main__":
    main()
