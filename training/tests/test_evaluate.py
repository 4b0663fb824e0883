"""Evaluation helpers."""
import torch

from test_export import _randomised_student
from training.evaluate import FlipAveraged


def test_flip_averaging_is_mirror_equivariant_and_averages_both_passes():
    net = _randomised_student()
    torch.manual_seed(3)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        avg = FlipAveraged(net)(x)[0]
        avg_of_mirror = FlipAveraged(net)(x.flip(-1))[0]
        plain, mirrored = net(x)[0], net(x.flip(-1))[0].flip(-1)
    assert torch.allclose(avg, avg_of_mirror.flip(-1), atol=1e-6)
    assert torch.allclose(avg, (plain + mirrored) / 2, atol=1e-6)
    assert float((plain - mirrored).abs().max()) > 1e-3, "the test network should not be symmetric already"
