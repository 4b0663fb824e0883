"""The real-occlusion validation split: photos whose own labels show hair, eyeglasses or a hat over
the face, scored on the photos themselves (no synthesis).

Definition (deterministic, from the label maps alone): the face outline is the convex hull of the
face classes (1, 2, 4, 5, 6, 7, 10, 11, 12) at the label map's resolution (pixel centres inside
or on the hull); a face is in the split when the occluder classes OCC_CLASSES (3 eyeglasses,
13 hair, 14 hat) cover more than `min_frac` (2 %) of that outline. On the 850-face subset this
selects 385 faces (325 of the 722 training faces, 60 of the 128 validation faces).

Groups: 'val' (the validation photos, data.split seed 1234, 15 %), 'val_ok' (the same without the
five whose labels call a hand, fingers or a pistol in front of the face skin:
configs/val_label_errors.json; there the right matte scores as an error and the oracle as right),
'train', 'all', and by occluder 'val_glasses', 'val_hair', 'val_hat' (the 'val_ok' photos where
that class alone covers more than 2 % of the outline; a photo may be in two).

Scores per photo at the network's input size (the whole 512x512 photo resized, i.e. CelebA
framing), then averaged over photos:
  IoU      of alpha >= 0.5 against the labelled face (face classes);
  leakage  the share of occluder pixels inside the outline that come out as face (alpha >= 0.5);
  SAD/1000 of alpha against the binary labelled face;
  where the errors are, as shares of the union of predicted and labelled face (they sum to 1 - IoU):
    occ_in   occluder pixels inside the outline predicted as face (the leakage, in pixels);
    fp_edge / fp_far  other pixels predicted as face within 2 px of the labelled face / farther;
    fn_edge / fn_far  labelled face pixels predicted as not face within 2 px of its edge / deeper.
  Edge errors are the outline's precision; far ones are whole regions (a shadowed cheek, a scalp).
The occlusion-blind oracle predicts the clean face: the labelled face plus every occluder pixel
inside the outline (leakage 1 by construction). --tone L scores the same photos with each
person's labelled skin recoloured to sRGB luminance L (synth.skin_tone): a measure of how the
matte holds on darker (or lighter) skin, which the data set has few of. --darkest N scores instead
the N validation photos (occluded or not) with the darkest labelled skin: real dark skin.

  /usr/bin/python3 -m training.realocc --ckpt s=models/facemat-student.onnx [--ckpt b=B.pt ...] [--flip]
      [--clean | --darkest N] [--tone L] --out DIR
  /usr/bin/python3 -m training.realocc --mattes s=DIR [--clean | --darkest N] --out DIR
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from .data import FACE_CLASSES, list_samples, load_image, load_labels, split

OCC_CLASSES = (3, 13, 14)
# the per-occluder groups of _score: validation photos where this class alone covers more than
# KIND_MIN_FRAC of the face outline (a photo with a fringe and glasses is in both)
OCC_KINDS = {"glasses": 3, "hair": 13, "hat": 14}
KIND_MIN_FRAC = 0.02
# validation photos whose labels mark a hand or an object in front of the face as skin
VAL_LABEL_ERRORS = Path(__file__).parent / "configs" / "val_label_errors.json"


def hull_mask(face: np.ndarray) -> np.ndarray:
    """Convex hull of a boolean mask's pixels (centres inside or on the hull)."""
    from scipy.spatial import ConvexHull, Delaunay
    ys, xs = np.nonzero(face)
    out = np.zeros(face.shape, bool)
    if len(xs) < 3:
        out[face] = True
        return out
    pts = np.stack([xs, ys], 1).astype(np.float64)
    try:
        hp = pts[ConvexHull(pts).vertices]
    except Exception:  # degenerate (collinear) masks
        out[face] = True
        return out
    x0, y0 = hp.min(0).astype(int)
    x1, y1 = hp.max(0).astype(int)
    yy, xx = np.mgrid[y0:y1 + 1, x0:x1 + 1]
    q = np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float64)
    inside = Delaunay(hp).find_simplex(q, tol=1e-9) >= 0
    out[y0:y1 + 1, x0:x1 + 1] = inside.reshape(yy.shape)
    return out | face


