"""CelebAMat-style on-the-fly synthesis (seeded): faces placed into webcam-like frames, occluders
with their own alpha composited on top, photometric webcam degradations.

  image  = occ_rgb * occ_a + frame * (1 - occ_a)        (per occluder, in order)
  target = face * prod_k (1 - occ_a_k)                   (face = warped clean face mask)

Everything is numpy / PIL / scipy (no OpenCV) so it gives the same semantics on every machine.

  faces.py         FaceBank: the training faces and their geometry, measured once
  placement.py     the face's placement in the frame; Ctx, where occluders go relative to it
  background.py    what is behind the placed face
  skin.py          real-skin colouring for hands, fingers and shapes
  skin_tone.py     the person's skin recoloured to another tone (before placement)
  hands.py         hands and holding fingers
  hand3d.py        3-D hands: a skinned glTF hand posed, lit and rasterised (gltf.py reads it)
  wearables.py     hair, glasses, masks (fitted to the face's landmarks)
  held_objects.py  microphones, phones, cups
  shapes.py        random textured shapes, occluders cut from other photos
  composite.py     the alpha algebra above
  photometric.py   webcam degradations of the finished image
  sampler.py       Synthesizer.sample: one composite from all of the above, and the type mix
"""
from .faces import FaceBank
from .sampler import ALL_TYPES, EVAL_TYPES, EXTRA_OCCLUDERS, OCCLUDERS, Synthesizer

__all__ = ["ALL_TYPES", "EVAL_TYPES", "EXTRA_OCCLUDERS", "OCCLUDERS", "FaceBank", "Synthesizer"]
