import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.dont_write_bytecode = True
REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "celebamask-hq-1k"


def faces(n=6, size=256):
    """Real faces from ../shared/data/celebamask-hq-1k when present, else procedural faces.
    Returns (imgs, labs, source)."""
    from training.data import list_samples, load_faces, synthetic_faces
    if (DATA / "images").is_dir():
        return (*load_faces(list_samples(DATA)[:n], size), "celebamask-hq-1k")
    return (*synthetic_faces(n, size, seed=0), "synthetic (data set absent)")


def randomised_net(arch, seed=0):
    """A network of `arch` in eval mode with non-trivial BatchNorm statistics, so that export,
    read-back and folding checks compare something that can differ."""
    import torch
    from training.model import build
    torch.manual_seed(seed)
    net = build(arch)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
    return net.eval()


def photo_root(tmp_path, n: int, size: int, seed: int):
    """A data root of n synthetic faces (images/ and masks/, the 1k subset's layout): (root, labels)."""
    from PIL import Image
    from training.data import synthetic_faces
    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    imgs, labs = synthetic_faces(n, size, seed=seed)
    for i, (im, lb) in enumerate(zip(imgs, labs)):
        Image.fromarray(im).save(root / "images" / f"f{i}.png")
        Image.fromarray(lb).save(root / "masks" / f"f{i}.png")
    return root, labs


@pytest.fixture(scope="session")
def bank():
    from training.synth import FaceBank
    imgs, labs, src = faces(6, 256)
    print(f"test faces: {src}")
    return FaceBank(imgs, labs)