def occlusion_fraction(lab: np.ndarray) -> float:
    """Share of the face outline (convex hull of the face classes) covered by OCC_CLASSES."""
    face = np.isin(lab, FACE_CLASSES)
    if not face.any():
        return 0.0
    hull = hull_mask(face)
    return float((hull & np.isin(lab, OCC_CLASSES)).sum() / hull.sum())


def _cache_path(root: Path) -> Path:
    from .utils import REPO_ROOT
    h = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:10]
    return REPO_ROOT / ".data" / f"realocc-{h}.json"


def occlusion_table(samples, cache: bool = True) -> dict:
    """{name: occlusion fraction} over the samples' full-resolution label maps, cached in .data/
    (ignored) because the hulls of 850 label maps take about 2 minutes."""
    root = Path(samples[0].mask or samples[0].image).parent.parent if samples else Path(".")
    path = _cache_path(root)
    table = {}
    if cache and path.exists():
        table = json.loads(path.read_text())
    todo = [s for s in samples if s.name not in table]
    for s in todo:
        table[s.name] = round(occlusion_fraction(load_labels(s)), 6)
    if cache and todo:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(table, sort_keys=True))
    return table


def real_occlusion_names(samples, min_frac: float = 0.02, cache: bool = True) -> set[str]:
    tab = occlusion_table(samples, cache)
    return {s.name for s in samples if tab[s.name] > min_frac}


EDGE_PX = 2
METRICS = ("iou", "leak", "sad", "occ_in", "fp_edge", "fp_far", "fn_edge", "fn_far")


def label_regions(lab: np.ndarray) -> dict:
    """What score_photo needs from a label map alone (computed once per photo, not per model):
    the face, the occluder pixels inside its outline, and the bands within EDGE_PX of its edge."""
    from scipy import ndimage
    face = np.isin(lab, FACE_CLASSES)
    hull = hull_mask(face)
    n = max(1, int(hull.sum()))
    return {"face": face, "occ": hull & np.isin(lab, OCC_CLASSES),
            "kind_frac": {k: float((hull & (lab == c)).sum() / n) for k, c in OCC_KINDS.items()},
            "near_out": ndimage.distance_transform_edt(~face) <= EDGE_PX,
            "near_in": ndimage.distance_transform_edt(face) <= EDGE_PX}


def score_photo(alpha: np.ndarray, lab: np.ndarray, regions: dict | None = None) -> dict:
    """alpha: HxW in [0,1]; lab: HxW label map at the same size; regions: label_regions(lab)."""
    r = regions or label_regions(lab)
    face, occ = r["face"], r["occ"]
    p = alpha >= 0.5
    uni = max(1, int((p | face).sum()))
    fp, fn = p & ~face, ~p & face
    return {"iou": float((p & face).sum() / uni) if (p | face).any() else 1.0,
            "leak": float((p & occ).sum() / occ.sum()) if occ.any() else float("nan"),
            "sad": float(np.abs(alpha - face).sum() / 1000.0),
            "occ_in": float((fp & occ).sum() / uni),
            "fp_edge": float((fp & ~occ & r["near_out"]).sum() / uni),
            "fp_far": float((fp & ~occ & ~r["near_out"]).sum() / uni),
            "fn_edge": float((fn & r["near_in"]).sum() / uni),
            "fn_far": float((fn & ~r["near_in"]).sum() / uni)}


def oracle_alpha(lab: np.ndarray, regions: dict | None = None) -> np.ndarray:
    r = regions or label_regions(lab)
    return (r["face"] | r["occ"]).astype(np.float32)


@torch.no_grad()
def predict(net, imgs_u8: np.ndarray, batch: int = 16, flip: bool = False) -> np.ndarray:
    from .dataset import normalize
    out = []
    for i in range(0, len(imgs_u8), batch):
        x = normalize(torch.from_numpy(np.ascontiguousarray(imgs_u8[i:i + batch].transpose(0, 3, 1, 2))))
        a = net(x)[0].float()
        if flip:
            a = 0.5 * (a + net(x.flip(-1))[0].float().flip(-1))
        out.append(a[:, 0].numpy())
    return np.concatenate(out)


