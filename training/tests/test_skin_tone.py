"""Skin tone (synth/skin_tone.py): the person's labelled skin, and only it, moves to the drawn
tone; a composite's own-skin hand follows the recoloured face; realocc's --tone scores on it."""
import numpy as np
from conftest import faces

from training.synth.skin_tone import LUMA, SKIN_CLASSES, draw_gains, recolour, skin_weight, to_linear, tone_face


def _lum(rgb_u8):
    return float(to_linear(rgb_u8.reshape(-1, 3).astype(np.float32) / 255).mean(0) @ LUMA)


def test_gains_of_one_change_nothing():
    imgs, labs, _ = faces(2, 128)
    out = recolour(imgs[0], skin_weight(labs[0]), np.ones(3, np.float32))
    assert np.abs(out.astype(int) - imgs[0].astype(int)).max() <= 1


def test_skin_reaches_the_target_tone_and_nothing_else_moves():
    from scipy import ndimage
    from training.synth.faces import face_info
    imgs, labs, _ = faces(3, 256)
    for img, lab in zip(imgs, labs):
        info = face_info(img, lab)
        for target in (0.18, 0.7):
            gains = draw_gains(np.random.default_rng(0), info["skin_mean"], (target, target))
            out, oinfo = tone_face(img, lab, info, gains)
            skin = ndimage.binary_erosion(lab == 1, iterations=3)
            # the mean skin colour lands on the target luminance (sRGB of the linear mean)
            got = float(np.where(_lum(out[skin]) <= 0.0031308, 12.92 * _lum(out[skin]),
                                 1.055 * _lum(out[skin]) ** (1 / 2.4) - 0.055))
            assert abs(got - target) < 0.06, (got, target)
            # far from the skin labels (eyes, hair, background) nothing changes
            other = ndimage.binary_erosion(~np.isin(lab, SKIN_CLASSES), iterations=6)
            assert np.abs(out[other].astype(int) - img[other].astype(int)).max() <= 1
            # the info the occluders read follows: the own-skin patch and the mean skin colour
            assert abs(_lum(oinfo["skin_patch"]) / _lum(info["skin_patch"]) - float(gains @ LUMA)) < 0.1 * float(gains @ LUMA) + 0.01
            assert np.allclose(oinfo["skin_mean"], out[lab == 1].reshape(-1, 3).mean(0) / 255, atol=1e-3)


def test_darker_targets_are_redder():
    g = draw_gains(np.random.default_rng(1), np.array([0.8, 0.6, 0.5]), (0.15, 0.15))
    assert g[0] > g[1] > g[2]
    light = draw_gains(np.random.default_rng(1), np.array([0.8, 0.6, 0.5]), (0.7, 0.7))
    assert np.allclose(light / light[0], 1, atol=1e-6)


def test_sampler_tones_the_face_and_its_own_hand(bank):
    from training.synth import Synthesizer
    from functools import partial
    from training.synth.hands import occ_hand
    base = {"p_aligned": 1.0, "p_new_bg": 0.0}
    plain = Synthesizer(bank, 128, base)
    dark = Synthesizer(bank, 128, {**base, "tone": {"p": 1.0, "lum": [0.15, 0.15]}})
    for syn in (plain, dark):  # every hand in the face's own skin
        syn.generators["hand"] = partial(occ_hand, own_p=1.0)
    for idx in range(3):
        a = plain.sample(idx, np.random.default_rng([5, idx]), "clean", augment=False)
        b = dark.sample(idx, np.random.default_rng([5, idx]), "clean", augment=False)
        face = a["face"] > 0.99
        assert _lum(b["image"][face]) < 0.6 * _lum(a["image"][face])
        np.testing.assert_array_equal(a["alpha"], b["alpha"])  # the target does not move
    # an own-skin hand: the hand pixels (occluder alpha ~1) are darker with the toned face too
    sums = []
    for syn in (plain, dark):
        s = syn.sample(0, np.random.default_rng([6, 0]), "hand", augment=False)
        sums.append(_lum(s["image"][s["occ"] > 0.99]))
    assert sums[1] < 0.8 * sums[0], sums


def test_realocc_tone_photos_darkens_skin_only():
    from training.realocc import tone_photos
    imgs, labs, _ = faces(2, 128)
    out = tone_photos(imgs, list(labs), 0.2)
    from scipy import ndimage
    for o, i, lab in zip(out, imgs, labs):
        assert _lum(o[lab == 1]) < 0.7 * _lum(i[lab == 1])
        other = ndimage.binary_erosion(~np.isin(lab, SKIN_CLASSES), iterations=3)
        assert np.abs(o[other].astype(int) - i[other].astype(int)).max() <= 1
