"""Evaluate teacher / student / ablation student / ONNX model and the occlusion-blind baseline
(the clean face mask) on the fixed, seeded validation set: MSE, SAD, Grad, Conn, IoU per occluder
type and for clean faces.

  /usr/bin/python3 -m training.evaluate --config training/configs/eval.json \
      --teacher RUN/teacher.pt --student RUN/student.pt --ablation RUN/ablation.pt --out DIR
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import numpy as np
import torch

from . import metrics as M
from .dataset import ValSet, build_banks, loader, normalize
from .synth import ALL_TYPES, EVAL_TYPES
from .train import autocast, device_of, load_ckpt, net_from_ckpt
from .utils import REPO_ROOT, load_config, open_report, write_report

BASELINE = "occlusion-blind"


def _metric_job(args):
    name, t, pred, gt, sigma = args
    pred, gt = pred.astype(np.float32), gt.astype(np.float32)
    m = M.all_metrics(pred, gt)
    if sigma is not None:
        m["uncertainty"] = M.uncertainty_quality(sigma, pred, gt)
    return name, t, m


def load_net(path):
    return net_from_ckpt(load_ckpt(path)).eval()


class FlipAveraged(torch.nn.Module):
    """A network's alpha averaged with that of the left-right mirrored input, mirrored back (the
    test-time flip averaging `facemat matte` does by default)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        a = self.net(x)[0]
        mirrored = self.net(x.flip(-1))[0].flip(-1)
        return (0.5 * (a + mirrored),)


ZOOM_VIEW_SIDE = 0.81     # src/pipeline/matte/still-matte.ts: ZOOM_VIEW_SIDE
ZOOM_VIEW_FEATHER = 0.08  # and ZOOM_VIEW_FEATHER


class ZoomViewAveraged(torch.nn.Module):
    """What `facemat matte` does to a picture (src/pipeline/matte/still-matte.ts), emulated: the
    network, mirror-averaged, on the whole picture; where the face fills only part of it, on the
    padded face crop instead (`evaluate_deployed.face_crop`, the pipeline's rules; 0 outside the
    crop); then on a zoomed view, a square of ZOOM_VIEW_SIDE of that view's side centred on the
    face and kept inside the view, averaged in with its weight ramping up from its edge over
    ZOOM_VIEW_FEATHER of its side (not where it finds no face). Every view is resampled to the
    network's `size`: give the composites at the picture size (`--set size=512`).
    zoom=False: as `facemat matte --no-zoom-view`; face_crop=False: as `--no-face-crop`."""

    def __init__(self, net, size: int, zoom: bool = True, face_crop: bool = True):
        super().__init__()
        self.net, self.size, self.zoom, self.face_crop = FlipAveraged(net), size, zoom, face_crop

    def _view(self, x, x0: float, y0: float, side: float):
        """The network on the square [x0, x0 + side) of the picture x (1x3xHxW): its alpha back on
        x's grid (0 outside the square) and the square's blending weight there."""
        _, _, H, W = x.shape
        s = side / self.size
        src = torch.nn.functional.avg_pool2d(torch.nn.functional.pad(x, (0, 1, 0, 1), mode="replicate"), 2, 1) \
            if s > 1.5 else x  # about the area averaging the CLI does when it shrinks by 2x or more

        def grid(xs, ys, w, h):
            return torch.stack(torch.meshgrid((ys + 0.5) / h * 2 - 1, (xs + 0.5) / w * 2 - 1, indexing="ij")[::-1], -1)[None]
        n = torch.arange(self.size) + 0.5
        small = torch.nn.functional.grid_sample(src, grid(x0 + n * s - 0.5, y0 + n * s - 0.5, W, H),
                                                mode="bilinear", padding_mode="zeros", align_corners=False)
        a = self.net(small)[0].float()
        u, v = (torch.arange(W) + 0.5 - x0) / s, (torch.arange(H) + 0.5 - y0) / s
        back = torch.nn.functional.grid_sample(a, grid(u - 0.5, v - 0.5, self.size, self.size),
                                               mode="bilinear", padding_mode="border", align_corners=False)
        inside = (((v >= 0) & (v <= self.size))[:, None] & ((u >= 0) & (u <= self.size))[None, :]).float()
        ramp = lambda t: (torch.minimum(t, self.size - t) / (ZOOM_VIEW_FEATHER * self.size)).clamp(0, 1)
        return back * inside, ramp(v)[:, None] * ramp(u)[None, :]

    def _one(self, x):
        from .evaluate_deployed import face_crop  # that module imports this one
        W = x.shape[-1]
        view = (0.0, 0.0, float(W))
        matte, _ = self._view(x, *view)
        if self.face_crop:
            crop = face_crop(matte[0, 0].numpy(), W)
            if crop is not None:
                view = tuple(float(c) for c in crop)
                matte, _ = self._view(x, *view)
        ys, xs = torch.nonzero(matte[0, 0] >= 0.5, as_tuple=True)
        if not self.zoom or len(xs) == 0:
            return matte
        vx, vy, vside = view
        side = ZOOM_VIEW_SIDE * vside
        cx, cy = float(xs.min() + xs.max() + 1) / 2, float(ys.min() + ys.max() + 1) / 2
        zx = round(min(max(cx - side / 2, vx), vx + vside - side))
        zy = round(min(max(cy - side / 2, vy), vy + vside - side))
        zoomed, w = self._view(x, float(zx), float(zy), float(round(side)))
        if not bool((zoomed >= 0.5).any()):
            return matte
        return (matte + w * zoomed) / (1 + w)

    def forward(self, x):
        assert x.shape[-1] == x.shape[-2], "square pictures only"
        return (torch.cat([self._one(x[i:i + 1]) for i in range(x.shape[0])]),)