def skin_luma(img: np.ndarray, lab: np.ndarray) -> float:
    """Rec. 709 luma of the mean sRGB colour of a photo's labelled skin (class 1); nan without any."""
    from .synth.faces import skin_stats
    stats = skin_stats(img, lab)
    return float("nan") if stats is None else float(np.dot(stats[0], (0.2126, 0.7152, 0.0722)))


def darkest_validation(samples, n: int, size: int = 256) -> list:
    """The n validation photos (data.split seed 1234, 15 %; occluded or not) with the darkest
    labelled skin by skin_luma: how the matte does on real dark skin, of which the data set has
    few (the --tone rows recolour skin instead)."""
    _tr, va = split(list(samples), 0.15, 1234)
    luma = [skin_luma(load_image(s, size), load_labels(s, size)) for s in va]
    order = [i for i in np.argsort(luma, kind="stable") if not np.isnan(luma[i])]
    return [va[i] for i in order[:n]]


def tone_photos(imgs: np.ndarray, labs: list, lum: float, seed: int = 0) -> np.ndarray:
    """The photos with each person's labelled skin recoloured to sRGB luminance lum
    (synth.skin_tone; the hue tilt drawn per photo from a fixed seed)."""
    from .synth.faces import DEFAULT_SKIN, skin_stats
    from .synth.skin_tone import draw_gains, recolour, skin_weight
    out = imgs.copy()
    for i, (img, lab) in enumerate(zip(imgs, labs)):
        mean = (skin_stats(img, lab) or DEFAULT_SKIN)[0]
        gains = draw_gains(np.random.default_rng([seed, i]), mean, (lum, lum))
        out[i] = recolour(img, skin_weight(lab, 0.75), gains)
    return out


def val_label_errors() -> dict:
    """{name: why} of the validation photos whose labels call an occluder face skin
    (VAL_LABEL_ERRORS; the reasons are in the file)."""
    return dict(json.loads(VAL_LABEL_ERRORS.read_text())["faces"])


def _score(preds: dict, labs: list, samples, log) -> dict:
    """{model: {'all'|'val'|'val_ok'|'train': {metric: mean}, ...}} for HxW alphas against label
    maps of the same size; the 'val'/'train' groups follow data.split(seed 1234, 15 %), 'val_ok'
    is 'val' without the photos of val_label_errors(); 'val_glasses', 'val_hair', 'val_hat' are the
    'val_ok' photos where that occluder alone covers more than KIND_MIN_FRAC of the outline (the
    issue's "hair and glasses" apart). Adds the oracle."""
    _tr, va = split(list_samples(Path(samples[0].image).parent.parent), 0.15, 1234) if samples else ([], [])
    vnames = {s.name for s in va}
    bad = val_label_errors()
    regions = [label_regions(lb) for lb in labs]
    preds = dict(preds)
    preds["oracle"] = np.stack([oracle_alpha(lb, r) for lb, r in zip(labs, regions)])
    res = {}
    for k, al in preds.items():
        rows = [score_photo(a, lb, rg) for a, lb, rg in zip(al, labs, regions)]
        groups = {"all": range(len(samples)),
                  "val": [i for i, s in enumerate(samples) if s.name in vnames],
                  "val_ok": [i for i, s in enumerate(samples) if s.name in vnames and s.name not in bad],
                  "train": [i for i, s in enumerate(samples) if s.name not in vnames]}
        groups |= {f"val_{kind}": [i for i in groups["val_ok"] if regions[i]["kind_frac"][kind] > KIND_MIN_FRAC]
                   for kind in OCC_KINDS}
        res[k] = {g: {m: float(np.nanmean([rows[i][m] for i in idx])) if len(idx) else float("nan")
                      for m in METRICS} | {"n": len(idx)} for g, idx in groups.items()}
        log(f"{k}: " + json.dumps(res[k]))
    return res


def evaluate(nets: dict, samples, size: int = 256, log=print, tone: float | None = None,
             flip: bool = False) -> dict:
    """{model: {'all': {...}, 'val': {...}, 'train': {...}, 'n': ...}} over the given samples;
    also the oracle. The 'val'/'train' groups follow data.split(seed 1234, 15 %). tone: score
    the photos with the skin recoloured to this luminance instead (tone_photos). flip: each
    network's alpha averaged with its alpha of the mirrored photo, as `facemat matte` does for
    still images unless --no-flip-average."""
    imgs = np.stack([load_image(s, size) for s in samples])
    labs = [load_labels(s, size) for s in samples]
    if tone is not None:
        imgs = tone_photos(imgs, labs, tone)
    return _score({k: predict(n.eval(), imgs, flip=flip) for k, n in nets.items()}, labs, samples, log)


