"""Score the student the way the live pipeline runs it, at camera resolution.

`training.evaluate` scores the network on 256x256 composites with faces filling 15-100 % of the
frame. The live pipeline does more: it runs the model on the whole frame, then on a padded crop
around the face that matte found (src/pipeline/matte/face-crop.ts), so a small face gets far more
model pixels. This evaluation synthesises the validation faces at a camera-like resolution
(`--frame`, 512 by default), scores one pass on the whole frame ("full") against the pass on the
face crop chosen from it ("crop"), at frame resolution, per occluder type and by face size.

  /usr/bin/python3 -m training.evaluate_deployed --student S.pt --out DIR [--frame 512]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from . import metrics as M
from .dataset import ValSet, build_banks, loader, normalize
from .evaluate import load_net
from .synth import ALL_TYPES
from .utils import REPO_ROOT, load_config, open_report, write_report

PASSES = ("full", "crop")
# Face height (the face mask's rows) as a fraction of the frame height.
SIZE_BINS = ((0.0, 0.25), (0.25, 0.45), (0.45, 1.01))


@dataclass(frozen=True)
class CropPolicy:
    """DEFAULT_FACE_CROP of src/pipeline/matte/face-crop.ts, for a square model input."""
    padding: float = 0.35
    threshold: float = 0.5
    min_coverage: float = 0.002
    min_side: float = 0.25
    full_frame_above: float = 0.75


def face_crop(alpha: np.ndarray, frame: int, policy: CropPolicy = CropPolicy()):
    """The crop (x, y, side) the pipeline would run next for a square `frame`x`frame` image whose
    whole-frame matte is `alpha` (model resolution), or None where it keeps the whole frame (no
    face, or a crop that would gain too little). Same rules as FaceCropTracker.targetFor."""
    h, w = alpha.shape
    ys, xs = np.nonzero(alpha >= policy.threshold)
    if len(ys) < policy.min_coverage * h * w:
        return None
    s = frame / w
    x0, x1 = xs.min() * s, (xs.max() + 1) * s
    y0, y1 = ys.min() * s, (ys.max() + 1) * s
    side = max(x1 - x0, y1 - y0) * (1 + 2 * policy.padding)
    side = max(side, policy.min_side * frame)
    if side >= policy.full_frame_above * frame:
        return None
    x = min(max((x0 + x1) / 2 - side / 2, 0.0), frame - side)
    y = min(max((y0 + y1) / 2 - side / 2, 0.0), frame - side)
    return int(round(x)), int(round(y)), int(round(side))


def resize(x: torch.Tensor, size: int) -> torch.Tensor:
    """The pipeline's resampling (resizeToTensor / upsampling): bilinear with half-pixel centres,
    area average for downscales beyond 2x."""
    if x.shape[-1] > 2 * size:
        return F.interpolate(x, size=(size, size), mode="area")
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)


@torch.no_grad()
def deployed_mattes(net, img_u8: torch.Tensor, model_size: int) -> dict:
    """Bx3xFxF uint8 frames -> {"full": BxFxF, "crop": BxFxF} mattes at frame resolution, and the
    crops used (None where the pipeline keeps the whole frame)."""
    frame = img_u8.shape[-1]
    x = normalize(img_u8)
    small = net(resize(x, model_size))[0]
    full = resize(small, frame)[:, 0]
    crop = full.clone()
    crops = []
    for i in range(x.shape[0]):
        c = face_crop(small[i, 0].numpy(), frame)
        crops.append(c)
        if c is None:
            continue
        cx, cy, side = c
        a = net(resize(x[i:i + 1, :, cy:cy + side, cx:cx + side], model_size))[0]
        crop[i] = 0.0  # outside the crop the pipeline's matte is 0
        crop[i, cy:cy + side, cx:cx + side] = resize(a, side)[0, 0]
    return {"full": full.numpy(), "crop": crop.numpy(), "crops": crops}


def _metrics(pred, gt):
    return {"iou": M.iou(pred, gt), "sad": M.sad(pred, gt), "mse": M.mse(pred, gt)}


def _mean(ms):
    return {k: float(np.mean([m[k] for m in ms])) for k in ("iou", "sad", "mse")} | {"n": len(ms)}


def evaluate_deployed(cfg: dict, net, frame: int, log=print, workers: int = 2) -> dict:
    _, vb, desc = build_banks(cfg["data"], workers)
    vs = ValSet(vb, frame, cfg.get("synth", {}), cfg.get("val_seed", 777), n_faces=cfg.get("n_faces"))
    log(f"validation at {frame}x{frame}: {vs.nf} faces x {len(vs.types)} types = {len(vs)} samples")
    net.eval()
    rows = []  # (type, face height fraction, cropped?, {pass: metrics})
    t0 = time.time()
    for img, alpha, face, tidx in loader(vs, 16, workers):
        out = deployed_mattes(net, img, cfg["size"])
        for i in range(img.shape[0]):
            gt = alpha[i, 0].float().numpy()
            fy = np.nonzero(face[i, 0].float().numpy().max(1) >= 0.5)[0]
            height = (fy.max() - fy.min() + 1) / frame if len(fy) else 0.0
            rows.append((ALL_TYPES[int(tidx[i])], height, out["crops"][i] is not None,
                         {p: _metrics(out[p][i], gt) for p in PASSES}))
    return summarise(rows, vs.types) | {"frame": frame, "model_size": cfg["size"], "n_faces": vs.nf,
                                        "data": {k: v for k, v in desc.items() if k != "val_names"},
                                        "eval_wall_s": time.time() - t0}


def summarise(rows, types) -> dict:
    """Mean metrics per pass: per type, all occluded types, and per face-size bin (clean and
    occluded apart), with the share of frames the pipeline would crop."""
    groups = {t: [r for r in rows if r[0] == t] for t in types}
    groups["occluded (all types)"] = [r for r in rows if r[0] != "clean"]
    for lo, hi in SIZE_BINS:
        for kind, pick in (("clean", lambda r: r[0] == "clean"), ("occluded", lambda r: r[0] != "clean")):
            groups[f"{kind}, face {lo:.2f}-{min(hi, 1.0):.2f} of frame"] = [
                r for r in rows if pick(r) and lo <= r[1] < hi]
    out = {}
    for name, rs in groups.items():
        if rs:
            out[name] = {p: _mean([r[3][p] for r in rs]) for p in PASSES}
            out[name]["cropped"] = float(np.mean([r[2] for r in rs]))
    return {"groups": out}


def table(res: dict) -> str:
    head = "| group | n | cropped | IoU full | IoU crop | SAD full | SAD crop | MSE full | MSE crop |"
    lines = [head, "|" + "---|" * 9]
    for name, g in res["groups"].items():
        f, c = g["full"], g["crop"]
        lines.append(f"| {name} | {f['n']} | {g['cropped']:.0%} | {f['iou']:.3f} | {c['iou']:.3f} | "
                     f"{f['sad']:.2f} | {c['sad']:.2f} | {f['mse']:.4f} | {c['mse']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(REPO_ROOT / "training/configs/eval.json"))
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--student", required=True, help="student checkpoint (.pt) or exported model (.onnx)")
    ap.add_argument("--frame", type=int, default=512, help="camera frame side in pixels (square)")
    ap.add_argument("--out", required=True, help="folder for deployed.json and deployed.md")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    cfg = load_config(a.config, a.set)
    out, log = open_report(a.out, cfg)
    res = evaluate_deployed(cfg, load_net(a.student), a.frame, log, a.workers)
    res["student"] = a.student
    write_report(out, "deployed", res, table(res), log)
    return res


if __name__ == "__main__":
    main()
