"""Face data: the CelebAMask-HQ 1k subset (images/ + masks/ label maps) or a full CelebAMask-HQ
download (CelebA-HQ-img/ + CelebAMask-HQ-mask-anno/<k>/<id:05d>_<part>.png), split by file.

Label order (both layouts): 0 background, 1 skin, 2 nose, 3 eyeglasses, 4 l_eye, 5 r_eye,
6 l_brow, 7 r_brow, 8 l_ear, 9 r_ear, 10 mouth, 11 u_lip, 12 l_lip, 13 hair, 14 hat,
15 earring, 16 necklace, 17 neck, 18 cloth.  Face target = {1,2,4,5,6,7,10,11,12}.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

FACE_CLASSES = (1, 2, 4, 5, 6, 7, 10, 11, 12)
# CelebAMask-HQ-mask-anno part names in label order (as in the dataset's g_mask.py)
PARTS = ["skin", "nose", "eye_g", "l_eye", "r_eye", "l_brow", "r_brow", "l_ear", "r_ear",
         "mouth", "u_lip", "l_lip", "hair", "hat", "ear_r", "neck_l", "neck", "cloth"]


@dataclass(frozen=True)
class Sample:
    name: str
    image: str
    mask: str | None = None          # label-map PNG (1k subset layout)
    parts: tuple = ()                # ((label, png path), ...) (full CelebAMask-HQ layout)


def list_samples(root: str | os.PathLike) -> list[Sample]:
    root = Path(root)
    if (root / "images").is_dir() and (root / "masks").is_dir():
        out = []
        for f in sorted(os.listdir(root / "images")):
            stem, ext = os.path.splitext(f)
            if ext.lower() not in (".jpg", ".jpeg", ".png"):
                continue
            m = root / "masks" / (stem + ".png")
            if m.exists():
                out.append(Sample(stem, str(root / "images" / f), str(m)))
        if not out:
            raise FileNotFoundError(f"no image/mask pairs under {root}")
        return out
    anno = root / "CelebAMask-HQ-mask-anno"
    imgdir = root / "CelebA-HQ-img"
    if anno.is_dir() and imgdir.is_dir():
        parts: dict[int, list] = {}
        pat = re.compile(r"^(\d+)_(.+)\.png$")
        for sub in sorted(os.listdir(anno)):
            d = anno / sub
            if not d.is_dir():
                continue
            for f in os.listdir(d):
                mm = pat.match(f)
                if mm and mm.group(2) in PARTS:
                    parts.setdefault(int(mm.group(1)), []).append(
                        (PARTS.index(mm.group(2)) + 1, str(d / f)))
        out = []
        for idx in sorted(parts):
            img = None
            for ext in (".jpg", ".png"):
                if (imgdir / f"{idx}{ext}").exists():
                    img = str(imgdir / f"{idx}{ext}")
                    break
            if img:
                out.append(Sample(str(idx), img, None, tuple(sorted(parts[idx]))))
        if not out:
            raise FileNotFoundError(f"no CelebAMask-HQ samples under {root}")
        return out
    raise FileNotFoundError(f"{root}: expected images/+masks/ or CelebA-HQ-img/+CelebAMask-HQ-mask-anno/")


def split(samples: list[Sample], val_fraction: float, seed: int):
    """Deterministic split by file name (hash with seed): independent of listing order."""
    def key(s):
        return hashlib.sha1(f"{seed}:{s.name}".encode()).hexdigest()
    order = sorted(samples, key=key)
    n_val = max(1, int(round(len(order) * val_fraction)))
    val = sorted(order[:n_val], key=lambda s: s.name)
    train = sorted(order[n_val:], key=lambda s: s.name)
    return train, val


def load_labels(s: Sample, size: int | None = None) -> np.ndarray:
    if s.mask:
        lab = Image.open(s.mask)
        if lab.mode not in ("L", "P", "I"):
            lab = lab.convert("L")
        lab = np.asarray(lab).astype(np.uint8)
    else:
        lab = None
        for label, p in s.parts:  # later labels overwrite earlier ones, as in g_mask.py
            m = np.asarray(Image.open(p).convert("L")) > 127
            if lab is None:
                lab = np.zeros(m.shape, np.uint8)
            lab[m] = label
    if size and lab.shape[0] != size:
        lab = np.asarray(Image.fromarray(lab).resize((size, size), Image.NEAREST))
    return lab


def load_image(s: Sample, size: int | None = None) -> np.ndarray:
    im = Image.open(s.image).convert("RGB")
    if size and im.size != (size, size):
        im = im.resize((size, size), Image.BILINEAR if size >= im.size[0] else Image.LANCZOS)
    return np.asarray(im)


def face_mask(labels: np.ndarray) -> np.ndarray:
    return np.isin(labels, FACE_CLASSES)


def _load_one(args):
    s, size = args
    return load_image(s, size), load_labels(s, size)


def load_faces(samples: list[Sample], size: int = 512, workers: int = 1):
    """Decode all faces once (uint8 images N x S x S x 3, labels N x S x S)."""
    imgs = np.zeros((len(samples), size, size, 3), np.uint8)
    labs = np.zeros((len(samples), size, size), np.uint8)
    jobs = [(s, size) for s in samples]
    if workers > 1 and len(samples) >= 32:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(workers) as pool:
            res = pool.imap(_load_one, jobs, chunksize=8)
            for i, (im, lb) in enumerate(res):
                imgs[i], labs[i] = im, lb
    else:
        for i, j in enumerate(jobs):
            imgs[i], labs[i] = _load_one(j)
    return imgs, labs


def synthetic_faces(n: int, size: int = 512, seed: int = 0):
    """Procedural stand-in faces (for tests when the data set is absent): an oval skin region with
    eyes, brows, nose and lips labels, hair on top, neck and cloth below, noisy background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    imgs = np.zeros((n, size, size, 3), np.uint8)
    labs = np.zeros((n, size, size), np.uint8)
    for i in range(n):
        cx, cy = 0.5 + rng.uniform(-0.03, 0.03), 0.52 + rng.uniform(-0.03, 0.03)
        rx, ry = rng.uniform(0.2, 0.25), rng.uniform(0.27, 0.32)
        lab = np.zeros((size, size), np.uint8)
        lab[(yy > cy + 0.2) & (np.abs(xx - cx) < 0.12)] = 17
        lab[yy > 0.88] = 18
        lab[((xx - cx) / (rx * 1.15)) ** 2 + ((yy - cy + 0.06) / (ry * 1.1)) ** 2 < 1] = 13
        lab[((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 < 1] = 1
        for side, (el, bl) in ((-1, (4, 6)), (1, (5, 7))):
            ex = cx + side * rx * 0.4
            lab[((xx - ex) / 0.045) ** 2 + ((yy - (cy - 0.05)) / 0.018) ** 2 < 1] = el
            lab[((xx - ex) / 0.055) ** 2 + ((yy - (cy - 0.1)) / 0.01) ** 2 < 1] = bl
        lab[((xx - cx) / 0.03) ** 2 + ((yy - (cy + 0.05)) / 0.06) ** 2 < 1] = 2
        lab[((xx - cx) / 0.07) ** 2 + ((yy - (cy + 0.16)) / 0.012) ** 2 < 1] = 11
        lab[((xx - cx) / 0.07) ** 2 + ((yy - (cy + 0.185)) / 0.014) ** 2 < 1] = 12
        skin = rng.uniform([150, 100, 80], [240, 200, 180])
        pal = {0: rng.uniform(0, 255, 3), 1: skin, 2: skin * 0.9, 4: [40, 30, 30], 5: [40, 30, 30],
               6: [60, 40, 30], 7: [60, 40, 30], 11: [170, 80, 80], 12: [170, 80, 80],
               13: rng.uniform(0, 120, 3), 17: skin * 0.85, 18: rng.uniform(0, 255, 3)}
        img = np.zeros((size, size, 3), np.float32)
        for k, c in pal.items():
            img[lab == k] = c
        img += rng.normal(0, 6, img.shape)
        imgs[i] = np.clip(img, 0, 255).astype(np.uint8)
        labs[i] = lab
    return imgs, labs
