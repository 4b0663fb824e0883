"""3-D hand occluder (synth/gltf.py, synth/hand3d.py) and tinted / mirrored lenses (wearables.py).
The hand tests need the WebXR hand meshes, fetched by `bash training/fetch_hand_assets.sh` into
.data/hand-assets/ (never committed; `scripts/setup.sh --test` fetches them, so the suite runs
them); run alone without them, they skip."""
import numpy as np
import pytest

from training.synth import hand3d as H
from training.synth.gltf import load_skinned_mesh

needs_assets = pytest.mark.skipif(
    not H.available(), reason=f"{H.ASSET_DIR} absent: run `bash training/fetch_hand_assets.sh`")


def test_a_mix_with_3d_hands_refuses_to_start_without_the_meshes(monkeypatch, tmp_path):
    """No silent 2-D hands in place of 3-D ones: the sampler (a bank, a run) and the generator
    (an evaluation asking for hand3d) both stop, naming the fetch command."""
    from training.data import synthetic_faces
    from training.synth import FaceBank, Synthesizer
    monkeypatch.setattr(H, "ASSET_DIR", tmp_path / "generic-hand")
    bank = FaceBank(*synthetic_faces(2, 256, seed=0))
    with pytest.raises(FileNotFoundError, match="fetch_hand_assets.sh"):
        Synthesizer(bank, 96, {"weights": {"hand3d": 0.2}})
    syn = Synthesizer(bank, 96)  # no 3-D hands in its mix: starts
    with pytest.raises(FileNotFoundError, match="fetch_hand_assets.sh"):
        syn.sample(0, np.random.default_rng(0), "hand3d")


@needs_assets
@pytest.mark.parametrize("side", ["left", "right"])
def test_glb_parser_reads_the_hand(side):
    m = load_skinned_mesh(H.asset_path(side))
    assert m.positions.shape == (1360, 3) and m.normals.shape == (1360, 3) and m.uvs.shape == (1360, 2)
    assert m.triangles.shape == (2314, 3) and m.triangles.max() < 1360
    assert len(m.joint_names) == 25 and {"wrist", "thumb-tip", "index-finger-phalanx-distal"} <= set(m.joint_names)
    np.testing.assert_allclose(m.weights.sum(1), 1, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(m.normals, axis=1), 1, atol=1e-3)
    # the bind pose: each joint's world matrix is the inverse of its inverse bind matrix
    np.testing.assert_allclose(m.joint_world @ m.inverse_bind, np.tile(np.eye(4), (25, 1, 1)), atol=1e-5)


@needs_assets
def test_rest_pose_skinning_reproduces_the_bind_pose():
    hm = H.model("right")
    p, n = hm.skin(hm.pose())
    np.testing.assert_allclose(p[: hm.n_hand], hm.mesh.positions, atol=1e-5)
    np.testing.assert_allclose(n[: hm.n_hand], hm.mesh.normals, atol=1e-4)
    # zero angles by name are the rest pose too; a curl moves the fingertip toward the palm
    flex0 = {k: 0.0 for k in hm.names if not k.endswith("tip")}
    np.testing.assert_allclose(hm.skin(hm.pose(flex0))[0], p, atol=1e-9)
    tip0 = hm.joint_pos(hm.pose(), "index-finger-tip")
    tip1 = hm.joint_pos(hm.pose({"index-finger-phalanx-proximal": 1.2}), "index-finger-tip")
    palm = -hm.d
    assert (tip1 - tip0) @ palm > 0.03


def _render(kind, facing=-1.0, S=128, length_px=70.0, rng=0, creases=None, side="left"):
    hm = H.model(side)
    flex, abd = H.pose_angles(kind, np.random.default_rng(rng), jitter=0.0)
    posed = hm.pose(flex, abd)
    R = H.look_rotation(hm.f, hm.d, np.array([0.0, -1.0, 0.0]), np.array([0.0, 0.0, facing]))
    Z0 = 0.8
    focal = length_px * Z0 / hm.length
    t = np.array([0.0, 0.0, Z0]) - R @ H._anchor_point(hm, hm.pose(), "palm")
    skin = (np.full((8, 8, 3), [0.8, 0.6, 0.5], np.float32), 1.0, (3.0, 3.0))
    return H.render_hand(hm, posed, R, t, focal, S, skin, np.array([0.3, -0.4, -0.87]), creases=creases)


@needs_assets
def test_render_has_exact_soft_alpha_and_fist_covers_less_than_open_palm():
    rgb, a, info = _render("open")
    assert a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1 and np.isfinite(rgb).all()
    assert info["ss"] >= 2
    frac = (a > 0) & (a < 1)
    assert frac.sum() > 50  # antialiased silhouette
    assert (a == 1).sum() > 5 * frac.sum() / 2  # solid interior, no holes to speak of
    levels = np.unique(np.round(a[frac] * info["ss"] ** 2, 4))
    assert np.allclose(levels, np.round(levels))  # coverage counts of ss x ss samples
    assert ((rgb.sum(2) > 0) == (a > 0)).all()
    _, a_fist, _ = _render("fist")
    _, a_palm_side, _ = _render("open", facing=1.0)
    assert a_fist.sum() < 0.8 * a.sum()
    assert abs(a_palm_side.sum() - a.sum()) < 0.1 * a.sum()  # the same silhouette from the other side


