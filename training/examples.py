"""Example / failure-case montage for the model card from an image we may show: scikit-image's
public-domain `astronaut` (NASA photo of Eileen Collins) -- never from the CelebAMask-HQ data.

The astronaut has no parsing labels, so its face region is taken from a reference model's matte
(alpha > 0.5 on the clean photo: the teacher, or the previously shipped student); occluders are
then drawn by the project's own synthesizer with the training bank's mix (3-D and 2-D hands with
the astronaut's own skin, glasses with tinted / mirrored lenses) and the student's matte is shown
next to the reference target = reference face region x (1 - occluder alpha).

  /usr/bin/python3 -m training.examples --reference T.pt --student S.pt --out models/facemat-student-examples.jpg
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import tempfile

import numpy as np
import torch
from PIL import Image, ImageDraw

from .evaluate import load_net
from .export import preprocess
from .metrics import iou
from .synth import FaceBank, Synthesizer
from .utils import REPO_ROOT


def _alpha(net, img):
    with torch.no_grad():
        return net(torch.from_numpy(preprocess(img)))[0][0, 0].numpy()


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True,
                    help="model (.pt or .onnx) whose clean-photo matte defines the face region")
    ap.add_argument("--student", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args(argv)
    from skimage import data as skdata
    from scipy import ndimage
    full = skdata.astronaut()
    reference, student = load_net(a.reference), load_net(a.student)

    def face_region(img, upper_only):
        """Reference matte > 0.5, largest connected component (in the upper half for the full photo)."""
        t = _alpha(reference, np.asarray(Image.fromarray(img).resize((256, 256)))) > 0.5
        if upper_only:
            t[128:] = False
        lab, n = ndimage.label(t)
        if n == 0:
            raise SystemExit("the reference model found no face")
        big = np.argmax(np.bincount(lab.ravel())[1:]) + 1
        return np.asarray(Image.fromarray((lab == big).astype(np.uint8) * 255).resize(img.shape[1::-1], Image.NEAREST)) > 127

    # CelebA-like framing: square crop of twice the face height around the face
    m = face_region(full, True)
    ys, xs = np.nonzero(m)
    cy, cx, h = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2, ys.max() - ys.min()
    half = int(h)
    box = (int(cx - half), int(cy - half * 0.95), int(cx + half), int(cy + half * 1.05))
    astro = np.asarray(Image.fromarray(full).crop(box).resize((512, 512), Image.LANCZOS))
    labels = face_region(astro, False).astype(np.uint8)  # 1 = face (from the reference), 0 = rest
    bank = FaceBank(astro[None], labels[None])
    mix = json.loads((REPO_ROOT / "training/configs/eval_bank.json").read_text())["synth"]
    syn = Synthesizer(bank, 256, {"p_aligned": 1.0, "p_new_bg": 0.0, "hand3d": mix["hand3d"], "lens": mix["lens"]})
    tiles, notes = [], []
    for occ in ["clean", "hand3d", "hand", "glasses", "glasses", "mask", "hair", "phone"]:
        rng = np.random.default_rng([a.seed, len(tiles)])
        s = syn.sample(0, rng, occ, augment=False)
        pred = _alpha(student, s["image"])
        ref = s["alpha"]
        row = np.concatenate([s["image"], np.repeat((pred[..., None] * 255).astype(np.uint8), 3, -1),
                              np.repeat((ref[..., None] * 255).astype(np.uint8), 3, -1)], 1)
        tiles.append(row)
        notes.append(f"{occ}: IoU {iou(pred, ref):.2f}")
    # frames of the project's sample clip (public-domain astronaut + 3-D hand) at 1, 2.5 and 3 s (no hand,
    # the hand at the cheek, the hand over mouth and nose): no reference
    clip = REPO_ROOT / "assets" / "sample" / "sample.mp4"
    if clip.exists():
        with tempfile.TemporaryDirectory() as td:
            subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(clip), "-vf", "select='eq(n\\,30)+eq(n\\,75)+eq(n\\,90)'",
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