def evaluate_mattes(dirs: dict, samples, log=print) -> dict:
    """As evaluate, for mattes already written as DIR/<photo name>.png (8-bit, 255 = face), such
    as `facemat matte --input <data>/images --output DIR` writes them: scored at the label map's
    own resolution (512 px for the 1k subset), so this is the whole CLI path, face crop, flip
    average and guided upsampling included."""
    from PIL import Image
    labs = [load_labels(s) for s in samples]
    preds = {}
    for k, d in dirs.items():
        al = []
        for s, lb in zip(samples, labs):
            f = Path(d) / f"{s.name}.png"
            if not f.exists():
                raise FileNotFoundError(f"{f}: no matte for photo {s.name} (run facemat matte on the data's images/)")
            m = Image.open(f).convert("L")
            if m.size != lb.shape[::-1]:
                raise ValueError(f"{f}: matte is {m.size[0]}x{m.size[1]}, its label map {lb.shape[1]}x{lb.shape[0]}")
            al.append(np.asarray(m, np.float32) / 255)
        preds[k] = np.stack(al)
    return _score(preds, labs, samples, log)


def main(argv=None):
    from .train import load_ckpt, net_from_ckpt
    ap = argparse.ArgumentParser(description="score networks on the real-occlusion split")
    ap.add_argument("--root", default=None, help="data root (default: the configs' data.root)")
    ap.add_argument("--ckpt", action="append", default=[], help="NAME=PATH (.pt or shipped .onnx)")
    ap.add_argument("--mattes", action="append", default=[],
                    help="NAME=DIR of mattes written by `facemat matte` (DIR/<photo name>.png), scored at the"
                         " labels' resolution; not with --ckpt, --tone or --flip")
    ap.add_argument("--min-frac", type=float, default=0.02)
    ap.add_argument("--clean", action="store_true", help="score the faces NOT in the split instead")
    ap.add_argument("--tone", type=float, default=None,
                    help="recolour every person's skin to this sRGB luminance first (e.g. 0.2: dark skin)")
    ap.add_argument("--darkest", type=int, default=None, metavar="N",
                    help="score the N validation photos with the darkest labelled skin instead (occluded or not)")
    ap.add_argument("--flip", action="store_true",
                    help="average each alpha with the mirrored photo's, as `facemat matte` does by default")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if a.mattes and (a.ckpt or a.tone is not None or a.flip):
        ap.error("--mattes scores finished mattes: not with --ckpt, --tone or --flip")
    if a.darkest and a.clean:
        ap.error("--darkest picks its own photos: not with --clean")
    from .utils import resolve_data_root
    torch.set_num_threads(a.threads)
    root = resolve_data_root(a.root or "../shared/data/celebamask-hq-1k")
    samples = list_samples(root)
    if a.darkest:
        sel = darkest_validation(samples, a.darkest)
    else:
        names = real_occlusion_names(samples, a.min_frac)
        sel = [s for s in samples if (s.name in names) != a.clean]
    nets = {}
    for spec in a.ckpt:
        k, _, p = spec.partition("=")
        nets[k] = net_from_ckpt(load_ckpt(p)).eval()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    what = "darkest-skinned validation" if a.darkest else "clean" if a.clean else "real-occlusion"
    print(f"{what} faces: {len(sel)} of {len(samples)}")
    if a.mattes:
        res = evaluate_mattes(dict(spec.split("=", 1) for spec in a.mattes), sel)
    else:
        res = evaluate(nets, sel, tone=a.tone, flip=a.flip)
    name = ((f"realdark{a.darkest}" if a.darkest else "realclean" if a.clean else "realocc")
            + ("" if a.tone is None else f"-tone{a.tone:g}")
            + ("-flip" if a.flip else "") + ("-cli" if a.mattes else ""))
    (out / f"{name}.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
