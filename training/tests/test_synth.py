import numpy as np
import pytest
from PIL import Image

from training.synth import EVAL_TYPES, OCCLUDERS, Synthesizer


@pytest.mark.parametrize("occ", EVAL_TYPES)
def test_target_is_face_times_one_minus_occluder_alpha(bank, occ):
    syn = Synthesizer(bank, 128)
    for k in range(2):
        s = syn.sample(k, np.random.default_rng([11, k]), occ, augment=False, return_layers=True)
        a, face, occa = s["alpha"], s["face"], s["occ"]
        assert a.shape == face.shape == occa.shape == (128, 128)
        assert np.isfinite(a).all() and a.min() >= 0 and a.max() <= 1
        assert occa.min() >= 0 and occa.max() <= 1
        np.testing.assert_allclose(a, face * (1 - occa), atol=1e-6)
        # the occluder alpha is the union of the layers: 1 - prod(1 - a_k)
        prod = np.ones_like(occa)
        frame = s["base"].copy()
        for rgb, ak in s["layers"]:
            prod *= 1 - ak
            frame = rgb * ak[..., None] + frame * (1 - ak[..., None])
        np.testing.assert_allclose(occa, 1 - prod, atol=1e-5)
        # the returned image is that composite (before webcam degradations), up to uint8 rounding
        assert np.abs(s["image"].astype(np.float32) / 255 - np.clip(frame, 0, 1)).max() <= 1 / 255 + 1e-6
        if occ == "clean":
            assert occa.max() == 0 and s["type"] == "clean"
        else:
            assert s["type"] == occ
            # occluder lies inside the frame and covers part of the face
            assert occa.sum() > 0
            assert (occa * face).sum() > 0
            assert a.sum() < face.sum()


def test_occluders_inside_frame_and_cover_face_many_seeds(bank):
    syn = Synthesizer(bank, 96)
    for occ in OCCLUDERS:
        covered = 0
        for k in range(6):
            s = syn.sample(k % bank.n, np.random.default_rng([5, k]), occ, augment=False)
            assert s["occ"].shape == (96, 96)
            covered += (s["occ"] * s["face"]).sum() > 0
        assert covered >= 5, f"{occ}: occluder missed the face too often ({covered}/6)"


def test_determinism_by_seed(bank):
    syn = Synthesizer(bank, 96)
    a = syn.sample(1, np.random.default_rng([3, 4]))
    b = syn.sample(1, np.random.default_rng([3, 4]))
    c = syn.sample(1, np.random.default_rng([3, 5]))
    assert a["type"] == b["type"]
    assert np.array_equal(a["image"], b["image"]) and np.array_equal(a["alpha"], b["alpha"])
    assert not np.array_equal(a["image"], c["image"])


def test_training_stream_and_valset_are_seeded(bank):
    from training.dataset import TrainStream, ValSet
    ts = TrainStream(bank, 64, {}, seed=9)
    x1, y1, _ = ts[3]
    x2, y2, _ = TrainStream(bank, 64, {}, seed=9)[3]
    assert x1.dtype.is_floating_point is False and tuple(x1.shape) == (3, 64, 64)
    assert (x1 == x2).all() and (y1 == y2).all()
    vs = ValSet(bank, 64, {}, seed=1, n_faces=2)
    assert len(vs) == 2 * len(EVAL_TYPES)
    i1, a1, f1, t1 = vs[len(vs) - 1]
    i2, a2, f2, t2 = ValSet(bank, 64, {}, seed=1, n_faces=2)[len(vs) - 1]
    assert t1 == t2 == EVAL_TYPES.index(EVAL_TYPES[-1]) and (i1 == i2).all() and (a1 == a2).all()


def test_webcam_scale_range(bank):
    """Faces fill roughly 15-100 % of the frame height (face box / frame)."""
    syn = Synthesizer(bank, 128, {"p_aligned": 0.0})
    fills = []
    for k in range(30):
        s = syn.sample(k % bank.n, np.random.default_rng([8, k]), "clean", augment=False)
        ys = np.nonzero(s["face"].max(1) > 0.5)[0]
        if len(ys):
            fills.append((ys.max() - ys.min() + 1) / 128)
    assert min(fills) < 0.4 and max(fills) > 0.6
    assert min(fills) > 0.08


def test_split_is_by_file_and_deterministic(tmp_path):
    from training.data import Sample, split
    ss = [Sample(f"f{i:03d}", f"/x/{i}.jpg", f"/x/{i}.png") for i in range(100)]
    tr, va = split(ss, 0.15, 1234)
    tr2, va2 = split(list(reversed(ss)), 0.15, 1234)
    assert [s.name for s in va] == [s.name for s in va2] and len(va) == 15 and len(tr) == 85
    assert not set(s.name for s in tr) & set(s.name for s in va)


def test_full_celebamask_hq_layout(tmp_path):
    """CelebA-HQ-img/<id>.jpg + CelebAMask-HQ-mask-anno/<k>/<id:05d>_<part>.png -> label map."""
    from training.data import list_samples, load_labels, face_mask
    (tmp_path / "CelebA-HQ-img").mkdir()
    d = tmp_path / "CelebAMask-HQ-mask-anno" / "0"
    d.mkdir(parents=True)
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "CelebA-HQ-img" / "7.jpg")
    skin = np.zeros((32, 32), np.uint8)
    skin[4:28, 4:28] = 255
    hair = np.zeros((32, 32), np.uint8)
    hair[0:10, :] = 255
    nose = np.zeros((32, 32), np.uint8)
    nose[14:18, 14:18] = 255
    for name, m in (("skin", skin), ("hair", hair), ("nose", nose)):
        Image.fromarray(m).save(d / f"00007_{name}.png")
    ss = list_samples(tmp_path)
    assert len(ss) == 1 and ss[0].name == "7"
    lab = load_labels(ss[0])
    assert lab[20, 20] == 1 and lab[15, 15] == 2 and lab[5, 5] == 13 and lab[30, 30] == 0
    fm = face_mask(lab)
    assert fm[20, 20] and not fm[5, 5]
