"""GPU latency of the student: torch CUDA (fp32 and bf16 autocast, CUDA-event timing, batch 1) and
onnxruntime (CUDA provider if the installed onnxruntime has it; CPU provider for reference).

  python3 -m training.bench_gpu --ckpt RUN/student.pt [--onnx facemat-student.onnx]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import time

import numpy as np
import torch

from .evaluate import load_net


def _pct(ts):
    ts = sorted(ts)
    return {"p50": ts[len(ts) // 2], "p90": ts[int(len(ts) * 0.9)], "min": ts[0], "n": len(ts)}


def torch_cuda(net, size, iters=300, amp=False):
    dev = torch.device("cuda")
    net = net.to(dev).eval()
    x = torch.randn(1, 3, size, size, device=dev)
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if amp else torch.autocast("cuda", enabled=False)
    ts = []
    with torch.no_grad(), ctx:
        for _ in range(30):
            net(x)
        torch.cuda.synchronize()
        for _ in range(iters):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            net(x)
            e.record()
            torch.cuda.synchronize()
            ts.append(s.elapsed_time(e))
    return _pct(ts)


def ort(path, size, provider, iters=200, threads=None):
    import onnxruntime as rt
    so = rt.SessionOptions()
    if threads:
        so.intra_op_num_threads = threads
    s = rt.InferenceSession(str(path), so, providers=[provider])
    x = np.random.randn(1, 3, size, size).astype(np.float32)
    for _ in range(20):
        s.run(None, {"image": x})
    ts = []
    for _ in range(iters):
        t0 = time.perf_counter()
        s.run(None, {"image": x})
        ts.append((time.perf_counter() - t0) * 1000)
    return {"providers": s.get_providers(), **_pct(ts)}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--onnx")
    ap.add_argument("--size", type=int, default=256)
    a = ap.parse_args(argv)
    res = {}
    try:
        res["gpu"] = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                                    capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as e:  # noqa: BLE001
        res["gpu"] = f"nvidia-smi failed: {e}"
    res["torch"] = torch.__version__
    net = load_net(a.ckpt)
    if torch.cuda.is_available():
        res["torch_cuda_name"] = torch.cuda.get_device_name(0)
        torch.backends.cudnn.benchmark = True
        res["torch_cuda_fp32_ms"] = torch_cuda(net, a.size)
        res["torch_cuda_bf16_ms"] = torch_cuda(net, a.size, amp=True)
    if a.onnx:
        try:
            import onnxruntime as rt
            res["onnxruntime"] = rt.__version__
            res["ort_available_providers"] = rt.get_available_providers()
            if "CUDAExecutionProvider" in rt.get_available_providers():
                res["ort_cuda_ms"] = ort(a.onnx, a.size, "CUDAExecutionProvider")
            else:
                res["ort_cuda_ms"] = "CUDAExecutionProvider not available in this onnxruntime build"
            res["ort_cpu_2threads_ms"] = ort(a.onnx, a.size, "CPUExecutionProvider", threads=2)
            # parity: torch (CPU fp32) vs onnxruntime on a random input
            x = np.random.default_rng(0).standard_normal((1, 3, a.size, a.size)).astype(np.float32)
            import onnxruntime as rt2
            s = rt2.InferenceSession(str(a.onnx), providers=["CPUExecutionProvider"])
            oa = s.run(None, {"image": x})[0]
            with torch.no_grad():
                ta = net.cpu().float()(torch.from_numpy(x))[0].numpy()
            res["ort_python_parity_max_abs_alpha"] = float(np.abs(oa - ta).max())
        except Exception as e:  # noqa: BLE001
            res["onnxruntime_error"] = repr(e)
    print(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