@needs_assets
def test_crease_coordinates_follow_the_finger_joints():
    for side in ("left", "right"):
        hm = H.model(side)
        V = hm.n_hand
        for fg, joints in (("index", (1, 2, 3)), ("ring", (1, 2, 3)), ("thumb", (1, 2))):
            for k in joints:
                p = hm.rest[hm.jidx[H._CHAIN[fg][k]]][:3, 3]
                near = np.linalg.norm(hm.positions[:V] - p, axis=1) < 0.012
                assert near.any() and abs(np.median(hm.crease_u[:V][near]) - k) < 0.25, (side, fg, k)
        nails = hm.nail[:V] > 0.8
        assert np.median(hm.crease_dors[:V][nails]) > 0.6  # nails are on the extension side
        assert hm.tex_sign * hm.tex[hm.jidx_vertex_near("thumb-tip"), 0] > 0


def _finger_profile(cd, foot, seed=0):
    """crease_map along a straight finger (u 0.7 .. 3.6, 30 mm per unit) on one side."""
    hm = H.model("left")
    u = np.linspace(0.7, 3.6, 3000)
    attr = np.zeros((len(u), 6))
    attr[:, 0], attr[:, 1], attr[:, 2], attr[:, 4] = u, 0.03, cd, 1.0
    c = H.crease_params(np.random.default_rng(seed))
    return u, H.crease_map(hm, c, attr, np.zeros((len(u), 2)), np.full(len(u), foot))


@needs_assets
def test_palmar_creases_lie_at_the_joints_dorsal_wrinkles_are_subtler():
    for seed in range(4):
        u, m = _finger_profile(-1.0, 2e-4, seed)
        for k in (2, 3):  # PIP, DIP: sharp dark lines within a few mm of the joint, none mid-phalanx
            at = np.abs(u - k) < 0.1
            assert m[at].max() > 0.35 and (m[at] > 0.2).sum() < at.sum() / 2, (seed, k)
        assert m[np.abs(u - 2.5) < 0.25].max() < 0.02 and m[np.abs(u - 3.5) < 0.05].max() < 0.02
        base = np.abs(u - 1.5) < 0.15  # the finger's base crease, level with the webs
        assert m[base].max() > 0.3
        _, md = _finger_profile(1.0, 2e-4, seed)
        assert 0.03 < md[np.abs(u - 2) < 0.3].max() < m[np.abs(u - 2) < 0.1].max()
        assert md[np.abs(u - 2.5) < 0.1].max() < 0.02
        # at training scale (1.5 mm pixels) the lines are prefiltered: fainter, about as much in all
        _, ms = _finger_profile(-1.0, 1.5e-3, seed)
        at = np.abs(u - 2) < 0.3
        assert ms[at].max() < 0.8 * m[at].max()
        assert 0.5 < ms[at].sum() / m[at].sum() < 1.6


@needs_assets
def test_creases_darken_the_palm_side_in_lines_and_vanish_when_disabled():
    rgb0, a0, _ = _render("open", facing=1.0, S=192, length_px=170)
    c = H.crease_params(np.random.default_rng(3))
    rgb1, a1, _ = _render("open", facing=1.0, S=192, length_px=170, creases=c)
    rgb2, a2, _ = _render("open", facing=1.0, S=192, length_px=170, creases=H.crease_params(np.random.default_rng(3)))
    assert (rgb1 == rgb2).all()  # deterministic for a given rng
    np.testing.assert_array_equal(a0, a1)
    assert (rgb1 <= rgb0 + 1e-6).all()
    d = (rgb0 - rgb1).sum(2)
    hand = a0 == 1
    lines = d > 0.05
    assert 0.01 * hand.sum() < lines.sum() < 0.15 * hand.sum()  # lines, not a tint
    # darker and redder: red drops least
    drop = (rgb0 - rgb1)[lines]
    assert (drop[:, 0] < drop[:, 1]).mean() > 0.9
    # strength 0: the crease code runs and changes nothing
    rgb3, _, _ = _render("open", facing=1.0, S=192, length_px=170,
                         creases=H.crease_params(np.random.default_rng(3), strength=0.0))
    np.testing.assert_array_equal(rgb3, rgb0)
    # the back of the hand gets fewer, subtler marks than the palm
    rgbb0, _, _ = _render("open", facing=-1.0, S=192, length_px=170)
    rgbb1, _, _ = _render("open", facing=-1.0, S=192, length_px=170, creases=c)
    db = (rgbb0 - rgbb1).sum(2)
    assert 0 < (db > 0.05).sum() < lines.sum()