class OnnxNet:
    """Runs an ONNX model through onnxruntime (Python) if installed; used for --onnx."""

    def __init__(self, path):
        import onnxruntime as ort
        self.s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def __call__(self, x):
        outs = [self.s.run(None, {"image": x[i:i + 1].cpu().numpy()}) for i in range(x.shape[0])]
        return torch.from_numpy(np.concatenate([o[0] for o in outs]))


def evaluate(cfg: dict, nets: dict, log=print, workers: int = 2) -> dict:
    dev = device_of(cfg)
    _, vb, desc = build_banks(cfg["data"], workers)
    vs = ValSet(vb, cfg["size"], cfg.get("synth", {}), cfg.get("val_seed", 777), n_faces=cfg.get("n_faces"),
                types=cfg.get("val_types") or EVAL_TYPES)  # e.g. --set 'val_types=[..., "hand3d"]'
    log(f"validation: {vs.nf} faces x {len(vs.types)} types = {len(vs)} samples")
    dl = loader(vs, cfg.get("batch", 32), cfg.get("loader_workers", workers))
    for n in nets.values():
        if isinstance(n, torch.nn.Module):
            n.to(dev).eval()
    acc = {}
    pool = mp.get_context("fork").Pool(workers) if workers > 1 else None
    t0 = time.time()
    with torch.no_grad():
        for img, alpha, face, tidx in dl:
            x = normalize(img.to(dev))
            gt = alpha[:, 0].float().numpy()
            preds = {BASELINE: face[:, 0].float().numpy()}
            sigmas = {}
            for name, net in nets.items():
                if isinstance(net, torch.nn.Module):
                    with autocast(dev, cfg.get("amp", True)):
                        outs = net(x)
                    a = outs[0]
                    if len(outs) > 1:  # the network's own log sigma^2
                        sigmas[name] = torch.exp(0.5 * outs[1][:, 0].float()).cpu().numpy()
                else:
                    a = net(x)
                preds[name] = a[:, 0].float().cpu().numpy()
            jobs = [(name, ALL_TYPES[int(tidx[i])], p[i], gt[i], sigmas[name][i] if name in sigmas else None)
                    for name, p in preds.items() for i in range(len(gt))]
            res = pool.map(_metric_job, jobs, chunksize=8) if pool else list(map(_metric_job, jobs))
            for name, t, m in res:
                acc.setdefault(name, {}).setdefault(t, []).append(m)
    if pool:
        pool.close()
    out = {"n_faces": vs.nf, "types": vs.types, "data": {k: v for k, v in desc.items() if k != "val_names"},
           "val_seed": cfg.get("val_seed", 777), "size": cfg["size"], "models": {}}
    for name, per in acc.items():
        out["models"][name] = {}
        for t, ms in per.items():
            out["models"][name][t] = {k: float(np.mean([m[k] for m in ms])) for k in M.NAMES}
            out["models"][name][t]["n"] = len(ms)
        occ = [m for t, ms in per.items() if t != "clean" for m in ms]
        if occ:
            out["models"][name]["occluded (all types)"] = {k: float(np.mean([m[k] for m in occ])) for k in M.NAMES}
            out["models"][name]["occluded (all types)"]["n"] = len(occ)
        unc = {group: [m["uncertainty"] for t, ms in per.items() if (t == "clean") == (group == "clean")
                       for m in ms if m.get("uncertainty")] for group in ("clean", "occluded (all types)")}
        if any(unc.values()):
            out.setdefault("uncertainty", {})[name] = {
                group: {k: float(np.mean([u[k] for u in us])) for k in M.UNCERTAINTY_NAMES} | {"n": len(us)}
                for group, us in unc.items() if us}
    out["eval_wall_s"] = time.time() - t0
    return out


