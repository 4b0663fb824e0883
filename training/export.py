"""Export a student checkpoint to ONNX + the manifest the matting engine reads, with an
onnxruntime-node parity check.

  /usr/bin/python3 -m training.export --ckpt training/runs/<run>/student.pt --out models
  /usr/bin/python3 -m training.export --random-init --out /tmp/x        (contract-only model)
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

from .cpu_layout import DEFAULT_BLOCK, NchwcFaceMatNet
from .model import STUDENT_ARCH, build, count_macs, count_params
from .train import load_ckpt, net_from_ckpt
from .utils import REPO_ROOT

OPSET = 17
MEAN = 0.5
STD = 0.5
LICENSE = "CelebAMask-HQ: non-commercial research and education only; weights inherit it"
NODE_SCRIPT = Path(__file__).resolve().parent / "ort_node.cjs"


class _Export(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        alpha, logvar = self.net(image)
        return alpha, logvar


def load_student(ckpt_path: str | os.PathLike):
    ck = load_ckpt(ckpt_path)
    return net_from_ckpt(ck).eval(), ck


def export_onnx(net, path: str | os.PathLike, size: int):
    net = net.eval().float().cpu()
    x = torch.zeros(1, 3, size, size)
    kw = dict(input_names=["image"], output_names=["alpha", "logvar"], opset_version=OPSET,
              do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kw["dynamo"] = False  # the TorchScript exporter: fixed shapes, BN folded, opset 17
    wrapper = _Export(net).eval()  # a train-mode wrapper would leave net in train mode afterwards
    with torch.no_grad():
        torch.onnx.export(wrapper, (x,), str(path), **kw)
    net.eval()
    import onnx
    m = onnx.load(str(path))
    # the architecture, so that onnx_weights can read a student of any width back for training
    from .onnx_weights import ARCH_KEY
    entry = m.metadata_props.add()
    entry.key, entry.value = ARCH_KEY, json.dumps(net.config, sort_keys=True)
    onnx.checker.check_model(m)
    onnx.save(m, str(path))
    return m


def manifest(size: int, version: str, data_desc: str) -> dict:
    return {
        "name": "facemat-student",
        "version": version,
        "file": "facemat-student.onnx",
        "opset": OPSET,
        "input": {"name": "image", "layout": "NCHW", "width": size, "height": size,
                  "dynamic": False, "colorOrder": "RGB", "scale": 255,
                  "mean": [MEAN] * 3, "std": [STD] * 3},
        "outputs": [{"name": "alpha", "kind": "alpha", "range": [0, 1]},
                    {"name": "logvar", "kind": "log_variance"}],
        "card": "facemat-student.md",
        "training": {"data": data_desc, "license": LICENSE},
    }


def preprocess(rgb_uint8: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 RGB -> 1x3xHxW float32, exactly as the manifest says."""
    x = (rgb_uint8.astype(np.float32) / 255.0 - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def run_node(model_path, inp: np.ndarray | None, threads=2, iters=0, out_dir=None):
    """Run the ONNX model with onnxruntime-node; returns (summary, {name: array})."""
    tmp = tempfile.mkdtemp(prefix="facemat-ort-")
    try:
        ip = "-"
        if inp is not None:
            ip = os.path.join(tmp, "input.bin")
            np.ascontiguousarray(inp, dtype=np.float32).tofile(ip)
        od = out_dir or tmp
        r = subprocess.run(["node", str(NODE_SCRIPT), str(REPO_ROOT), str(model_path), ip, od,
                            str(threads), str(iters)], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("onnxruntime-node failed: " + r.stderr[-2000:])
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        outs = {}
        for name, dims in summary["outputs"].items():
            outs[name] = np.fromfile(os.path.join(od, name + ".bin"), dtype=np.float32).reshape(dims)
        return summary, outs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def parity_check(net, onnx_path, images: list[np.ndarray], tol_alpha=2e-3, tol_logvar=2e-2):
    """Compare PyTorch (float32, CPU) and onnxruntime-node outputs on real images."""
    net = net.eval().float().cpu()
    worst = {"alpha": 0.0, "logvar": 0.0}
    for img in images:
        x = preprocess(img)
        with torch.no_grad():
            a, lv = net(torch.from_numpy(x))
        _, outs = run_node(onnx_path, x)
        worst["alpha"] = max(worst["alpha"], float(np.abs(outs["alpha"] - a.numpy()).max()))
        worst["logvar"] = max(worst["logvar"], float(np.abs(outs["logvar"] - lv.numpy()).max()))
    ok = worst["alpha"] <= tol_alpha and worst["logvar"] <= tol_logvar
    return ok, worst


def _parity_images(size: int, n: int = 4, data_root=None) -> list[np.ndarray]:
    from PIL import Image
    from .data import list_samples
    from .utils import resolve_data_root
    root = resolve_data_root(data_root)
    samples = list_samples(root)[:n]
    return [np.asarray(Image.open(s.image).convert("RGB").resize((size, size), Image.BILINEAR))
            for s in samples]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", help="student checkpoint (.pt) written by training.train_student")
    ap.add_argument("--random-init", action="store_true", help="export an untrained student")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--out", default="models")
    ap.add_argument("--version", default="0.0.0")
    ap.add_argument("--data-desc", default="synthetic composites over CelebAMask-HQ subset")
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--no-parity", action="store_true", help="skip the onnxruntime-node parity check")
    ap.add_argument("--no-bench", action="store_true", help="skip the onnxruntime-node CPU latency")
    ap.add_argument("--plain-layout", action="store_true",
                    help="export the network as trained, without the channel padding for onnxruntime's CPU kernels")
    ap.add_argument("--block", type=int, default=DEFAULT_BLOCK, choices=(8, 16),
                    help="the channel multiple of the padded layout: 16 fits AVX-512's NCHWc block (the shipped"
                         " graph), 8 AVX2's, with fewer padded channels (untimed on an AVX2 machine so far)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    if not out.is_absolute():
        out = REPO_ROOT / out
    out.mkdir(parents=True, exist_ok=True)
    if a.random_init:
        torch.manual_seed(0)
        net = build(STUDENT_ARCH).eval()
        size = a.size
    else:
        net, ck = load_student(a.ckpt)
        size = int(ck.get("size", a.size))
    onnx_path = out / "facemat-student.onnx"
    # The shipped graph is the channel-padded equivalent (training/cpu_layout.py); the parity
    # check below compares it with the network as trained.
    graph = net if a.plain_layout else NchwcFaceMatNet(net, a.block).eval()
    export_onnx(graph, onnx_path, size)
    (out / "facemat-student.json").write_text(json.dumps(manifest(size, a.version, a.data_desc), indent=2) + "\n")
    info = {"params": count_params(net), "gmacs": count_macs(net, size, size) / 1e9,
            "layout": "plain" if a.plain_layout else f"nchwc-padded-{a.block}",
            "gmacs_executed": count_macs(graph, size, size) / 1e9,
            "onnx_bytes": onnx_path.stat().st_size}
    if not a.no_parity:
        ok, worst = parity_check(net, onnx_path, _parity_images(size, data_root=a.data_root))
        info["parity"] = {"ok": ok, "max_abs_diff": worst}
        if not ok:
            print(json.dumps(info, indent=2))
            raise SystemExit("parity check FAILED")
    if not a.no_bench:
        summary, _ = run_node(onnx_path, None, threads=2, iters=200)
        info["ort_node_cpu_latency_ms"] = summary["latency"]
    print(json.dumps(info, indent=2))
    return info


if __name__ == "__main__":
    main()