def test_rasterizer_z_buffer_and_exact_coverage():
    # a rectangle of two triangles (shared edge: no gap, no double count) over a nearer triangle's
    # far copy: the nearer one wins where they overlap
    xy = np.array([[10.3, 10.7], [30.6, 10.7], [30.6, 25.2], [10.3, 25.2],
                   [15.0, 5.0], [40.0, 5.0], [15.0, 30.0]])
    z = np.array([2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0])
    rect = np.array([[0, 1, 2], [0, 2, 3]])
    for ss in (2, 4):
        pix, tri, bary = H.rasterize(xy, z, rect, 0, 0, 48, 48, ss)
        cov = np.bincount(pix, minlength=(48 * ss) ** 2).reshape(48 * ss, 48 * ss)
        assert cov.max() == 1 and np.allclose(bary.sum(1), 1)
        area = 20.3 * 14.5
        assert abs(cov.sum() / ss ** 2 - area) < 0.02 * area
        pix2, tri2, _ = H.rasterize(xy, z, np.vstack([rect, [[4, 5, 6]]]), 0, 0, 48, 48, ss)
        near = set(pix2[tri2 == 2])
        far = set(pix2[tri2 < 2])
        assert near and not (near & far) and len(set(pix2)) == len(pix2)
        # the near triangle covers part of the rectangle: those samples belong to it alone
        assert len(far) < cov.sum()


@needs_assets
def test_occ_hand3d_through_the_sampler(bank):
    from training.synth import Synthesizer
    from training.synth.sampler import DEFAULT_WEIGHTS
    assert "hand3d" not in Synthesizer(bank, 96).types  # not in the default mix
    syn = Synthesizer(bank, 96, {"weights": {"hand3d": 0.5}, "hand3d": {"own_p": 1.0}})
    assert "hand3d" in syn.types and set(DEFAULT_WEIGHTS) <= set(syn.types)
    covered = 0
    for k in range(4):
        s = syn.sample(k % bank.n, np.random.default_rng([5, k]), "hand3d", return_layers=True)
        assert s["type"] == "hand3d"
        a = s["layers"][0][1]
        assert 0 <= a.min() and a.max() <= 1 and (s["alpha"] <= s["face"] + 1e-6).all()
        covered += ((a > 0.5) & (s["face"] > 0.5)).sum()
    assert covered > 0


@pytest.mark.parametrize("p", [0.0, 0.35, 0.8, 1.0])
def test_lens_of_opacity_p_leaves_alpha_times_1_minus_p(bank, p):
    from training.synth import Synthesizer
    lens = {"opacity": [p, p], "p_mirror": 0.0, "p_band": 0.0, "p_gradient": 0.0}
    ref = Synthesizer(bank, 128, {"lens": dict(lens, opacity=[0.5, 0.5])})
    syn = Synthesizer(bank, 128, {"lens": lens})
    checked = 0
    for k in range(6):
        s = syn.sample(k, np.random.default_rng([9, k]), "glasses", return_layers=True)
        r = ref.sample(k, np.random.default_rng([9, k]), "glasses", return_layers=True)
        a, a_ref = s["layers"][0][1], r["layers"][0][1]
        # The sampler redraws an occluder that covers under 1 % of the face, and clear lenses
        # (p = 0) leave only the rims: then the two samples have other glasses. Compare only
        # samples with the same frame (the pixels the rims cover with p = 0.5 are covered here).
        if not (a[a_ref > 0.5 + 1e-3] > 0).all():
            continue
        checked += 1
        lens_px = np.abs(a_ref - 0.5) < 1e-6  # the lens interior (away from rims), same geometry
        inside = lens_px & (s["face"] > 0.99)
        assert inside.sum() > 20
        np.testing.assert_allclose(a[lens_px], p, atol=1e-6)
        np.testing.assert_allclose(s["alpha"][inside], s["face"][inside] * (1 - p), atol=1e-6)
        # the image is the lens colour over the face in the same proportion
        rgb = s["layers"][0][0]
        np.testing.assert_allclose(s["frame"][inside], rgb[inside] * p + s["base"][inside] * (1 - p), atol=1e-5)
    assert checked >= 2, f"only {checked} of 6 samples drew the same glasses at both opacities"


def test_mirrored_lenses_reflect_and_hide_the_eyes(bank):
    from training.synth import Synthesizer
    syn = Synthesizer(bank, 128, {"lens": {"opacity": [0.9, 1.0], "p_mirror": 1.0, "p_band": 0.0,
                                           "p_gradient": 0.0}})
    s = syn.sample(0, np.random.default_rng(3), "glasses", return_layers=True)
    rgb, a = s["layers"][0]
    lens_px = (a >= 0.9 - 1e-6) & (a < 1) & (s["face"] > 0.99)
    assert lens_px.sum() > 20
    assert rgb[lens_px].std(0).mean() > 0.01  # a reflection texture, not a flat tint
    assert (s["alpha"][lens_px] <= 0.1 + 1e-6).all()
