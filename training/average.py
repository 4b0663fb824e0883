"""Average the weights of checkpoints taken along one training run (stochastic weight averaging,
Izmailov et al. 2018).

Averaging the ends of two consecutive runs of the same student lands nearer the middle of the
flat region they both sit in, which generalises a little better than either end. Only checkpoints
of one trajectory, or fine-tunes of one starting network (a "model soup": five runs from 0.8.0,
session 19, scored level with each of them), can be averaged: two networks trained apart (the
student and the ablation student) sit in different basins, and their average predicts nothing
(measured: IoU 0).
BatchNorm's running statistics are averaged too; re-estimating them on 1024 training composites
afterwards scored the same on the validation split, so this script does not.

  /usr/bin/python3 -m training.average --ckpt RUN1/student.pt --ckpt RUN2/student.pt \\
      --out training/runs/avg/student.pt
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from .train import load_ckpt
from .utils import REPO_ROOT, write_run_info


def average_state_dicts(state_dicts: list[dict]) -> dict:
    """Mean of floating-point tensors; integer buffers (BatchNorm's batch counter) from the first."""
    first = state_dicts[0]
    if any(sd.keys() != first.keys() for sd in state_dicts):
        raise ValueError("the checkpoints do not have the same architecture")
    return {k: (sum(sd[k] for sd in state_dicts) / len(state_dicts)) if v.is_floating_point() else v.clone()
            for k, v in first.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", action="append", required=True, help="a checkpoint of the run (give two or more)")
    ap.add_argument("--out", required=True, help="the averaged checkpoint (.pt)")
    a = ap.parse_args(argv)
    if len(a.ckpt) < 2:
        ap.error("give at least two --ckpt")
    out = Path(a.out)
    out = out if out.is_absolute() else REPO_ROOT / out
    cks = [load_ckpt(p) for p in a.ckpt]
    def design(ck):  # as JSON: a run's arch may hold tuples where a read-back one holds lists
        return json.dumps(ck["arch"], sort_keys=True), ck.get("size")

    if any(design(ck) != design(cks[0]) for ck in cks):
        raise SystemExit("the checkpoints differ in architecture or input size")
    write_run_info(out.parent, cks[-1]["config"])
    obj = dict(cks[-1])
    obj["state_dict"] = average_state_dicts([ck["state_dict"] for ck in cks])
    obj["averaged_from"] = list(a.ckpt)
    torch.save(obj, out)
    info = {"out": str(out), "averaged_from": a.ckpt}
    (out.parent / f"{out.stem}.average.json").write_text(json.dumps(info, indent=2) + "\n")
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
