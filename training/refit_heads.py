"""Refit a student's two output heads on its frozen features: the last step of student training.

Why: the student's last decoder layer ends in a ReLU, and its training settles on coding the face
interior as "every feature off" (runs 1-3: the 12 features average under 0.07 over the face
interior and 0.5-0.9 over the background, and every alpha-head weight sum is negative). There its
alpha is sigmoid(alpha_head.bias), a ceiling (0.87-0.89 for runs 1-3, where the teacher gives
0.999) that joint training lifts only slowly, because no gradient reaches the trunk through
features that are off. The same features leave the log-variance head nearly flat over the face.
With the trunk frozen the heads are two 3x3 convolutions on fixed features: a small problem
that converges in minutes on a CPU. Students built with head_input "crelu" (model.py, opt-in)
read both signs of the last layer's pre-activation, which removes the cause; the refit works for
them too, and stays cheap and fits the log-variance head at full weight.

The alpha head is refitted with the loss it was trained with (the uncertainty-weighted
distillation for the student, w = 1 for the ablation student, so their comparison stays fair),
the log-variance head with the Gaussian NLL (config loss.beta) of the refitted alpha's error, at
full weight, since it no longer shares weights with anything. Epochs run until the training
loss improves by less than refit.tol (relative) or refit.max_epochs; the validation split is not
looked at. Only the heads change; the exported ONNX graph is the same.

  /usr/bin/python3 -m training.refit_heads --config training/configs/student.json \\
      --teacher RUN/teacher.pt --ckpt RUN/student.pt --ckpt RUN/ablation.pt --out DIR
"""
from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import torch

from . import losses
from .dataset import build_banks
from .evaluate import load_net
from .train import _prep, _raw_batches, device_of, load_ckpt, net_from_ckpt, save_ckpt, set_cpu_threads, train_amp
from .utils import REPO_ROOT, Logger, load_config, seed_everything, write_run_info


@torch.no_grad()
def collect(nets: dict, teacher, bank, cfg: dict, dev) -> dict:
    """Synthesise refit.batches training batches; keep each net's last decoder output (what
    head_features turns into the heads' input; stored as fp16, on the CPU), the ground truth and the
    teacher's alpha and log-variance."""
    r = cfg["refit"]
    bcfg = copy.deepcopy(cfg)
    bcfg["train"].update(batch=r["batch"], fixed_batch=False)
    feats, cache = {}, {n: [] for n in nets}
    hooks = [net.dec1.register_forward_hook(lambda m, i, o, n=n: feats.__setitem__(n, o))
             for n, net in nets.items()]
    gt, t_alpha, t_logvar = [], [], []
    try:
        for k, batch in enumerate(_raw_batches(bcfg, bank, dev, r["seed"])):
            if k >= r["batches"]:
                break
            x, g, _ = _prep(batch, dev)
            with train_amp(dev, cfg["train"]):
                ta, tlv = teacher(x)
            for net in nets.values():  # in fp32, as the exported model runs
                net(x)
            for n in nets:
                cache[n].append(feats[n].float().half().cpu())
            gt.append(g.half().cpu())
            t_alpha.append(ta.float().half().cpu())
            t_logvar.append(tlv.float().cpu())
    finally:
        for h in hooks:
            h.remove()
    return {"feats": cache, "gt": gt, "t_alpha": t_alpha, "t_logvar": t_logvar}


def heads_loss(net, y, gt, t_alpha, t_logvar, loss_cfg: dict, weighted: bool):
    """The student's own loss on its two heads' outputs from the last decoder output y, with the NLL
    (on the detached alpha, as in training) at full weight."""
    logits, logvar = net.heads(net.head_features(y))
    alpha = torch.sigmoid(logits)
    return losses.student_loss(alpha, logvar, gt, t_alpha, t_logvar, {**loss_cfg, "w_nll": 1.0}, weighted)


