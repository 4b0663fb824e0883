"""Weight averaging of checkpoints along one run."""
import pytest
import torch

from training.average import average_state_dicts
from training.model import STUDENT_ARCH, build


def test_average_is_the_mean_of_float_tensors_and_keeps_integer_buffers():
    torch.manual_seed(0)
    a, b = build(STUDENT_ARCH).state_dict(), build(STUDENT_ARCH).state_dict()
    b = {k: (v + 1.0 if v.is_floating_point() else v + 5) for k, v in b.items()}
    avg = average_state_dicts([a, b])
    for k, v in a.items():
        if v.is_floating_point():
            assert torch.allclose(avg[k], (v + b[k]) / 2), k
        else:
            assert torch.equal(avg[k], v), k  # e.g. BatchNorm's num_batches_tracked
    net = build(STUDENT_ARCH)
    net.load_state_dict(avg)


def test_average_refuses_different_architectures():
    small = build(STUDENT_ARCH).state_dict()
    other = build(dict(STUDENT_ARCH, dec=(64, 40, 24, 16, 8))).state_dict()
    other = {k: v for k, v in other.items() if k != "alpha_head.bias"}
    with pytest.raises(ValueError, match="same architecture"):
        average_state_dicts([small, other])
