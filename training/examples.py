"""Example / failure-case montage for the model card from an image we may show: scikit-image's
public-domain `astronaut` (NASA photo of Eileen Collins) -- never from the CelebAMask-HQ data.

The astronaut has no parsing labels, so its face region is taken from the teacher's matte
(alpha > 0.5 on the clean photo); occluders are then drawn by the project's own synthesizer
(hand texture = the astronaut's own skin) and the student's matte is shown next to the reference
target = teacher face region x (1 - occluder alpha).

  /usr/bin/python3 -m training.examples --teacher T.pt --student S.pt --out models/facemat-student-examples.jpg
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
from PIL import Image, ImageDraw

from .evaluate import load_net
from .export import preprocess
from .metrics import iou
from .synth import FaceBank, Synthesizer


def _alpha(net, img):
    with torch.no_grad():
        return net(torch.from_numpy(preprocess(img)))[0][0, 0].numpy()


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", required=True)
    ap.add_argument("--student", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args(argv)
    from skimage import data as skdata
    from scipy import ndimage
    full = skdata.astronaut()
    teacher, student = load_net(a.teacher), load_net(a.student)

    def face_region(img, upper_only):
        """Teacher matte > 0.5, largest connected component (in the upper half for the full photo)."""
        t = _alpha(teacher, np.asarray(Image.fromarray(img).resize((256, 256)))) > 0.5
        if upper_only:
            t[128:] = False
        lab, n = ndimage.label(t)
        if n == 0:
            raise SystemExit("teacher found no face")
        big = np.argmax(np.bincount(lab.ravel())[1:]) + 1
        return np.asarray(Image.fromarray((lab == big).astype(np.uint8) * 255).resize(img.shape[1::-1], Image.NEAREST)) > 127

    # CelebA-like framing: square crop of twice the face height around the face
    m = face_region(full, True)
    ys, xs = np.nonzero(m)
    cy, cx, h = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2, ys.max() - ys.min()
    half = int(h)
    box = (int(cx - half), int(cy - half * 0.95), int(cx + half), int(cy + half * 1.05))
    astro = np.asarray(Image.fromarray(full).crop(box).resize((512, 512), Image.LANCZOS))
    labels = face_region(astro, False).astype(np.uint8)  # 1 = face (from the teacher), 0 = rest
    bank = FaceBank(astro[None], labels[None])
    syn = Synthesizer(bank, 256, {"p_aligned": 1.0, "p_new_bg": 0.0})
    tiles, notes = [], []
    for occ in ["clean", "hand", "hand", "glasses", "mask", "hair", "cup", "phone"]:
        rng = np.random.default_rng([a.seed, len(tiles)])
        s = syn.sample(0, rng, occ, augment=False)
        pred = _alpha(student, s["image"])
        ref = s["alpha"]
        row = np.concatenate([s["image"], np.repeat((pred[..., None] * 255).astype(np.uint8), 3, -1),
                              np.repeat((ref[..., None] * 255).astype(np.uint8), 3, -1)], 1)
        tiles.append(row)
        notes.append(f"{occ}: IoU {iou(pred, ref):.2f}")
    # frames of the project's sample clip (public-domain astronaut + 3-D hand): no reference
    import glob
    import os
    import subprocess
    import tempfile
    from .utils import REPO_ROOT
    clip = REPO_ROOT / "assets" / "sample" / "sample.mp4"
    if clip.exists():
        with tempfile.TemporaryDirectory() as td:
            subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(clip), "-vf", "select='not(mod(n\\,60))'",
                            "-vsync", "vfr", os.path.join(td, "f_%02d.png")], check=False)
            for f in sorted(glob.glob(os.path.join(td, "f_*.png")))[:3]:
                fr = np.asarray(Image.open(f).convert("RGB"))
                H = fr.shape[0]
                x0 = (fr.shape[1] - H) // 2
                sq = np.asarray(Image.fromarray(fr[:, x0:x0 + H]).resize((256, 256), Image.BILINEAR))
                pred = _alpha(student, sq)
                over = (sq * (0.35 + 0.65 * pred[..., None])).astype(np.uint8)
                tiles.append(np.concatenate([sq, np.repeat((pred[..., None] * 255).astype(np.uint8), 3, -1), over], 1))
                notes.append("sample.mp4 frame: input | student alpha | input x alpha")
    im = Image.fromarray(np.concatenate(tiles, 0))
    d = ImageDraw.Draw(im)
    for k, n in enumerate(notes):
        d.text((4, k * 256 + 4), n, fill=(255, 255, 0))
    im = im.resize((im.width // 2, im.height // 2), Image.LANCZOS)
    im.save(a.out, quality=80)
    print("\n".join(notes))


if __name__ == "__main__":
    main()