def fit(net, cache: dict, name: str, cfg: dict, weighted: bool, dev, log=print) -> list[float]:
    """Refit net's alpha and log-variance heads in place on the cached features; -> loss per epoch."""
    r = cfg["refit"]
    heads = [net.alpha_head, net.logvar_head]
    for h in heads:
        h.to(dev).train()
    opt = torch.optim.Adam([p for h in heads for p in h.parameters()], lr=r["lr"])
    feats, n = cache["feats"][name], len(cache["gt"])
    hist = []
    gen = torch.Generator().manual_seed(r["seed"])
    for epoch in range(r["max_epochs"]):
        total = 0.0
        for i in torch.randperm(n, generator=gen).tolist():
            loss, _ = heads_loss(net, feats[i].to(dev).float(), cache["gt"][i].to(dev).float(),
                                 cache["t_alpha"][i].to(dev).float(), cache["t_logvar"][i].to(dev), cfg["loss"],
                                 weighted)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss)
        hist.append(total / n)
        log(f"[refit] {name} epoch {epoch + 1}: loss {hist[-1]:.5f}")
        if len(hist) > 1 and hist[-2] - hist[-1] < r["tol"] * abs(hist[-2]):
            break
    return hist


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="the student's config (its refit and loss sections)")
    ap.add_argument("--set", action="append", default=[], help="override: key.sub=value (JSON value)")
    ap.add_argument("--teacher", required=True, help="the teacher checkpoint the students learned from")
    ap.add_argument("--ckpt", action="append", required=True, help="a student or ablation checkpoint (repeatable)")
    ap.add_argument("--out", required=True, help="folder for the refitted checkpoints (same file names)")
    a = ap.parse_args(argv)
    if len({Path(p).stem for p in a.ckpt}) < len(a.ckpt):
        ap.error("the --ckpt files need different names (they are saved under the same names in --out)")
    cfg = load_config(a.config, a.set)
    out = Path(a.out)
    out = out if out.is_absolute() else REPO_ROOT / out
    write_run_info(out, cfg)
    log = Logger(out / "log.txt")
    dev = device_of(cfg)
    seed_everything(cfg["refit"]["seed"])
    set_cpu_threads(cfg["train"])
    cks = {Path(p).stem: load_ckpt(p) for p in a.ckpt}
    nets = {n: net_from_ckpt(ck).eval().to(dev) for n, ck in cks.items()}
    if any(not net.has_logvar for net in nets.values()):
        raise SystemExit("refit_heads needs students with a log-variance head")
    teacher = load_net(a.teacher).to(dev)
    tb, _, _ = build_banks(cfg["data"], max(1, cfg["train"].get("workers", 0)))
    t0 = time.time()
    cache = collect(nets, teacher, tb, cfg, dev)
    collect_s = time.time() - t0
    log(f"[refit] features of {len(cache['gt'])} batches collected in {collect_s:.0f}s")
    report = {}
    for n, net in nets.items():
        weighted = cks[n].get("weighted", cks[n].get("kind") == "student")
        t1 = time.time()
        hist = fit(net, cache, n, cfg, weighted, dev, log)
        info = {"from": a.ckpt[list(cks).index(n)], "weighted": weighted, "epochs": len(hist), "loss": hist,
                "refit": cfg["refit"], "collect_s": collect_s, "fit_s": time.time() - t1}
        extra = {k: v for k, v in cks[n].items() if k not in ("arch", "state_dict", "size", "kind", "config")}
        extra["refit_heads"] = info
        save_ckpt(out / f"{n}.pt", net.eval(), cks[n]["arch"], cks[n]["size"], cks[n]["kind"], cks[n]["config"], extra)
        report[n] = info
    (out / "refit.json").write_text(json.dumps(report, indent=2) + "\n")
    log("[refit] done: " + json.dumps({n: {"epochs": r["epochs"], "loss": [r["loss"][0], r["loss"][-1]]}
                                       for n, r in report.items()}))


if __name__ == "__main__":
    main()
