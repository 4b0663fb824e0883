"""The deployed-pipeline evaluation: the face-crop policy (as src/pipeline/matte/face-crop.ts) and
the two passes at frame resolution."""
import numpy as np
import torch

from training.evaluate_deployed import CropPolicy, deployed_mattes, face_crop, summarise


def _matte(box, size=256):
    a = np.zeros((size, size), np.float32)
    x0, y0, x1, y1 = box
    a[y0:y1, x0:x1] = 1.0
    return a


def test_face_crop_pads_the_face_box_and_keeps_it_inside_the_frame():
    # Face box 40x50 matte pixels at (100, 80) in a 256 matte over a 512 frame: 80x100 frame px.
    crop = face_crop(_matte((100, 80, 140, 130)), 512)
    side = 100 * (1 + 2 * 0.35)
    assert crop == (round(240 - side / 2), round(210 - side / 2), round(side))
    # Near the corner the crop slides inside the frame instead of padding with black.
    x, y, s = face_crop(_matte((0, 0, 20, 20)), 512)
    assert (x, y) == (0, 0) and s == round(0.25 * 512)  # and a tiny face gets the minimum side


def test_face_crop_keeps_the_whole_frame_for_large_or_missing_faces():
    assert face_crop(_matte((40, 40, 216, 216)), 512) is None   # crop would cover >= 75 %
    assert face_crop(np.zeros((256, 256), np.float32), 512) is None
    assert face_crop(_matte((10, 10, 12, 12)), 512) is None     # under min_coverage: no face
    assert face_crop(_matte((10, 10, 12, 12)), 512, CropPolicy(min_coverage=0.0)) is not None


class RedIsFace(torch.nn.Module):
    """alpha = smooth step of the red channel: a stand-in model whose matte is easy to predict."""

    def forward(self, x):
        a = torch.sigmoid(20 * x[:, :1])
        return a, torch.zeros_like(a)


def test_the_crop_pass_sharpens_a_small_face_and_leaves_nothing_outside_the_crop():
    frame = torch.zeros(1, 3, 512, 512, dtype=torch.uint8)
    frame[:, 0, 200:261, 230:277] = 255  # a 47x61 "face", odd edges that the 256 pass blurs
    truth = frame[0, 0].numpy() > 0
    out = deployed_mattes(RedIsFace(), frame, 256)
    cx, cy, side = out["crops"][0]
    assert cx <= 230 and cy <= 200 and cx + side >= 277 and cy + side >= 261
    crop = out["crop"][0]
    assert crop[:cy].max() == 0 and crop[:, :cx].max() == 0 and crop[cy + side:].max() == 0
    err = lambda m: np.abs(m - truth).sum()
    assert err(crop) < err(out["full"][0]), (err(crop), err(out["full"][0]))


def test_summarise_groups_by_type_and_face_size():
    m = lambda v: {"iou": v, "sad": 1.0, "mse": 0.1}
    rows = [("clean", 0.8, False, {"full": m(0.9), "crop": m(0.9)}),
            ("hand", 0.2, True, {"full": m(0.5), "crop": m(0.7)}),
            ("hand", 0.6, False, {"full": m(0.8), "crop": m(0.8)})]
    g = summarise(rows, ["clean", "hand"])["groups"]
    assert g["hand"]["full"]["iou"] == 0.65 and g["hand"]["crop"]["iou"] == 0.75 and g["hand"]["cropped"] == 0.5
    assert g["occluded (all types)"]["full"]["n"] == 2
    assert g["occluded, face 0.00-0.25 of frame"]["crop"]["iou"] == 0.7
    assert g["clean, face 0.45-1.00 of frame"]["full"]["n"] == 1
    assert "clean, face 0.00-0.25 of frame" not in g
