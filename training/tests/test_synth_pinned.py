"""Pinned synthesis outputs: SHA-256 of fixed-seed composites through the public entry points
(FaceBank's per-face geometry, Synthesizer.sample for every occluder type and for the random
training mix). The hashes were taken before training/synth.py was split into the training/synth/
package, so a refactor that changes any bit of any output fails here.

A deliberate change to the synthesis (or a numpy / Pillow / scipy / libjpeg upgrade: the
composites go through their resampling, filtering and JPEG code) changes the hashes; re-pin
with `python3 training/tests/test_synth_pinned.py`, which prints the current table."""
import hashlib

import numpy as np
import pytest
from conftest import DATA, faces

SIZE = 96  # output frame; sources stay 256 px as in the other tests
N_FACES = 4
PER_TYPE = 12  # composites of each type: enough to reach every kind of mic, cup, mask, hand pose, ...
MIX = 6  # composites of the random training mix (occ_type=None)

# numpy, Pillow, scipy versions the table was taken with (shown when a hash differs)
PINNED_WITH = "numpy 1.24.2, Pillow 9.4.0, scipy 1.10.1"
PINNED = {  # source -> case -> sha256 of its composites
    "synthetic": {
        "facebank": "08478e43a3821c6bd06d2d40bfd679a779ef82fe7890d405f627746c5e3e5b12",
        "clean": "b1b3704b3e610fadf553aa6e5f90a328c1e56a98ae06a435a7ed3b0bd11479e6",
        "hand": "6a05d0b06de04bc9c66db995c3e195680fbfdd3a13ab307fb8012830a7e1861e",
        "hair": "9a0d0576f3c7c24be084b62516719cd71c60b79df98834509b67571ba21b71b3",
        "glasses": "d48316aa843e712e8efe563e54600fde025e1c15bf2ec829007d7151d60d42f3",
        "mask": "2e71e92b1344a3138e7f18778f9efa15e4cc0362645619055721ff14f3497f2f",
        "mic": "a598c6374c72813fe194759b154a106e844ae17c114e4ca31cdec14c2878cc67",
        "phone": "be09a1b4564e9a10d63539f7a39c0d029308b37b0775148ea4747a08b6df060f",
        "cup": "576bcb35b00cdf367c331c207313267e83f09d2f9a997a0d1cb62b315d447653",
        "shape": "dfc464b293dfb924441b24fe46578944397b9e7c17be0b44e67cb3f3200c4a51",
        "crop": "9854b1173b48576ceb770e866e1a61e26dbd3d575481c940e2844e1d33c0f48f",
        "mix": "2c41d699fe367ce38cf28b6dc392f5e27bde256fcd95d8a88a4479845fa0e929",
    },
    "celebamask-hq-1k": {
        "facebank": "cfde9998c71f39c8a221e2198e2a820d9f54e55f5aecb1dcec373db6ae0e2203",
        "clean": "5341fd5bd0c55287614829e535f118eaaaffaadd405e76c3a5f7fc5653c75fdf",
        "hand": "4bc76effcf6474eaea3d6095c66d17577aea5b3c279ce04636c18ba41f3dd5a8",
        "hair": "1752e2cabd92552d9254d9ff11a64231be75ce4cd3d6ebd2185cf199a6e65070",
        "glasses": "74278b84bf545b9a0e26a5655ba704cfed4c53f3db11f658775a8c45ece4f071",
        "mask": "aa4cb5495c99ac8ad032cfa2733d08a3e78f62861ddc4f0c4c2cf74fae80ce65",
        "mic": "b50f5980cba256d9eafda7d4edad33a86de7bfac8cfcd0512ad87132b11b4f04",
        "phone": "4776e2f4dd38eab80171599a64c6ee2ac7dff14401e48349c76dd33af606a877",
        "cup": "24ccbc2f323c62b02b739cca72fc54107d09e63d15d5fb106627dafff0c0b6ac",
        "shape": "cfd0ece84a818fcc0b96060bc7c8b6839f469fbb70b251394c7dc3438444fea9",
        "crop": "c21c377d632c3cae2529b010afa48ff8f9ecee7f39168c9ba74a43249dd3aa18",
        "mix": "568c2dc3cb1dce9f8b4d684b64107012ff64bc475fa9733fe18576900699c4c8",
    },
}


def _digest(obj, h):
    if isinstance(obj, dict):
        for k in sorted(obj):
            h.update(repr(k).encode())
            _digest(obj[k], h)
    elif isinstance(obj, (list, tuple)):
        h.update(f"seq{len(obj)}".encode())
        for x in obj:
            _digest(x, h)
    elif isinstance(obj, np.ndarray):
        h.update(f"{obj.dtype.str}{obj.shape}".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    else:
        h.update(repr(obj).encode())


def sha(obj) -> str:
    h = hashlib.sha256()
    _digest(obj, h)
    return h.hexdigest()


def load(source):
    from training.data import synthetic_faces
    from training.synth import FaceBank
    if source == "synthetic":
        imgs, labs = synthetic_faces(N_FACES, 256, seed=0)
    else:
        if not (DATA / "images").is_dir():
            pytest.skip(f"{DATA} absent")
        imgs, labs, _ = faces(N_FACES, 256)
    return FaceBank(imgs, labs)


def cases(bank):
    """-> {case: sha256}: the bank's per-face geometry, composites of every type (with their
    layers, the frame before webcam degradations, and the degraded image), the training mix."""
    from training.synth import EVAL_TYPES, Synthesizer
    out = {"facebank": sha(bank.info)}
    syn = Synthesizer(bank, SIZE)
    for t, occ in enumerate(EVAL_TYPES):
        out[occ] = sha([syn.sample((t + k) % bank.n, np.random.default_rng([21, t, k]), occ, return_layers=True)
                        for k in range(PER_TYPE)])
    out["mix"] = sha([syn.sample(k % bank.n, np.random.default_rng([22, k])) for k in range(MIX)])
    return out


@pytest.mark.parametrize("source", list(PINNED))
def test_synthesis_outputs_are_pinned(source):
    got = cases(load(source))
    diff = [k for k in got if got[k] != PINNED[source].get(k)]
    assert not diff, f"{source}: outputs changed for {diff} (table pinned with {PINNED_WITH})"


if __name__ == "__main__":
    for src in PINNED:
        try:
            bank = load(src)
        except pytest.skip.Exception as e:
            print(f"# {src}: {e}")
            continue
        print(f'    "{src}": {{')
        for k, v in cases(bank).items():
            print(f'        "{k}": "{v}",')
        print("    },")
