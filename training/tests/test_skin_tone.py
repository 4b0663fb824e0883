"""Skin tone (synth/skin_tone.py): the person's labelled skin, and only it, moves to the drawn
tone; a composite's own-skin hand follows the recoloured face; realocc's --tone scores on it."""
import numpy as np
from conftest import faces

from training.synth import Synthesizer
from training.synth.skin_tone import LUMA, SKIN_CLASSES, draw_gains, recolour, skin_weight, to_linear, to_srgb, tone_face


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
            got = float(to_srgb(np.float32(_lum(out[skin]))))
            assert abs(got - target) < 0.06, (got, target)
            # far from the skin labels (eyes, hair, background) nothing changes
            other = ndimage.binary_erosion(~np.isin(lab, SKIN_CLASSES), iterations=6)
            assert np.abs(out[other].astype(int) - img[other].astype(int)).max() <= 1
            # the info the occluders read follows: the own-skin patch and the mean skin colour
            gain = float(gains @ LUMA)  # the luminance gain, since the tilt keeps luminance
            assert abs(_lum(oinfo["skin_patch"]) / _lum(info["skin_patch"]) - gain) < 0.1 * gain + 0.01
            assert np.allclose(oinfo["skin_mean"], out[lab == 1].reshape(-1, 3).mean(0) / 255, atol=1e-3)


def test_darker_targets_are_redder():
    g = draw_gains(np.random.default_rng(1), np.array([0.8, 0.6, 0.5]), (0.15, 0.15))
    assert g[0] > g[1] > g[2]
    light = draw_gains(np.random.default_rng(1), np.array([0.8, 0.6, 0.5]), (0.7, 0.7))
    assert np.allclose(light / light[0], 1, atol=1e-6)


def test_sampler_tones_the_face_and_its_own_hand(bank):
    """Two toned mixes that differ only in the target draw the same composites (same random
    draws), so the face and a hand in its own skin must differ by the tone alone."""
    from functools import partial
    from training.synth.hands import occ_hand
    base = {"p_aligned": 1.0, "p_new_bg": 0.0}
    light = Synthesizer(bank, 128, {**base, "tone": {"p": 1.0, "lum": [0.7, 0.7]}})
    dark = Synthesizer(bank, 128, {**base, "tone": {"p": 1.0, "lum": [0.15, 0.15]}})
    for syn in (light, dark):  # every hand in the face's own skin
        syn.generators["hand"] = partial(occ_hand, own_p=1.0)
    for idx in range(3):
        a = light.sample(idx, np.random.default_rng([5, idx]), "clean", augment=False)
        b = dark.sample(idx, np.random.default_rng([5, idx]), "clean", augment=False)
        face = a["face"] > 0.99
        assert _lum(b["image"][face]) < 0.5 * _lum(a["image"][face])
        np.testing.assert_array_equal(a["alpha"], b["alpha"])  # the target does not move
        a = light.sample(idx, np.random.default_rng([6, idx]), "hand", augment=False)
        b = dark.sample(idx, np.random.default_rng([6, idx]), "hand", augment=False)
        np.testing.assert_array_equal(a["occ"], b["occ"])  # the same hand
        hand = a["occ"] > 0.99
        assert _lum(b["image"][hand]) < 0.5 * _lum(a["image"][hand])


def test_realocc_tone_photos_darkens_skin_only():
    from training.realocc import tone_photos
    imgs, labs, _ = faces(2, 128)
    out = tone_photos(imgs, list(labs), 0.2)
    from scipy import ndimage
    for o, i, lab in zip(out, imgs, labs):
        assert _lum(o[lab == 1]) < 0.7 * _lum(i[lab == 1])
        other = ndimage.binary_erosion(~np.isin(lab, SKIN_CLASSES), iterations=3)
        assert np.abs(o[other].astype(int) - i[other].astype(int)).max() <= 1
