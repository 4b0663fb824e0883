"""The channel-padded export layout (training/cpu_layout.py) computes exactly what the trained
network computes, with every inner convolution on block-aligned channel counts."""
import numpy as np
import pytest
import torch

from conftest import faces
from test_export import _need_node, _randomised_student
from training.cpu_layout import NchwcFaceMatNet
from training.export import export_onnx, preprocess, run_node
from training.model import STUDENT_ARCH, TEACHER_ARCH, build


@pytest.mark.parametrize("head_input", ["crelu", "relu"])
@pytest.mark.parametrize("block", [16, 8])
def test_padded_network_equals_the_trained_one(block, head_input):
    net = _randomised_student(head_input=head_input)
    padded = NchwcFaceMatNet(net, block).eval()
    torch.manual_seed(1)
    x = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        a0, lv0 = net(x)
        a1, lv1 = padded(x)
    assert float(a0.std()) > 1e-3, "degenerate test model"
    assert torch.allclose(a0, a1, atol=1e-5) and torch.allclose(lv0, lv1, atol=1e-4)


@pytest.mark.parametrize("head_input", ["crelu", "relu"])
def test_every_inner_convolution_is_block_aligned(head_input):
    padded = NchwcFaceMatNet(_randomised_student(head_input=head_input), 16)
    convs = {n: m for n, m in padded.named_modules() if isinstance(m, torch.nn.Conv2d)}
    # the image's own layers: the stem, and the last decoder block's depthwise and pointwise parts
    # on its skip, the image's three channels
    assert {n for n, c in convs.items() if c.in_channels == 3} == {"stem.0.0", "dec1.dw_s.0", "dec1.pw_s"}
    for name, conv in convs.items():
        assert conv.in_channels == 3 or conv.in_channels % 16 == 0, name
        assert name == "dec1.dw_s.0" or conv.out_channels % 16 == 0, name
    # the two heads in eight phases fill one block: 16 real outputs at every eighth column
    assert padded.merged_heads.conv.out_channels == 16 and padded.merged_heads.conv.stride == (1, 8)


def test_phase_heads_equal_the_plain_heads_to_rounding():
    """The same products summed: equal where the kernel adds them in the plain heads' order (one and
    four phases on the Xeon and the EPYC; eight on an AVX-512 Xeon), within a few float32 ulps where
    it does not (eight phases on an AVX2 EPYC: 3 ulps). A wrong phase or column would be off by the
    outputs' scale."""
    from training.cpu_layout import Layout, PhaseHeads
    net = _randomised_student()
    c = net.alpha_head.in_channels
    y = torch.randn(2, c, 24, 32)
    lin = Layout(c, tuple(range(c)))
    with torch.no_grad():
        plain = torch.cat([net.alpha_head(y), net.logvar_head(y)], 1)
        for phases in (1, 4):
            assert torch.equal(PhaseHeads(net.alpha_head, net.logvar_head, lin, phases)(y), plain), phases
        ulps8 = 8 * torch.finfo(torch.float32).eps * float(plain.abs().max())
        torch.testing.assert_close(PhaseHeads(net.alpha_head, net.logvar_head, lin, 8)(y), plain,
                                   rtol=0, atol=ulps8, msg="8 phases")
    with pytest.raises(ValueError, match="not a multiple of 8"):
        PhaseHeads(net.alpha_head, net.logvar_head, lin, 8)(torch.randn(1, c, 8, 12))


def test_padding_keeps_the_trained_network_untouched():
    net = _randomised_student()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    NchwcFaceMatNet(net)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_teacher_architecture_pads_too():
    torch.manual_seed(0)
    net = build(TEACHER_ARCH).eval()
    with torch.no_grad():
        x = torch.randn(1, 3, 64, 64)
        a0, _ = net(x)
        a1, _ = NchwcFaceMatNet(net).eval()(x)
    assert torch.allclose(a0, a1, atol=1e-5)


@pytest.mark.parametrize("head_input", ["crelu", "relu"])
def test_padded_export_matches_trained_network_in_onnxruntime_node(tmp_path, head_input):
    _need_node()
    net = _randomised_student(head_input=head_input)
    path = tmp_path / "padded.onnx"
    export_onnx(NchwcFaceMatNet(net).eval(), path, 64)
    imgs, _, src = faces(2, 64)
    for img in imgs:
        x = preprocess(img)
        with torch.no_grad():
            a, lv = net(torch.from_numpy(x))
        summary, outs = run_node(path, x)
        assert summary["outputs"]["alpha"] == [1, 1, 64, 64] and summary["outputs"]["logvar"] == [1, 1, 64, 64]
        assert float(np.abs(outs["alpha"] - a.numpy()).max()) < 1e-4, src
        assert float(np.abs(outs["logvar"] - lv.numpy()).max()) < 1e-3, src
