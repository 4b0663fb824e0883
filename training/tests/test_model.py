"""FaceMatNet's head input: the concatenated-ReLU option, and the conversion of older networks."""
import pytest
import torch

from test_export import _randomised_student
from training.model import STUDENT_ARCH, build, with_crelu_heads


def test_older_architectures_without_head_input_build_relu_heads():
    arch = {k: v for k, v in STUDENT_ARCH.items() if k != "head_input"}  # as the 0.x checkpoints store it
    net = build(arch)
    assert net.head_input == "relu" and net.alpha_head.in_channels == arch["dec"][4]
    assert build({**arch, "head_input": "crelu"}).alpha_head.in_channels == 2 * arch["dec"][4]


def test_unknown_head_input_is_refused():
    with pytest.raises(ValueError, match="head_input"):
        build({**STUDENT_ARCH, "head_input": "gelu"})


def test_crelu_conversion_keeps_the_function():
    net = _randomised_student(head_input="relu")
    with torch.no_grad():
        net.alpha_head.weight.normal_(0, 0.3)
    new = with_crelu_heads(net).eval()
    assert new.head_input == "crelu" and new.alpha_head.in_channels == 2 * net.alpha_head.in_channels
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        (a0, lv0), (a1, lv1) = net(x), new(x)
    assert float(a0.std()) > 1e-3
    assert torch.allclose(a0, a1, atol=1e-6) and torch.allclose(lv0, lv1, atol=1e-6)


def _dead_last_layer(head_input):
    """A network whose last decoder layer is pushed below zero everywhere: every ReLU feature off,
    as the 0.x students coded their face interior."""
    net = _randomised_student(head_input=head_input)
    with torch.no_grad():
        net.dec1.body[-1][1].bias.fill_(-50.0)
    return net


@pytest.mark.parametrize("head_input, learns", [("relu", False), ("crelu", True)])
def test_only_crelu_heads_pass_gradient_through_features_that_are_off(head_input, learns):
    net = _dead_last_layer(head_input)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(4))
    alpha, _ = net(x)
    alpha.mean().backward()
    trunk_grad = float(net.dec1.body[-1][0].weight.grad.abs().sum())
    spread = float(alpha.std())
    assert (trunk_grad > 0) == learns
    assert (spread > 1e-4) == learns  # relu: one alpha everywhere, sigmoid(bias)
