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


@pytest.fixture(scope="session")
def bank():
    from training.synth import FaceBank
    imgs, labs, src = faces(6, 256)
    print(f"test faces: {src}")
    return FaceBank(imgs, labs)
