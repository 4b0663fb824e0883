"""ONNX export + onnxruntime-node parity, and the shipped model's contract."""
import json
import shutil
import subprocess

import numpy as np
import pytest
import torch

from conftest import REPO, faces, randomised_net
from training.export import MEAN, STD, export_onnx, manifest, preprocess, run_node
from training.model import STUDENT_ARCH

ORT_NODE = REPO / "node_modules" / "onnxruntime-node"


def _need_node():
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: the onnxruntime-node parity test needs Node.js")
    if not ORT_NODE.exists():
        pytest.fail(f"{ORT_NODE} is missing: run `npm install` (ONNXRUNTIME_NODE_INSTALL=skip) first")


def _randomised_student(**arch):
    return randomised_net({**STUDENT_ARCH, **arch})


def test_export_and_onnxruntime_node_parity_on_real_images(tmp_path):
    _need_node()
    import onnx
    net = _randomised_student()
    path = tmp_path / "m.onnx"
    export_onnx(net, path, 64)
    m = onnx.load(str(path))
    assert m.opset_import[0].version <= 17
    assert [i.name for i in m.graph.input] == ["image"] and [o.name for o in m.graph.output] == ["alpha", "logvar"]
    dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 64, 64]
    imgs, _, src = faces(3, 64)
    worst = 0.0
    for img in imgs:
        x = preprocess(img)
        with torch.no_grad():
            a, lv = net(torch.from_numpy(x))
        summary, outs = run_node(path, x)
        assert summary["outputs"]["alpha"] == [1, 1, 64, 64]
        assert float(a.std()) > 1e-4, "degenerate test model"
        worst = max(worst, float(np.abs(outs["alpha"] - a.numpy()).max()),
                    float(np.abs(outs["logvar"] - lv.numpy()).max()) / 10)
    assert worst < 1e-4, f"PyTorch vs onnxruntime-node differ by {worst} on {src} images"


def test_preprocess_matches_manifest():
    img = np.array([[[0, 128, 255]]], np.uint8)
    x = preprocess(img)
    np.testing.assert_allclose(x[0, :, 0, 0], (np.array([0, 128, 255]) / 255 - MEAN) / STD, atol=1e-6)
    mf = manifest(256, "1.2.3", "d")
    assert mf["input"]["mean"] == [MEAN] * 3 and mf["input"]["std"] == [STD] * 3 and mf["input"]["scale"] == 255


def test_shipped_model_contract():
    _need_node()
    import onnx
    mf = json.loads((REPO / "models" / "facemat-student.json").read_text())
    onnx_path = REPO / "models" / mf["file"]
    assert mf["name"] == "facemat-student" and mf["file"] == "facemat-student.onnx" and mf["opset"] <= 17
    assert onnx_path.stat().st_size <= 5 * 1024 * 1024
    assert (REPO / "models" / mf["card"]).exists()
    inp = mf["input"]
    assert inp["name"] == "image" and inp["layout"] == "NCHW" and inp["dynamic"] is False and inp["colorOrder"] == "RGB"
    assert [o["name"] for o in mf["outputs"]] == ["alpha", "logvar"]
    assert "non-commercial" in mf["training"]["license"]
    m = onnx.load(str(onnx_path))
    assert m.opset_import[0].version == mf["opset"]
    dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, inp["height"], inp["width"]]
    imgs, _, _ = faces(1, inp["width"])
    x = (imgs[0].astype(np.float32) / inp["scale"] - np.array(inp["mean"], np.float32)) / np.array(inp["std"], np.float32)
    x = np.ascontiguousarray(x.transpose(2, 0, 1)[None])
    _, outs = run_node(onnx_path, x)
    a = outs["alpha"]
    assert a.shape == (1, 1, inp["height"], inp["width"]) and a.min() >= 0 and a.max() <= 1
    assert outs["logvar"].shape == a.shape
