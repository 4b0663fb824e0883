"""Pinned synthesis outputs: SHA-256 of fixed-seed composites through the public entry points
(FaceBank's per-face geometry, Synthesizer.sample for every occluder type and for the random
training mix). The hashes were taken before training/synth.py was split into the training/synth/
package, so a refactor that changes any bit of any output fails here.

The bits also depend on the CPU: numpy dispatches its float loops (exp, sin, ...) and OpenBLAS its
kernels by the instruction set, so an AVX-512 machine and an AVX2-only one (the AMD EPYCs here)
round a few values apart in the hands, held objects, shapes and crops (forcing numpy's SSE loops
instead of AVX2 on one machine moves 0.1-0.2 % of the mic, phone and cup values, by at most
1.2e-7). The table is therefore kept per CPU class (cpu_class()): the avx512 one was taken on the
old module, the avx2 one from the same code (commit 0ba55b6, whose avx512 hashes passed). A machine
of a class with no table fails with how to add one.

A deliberate change to the synthesis (or a numpy / Pillow / scipy / libjpeg upgrade: the
composites go through their resampling, filtering and JPEG code) changes the hashes; re-pin
with `python3 training/tests/test_synth_pinned.py` on a machine of each class, which prints the
current table for its class."""
import hashlib

import numpy as np
import pytest
from conftest import DATA, faces

SIZE = 96  # output frame; sources stay 256 px as in the other tests
N_FACES = 4
PER_TYPE = 12  # composites of each type: enough to reach every kind of mic, cup, mask, hand pose, ...
MIX = 6  # composites of the random training mix (occ_type=None)

# numpy, Pillow, scipy versions the tables were taken with (shown when a hash differs)
PINNED_WITH = "numpy 1.24.2, Pillow 9.4.0, scipy 1.10.1"


def cpu_class() -> str:
    """The instruction set numpy dispatches its loops to here: 'avx512' (AVX512_SKX), 'avx2' (AVX2
    and FMA3), else 'baseline'."""
    from numpy.core._multiarray_umath import __cpu_features__ as has
    if has.get("AVX512_SKX"):
        return "avx512"
    return "avx2" if has.get("AVX2") and has.get("FMA3") else "baseline"


PINNED = {  # CPU class -> source -> case -> sha256 of its composites
  "avx512": {  # Intel Xeon (the sessions' first machines)
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
  },
  "avx2": {  # AMD EPYC without AVX-512 (the machines since 2026-12-06, session 13)
    "synthetic": {
        "facebank": "08478e43a3821c6bd06d2d40bfd679a779ef82fe7890d405f627746c5e3e5b12",
        "clean": "b1b3704b3e610fadf553aa6e5f90a328c1e56a98ae06a435a7ed3b0bd11479e6",
        "hand": "08ab84f591345bada12f5864cfbe69615120b1c180d5eb6018fdad752136b9bf",
        "hair": "9a0d0576f3c7c24be084b62516719cd71c60b79df98834509b67571ba21b71b3",
        "glasses": "d48316aa843e712e8efe563e54600fde025e1c15bf2ec829007d7151d60d42f3",
        "mask": "2e71e92b1344a3138e7f18778f9efa15e4cc0362645619055721ff14f3497f2f",
        "mic": "1348066152c12145232406710caf30d5f3a5319b85cc610ecf2a14afd563506b",
        "phone": "cad02e53f0b8c04dc5c5214608676c086cc22586a5bcc4217f167758503a3ce3",
        "cup": "5a6b95b4ec17e68502ee98f40eaf903740d1e115c7bf8ba63385f6a6d82f3faa",
        "shape": "818ced28ec8283c23744c0d27b16dd279e1c50adb64119cbfc53889a36df7fb6",
        "crop": "a5e216654c9b54cbd9152829b02895bbcac34194ced8e60f04dff6655dea70a2",
        "mix": "d0eda0eb6c5901bc07f4a978634424ed53a6e362bed88b28c4c7d0d51ee36db9",
    },
    "celebamask-hq-1k": {
        "facebank": "cfde9998c71f39c8a221e2198e2a820d9f54e55f5aecb1dcec373db6ae0e2203",
        "clean": "5341fd5bd0c55287614829e535f118eaaaffaadd405e76c3a5f7fc5653c75fdf",
        "hand": "8d5f25ec09ca12cb68514472ac8f4aed42bf37bda6985e83b08651da0baffae9",
        "hair": "1752e2cabd92552d9254d9ff11a64231be75ce4cd3d6ebd2185cf199a6e65070",
        "glasses": "74278b84bf545b9a0e26a5655ba704cfed4c53f3db11f658775a8c45ece4f071",
        "mask": "aa4cb5495c99ac8ad032cfa2733d08a3e78f62861ddc4f0c4c2cf74fae80ce65",
        "mic": "2ee88639fd12734e20bcdf6707d05440dba4fa38cd6b842bc306e258498819f2",
        "phone": "5465f98c146844b4ff1056a16178edbcb8a68d6ed39d9a7e119eefb93fd6f5b3",
        "cup": "eb5413df9ef21fc7fed632a4c6d452fd7d18b71d7138c4f4d98cb4d570211530",
        "shape": "bb425d79c51de473c8aba03837e3bd934907c0849af4dc1e11ae5475ccc9865e",
        "crop": "e8126f6909f5bab1e10a9519ab8c577c7d53febae6f248642a378d1dc279a9e3",
        "mix": "568c2dc3cb1dce9f8b4d684b64107012ff64bc475fa9733fe18576900699c4c8",
    },
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


@pytest.mark.parametrize("source", ["synthetic", "celebamask-hq-1k"])
def test_synthesis_outputs_are_pinned(source):
    cls = cpu_class()
    assert cls in PINNED, (f"no pinned table for CPU class {cls!r}: take one with "
                           f"`python3 training/tests/test_synth_pinned.py` on a checkout whose synthesis is known good")
    got = cases(load(source))
    diff = [k for k in got if got[k] != PINNED[cls][source].get(k)]
    assert not diff, f"{source}: outputs changed for {diff} (CPU class {cls}, table pinned with {PINNED_WITH})"


def test_the_cpu_classes_pin_the_same_cases():
    """Each class's table covers every source and case: a re-pin on one class cannot drop one."""
    keys = {cls: {src: sorted(t) for src, t in tables.items()} for cls, tables in PINNED.items()}
    assert len(set(map(repr, keys.values()))) == 1, keys


if __name__ == "__main__":
    print(f"# CPU class {cpu_class()}")
    for src in ["synthetic", "celebamask-hq-1k"]:
        try:
            bank = load(src)
        except pytest.skip.Exception as e:
            print(f"# {src}: {e}")
            continue
        print(f'    "{src}": {{')
        for k, v in cases(bank).items():
            print(f'        "{k}": "{v}",')
        print("    },")