def table(res: dict) -> str:
    """Markdown: one table of IoU/SAD/MSE with the sample count, one of Grad/Conn; a column per
    metric and model, a row per type and for all occluded types together."""
    models = [m for m in ["teacher", "student", "student-flip", "matte-1view", "matte-zoom", "ablation", "onnx",
                          BASELINE] if m in res["models"]]
    abbrev = {"teacher": "T", "student": "S", "student-flip": "SF", "matte-1view": "M1", "matte-zoom": "MZ",
              "ablation": "A", "onnx": "O", BASELINE: "B"}
    rows = [t for t in res["types"] + ["occluded (all types)"] if t in res["models"][models[0]]]

    def block(metrics, with_n):
        head = ["type"] + (["n"] if with_n else []) + [f"{name} {abbrev[m]}" for name, _, _ in metrics for m in models]
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for t in rows:
            cells = [t] + ([str(res["models"][models[0]][t]["n"])] if with_n else [])
            cells += [f"{res['models'][m][t][key]:{fmt}}" for _, key, fmt in metrics for m in models]
            out.append("| " + " | ".join(cells) + " |")
        return out

    lines = ["Models: " + ", ".join(f"{abbrev[m]} = {m}" for m in models), ""]
    lines += block([("IoU", "iou", ".3f"), ("SAD", "sad", ".2f"), ("MSE", "mse", ".4f")], with_n=True)
    lines.append("")
    lines += block([("Grad", "grad", ".2f"), ("Conn", "conn", ".2f")], with_n=False)
    if res.get("uncertainty"):
        lines += ["", "Own uncertainty: rank correlation of sigma with |alpha error| over the face and its outline;"
                  " mean sigma inside the face / on its outline", "",
                  "| model | samples | rank corr | sigma inside | sigma outline |", "|---|---|---|---|---|"]
        for m, groups in res["uncertainty"].items():
            for group, u in groups.items():
                lines.append(f"| {m} ({group}) | {u['n']} | {u['rank_corr']:.3f} | {u['sigma_inside']:.3f}"
                             f" | {u['sigma_outline']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(REPO_ROOT / "training/configs/eval.json"))
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--teacher")
    ap.add_argument("--student")
    ap.add_argument("--ablation")
    ap.add_argument("--onnx", help="also evaluate an exported ONNX model (needs the onnxruntime Python package)")
    ap.add_argument("--flip-average", action="store_true",
                    help="also score the student with test-time flip averaging (as student-flip)")
    ap.add_argument("--as-matte", action="store_true",
                    help="also score the student as `facemat matte` runs it (face crop, mirror average), with"
                         " and without its zoomed view (as matte-zoom and matte-1view; give the composites at"
                         " the picture size: --set size=512)")
    ap.add_argument("--out", required=True, help="folder for eval.json and eval.md")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    cfg = load_config(a.config, a.set)
    out, log = open_report(a.out, cfg)
    nets = {}
    for name in ("teacher", "student", "ablation"):
        p = getattr(a, name)
        if p:
            nets[name] = load_net(p)
    if a.flip_average and "student" in nets:
        nets["student-flip"] = FlipAveraged(nets["student"])
    if a.as_matte and "student" in nets:
        size = load_ckpt(a.student)["size"]
        nets["matte-1view"] = ZoomViewAveraged(nets["student"], size, zoom=False)
        nets["matte-zoom"] = ZoomViewAveraged(nets["student"], size)
    if a.onnx:
        nets["onnx"] = OnnxNet(a.onnx)
    res = evaluate(cfg, nets, log, a.workers)
    res["checkpoints"] = {n: getattr(a, n) for n in ("teacher", "student", "ablation", "onnx") if getattr(a, n)}
    write_report(out, "eval", res, table(res), log)
    return res


if __name__ == "__main__":
    main()
