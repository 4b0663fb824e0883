// Full-resolution mattes on the CPU: a low-resolution matte covering a region of the frame,
// upsampled by a fast guided filter guided by the frame's luma (`facemat matte`, render
// --matte-only; the live pipeline upsamples in the compositor's shaders).
#pragma once

#include <cstdint>

#include "resize.h"  // Roi

namespace facemat {

struct GuidedFilter {
  int radius;   // box radius, in low-resolution pixels
  double eps;   // regularisation (> 0)
};

// The same model as GuidedUpsampleTypeScript in src/pipeline/matte/upsample.ts (He & Sun 2015):
// the guide is the roi of the frame resampled to the matte's size (ResizeToTensor's sampling,
// Rec. 601 luma in [0, 1]); alpha = a * luma + b is fitted there with box means of `radius`; the
// means of a and b are upsampled bilinearly (half-pixel centres, edges clamped) and evaluated
// with the full-resolution luma, clamped to [0, 1]. Frame pixels whose centre lies outside the
// roi get 0. The low-resolution fit runs in double precision with float storage, as the
// TypeScript version does. `alpha` is alpha_width x alpha_height; `rgba` width x height; `dst`
// width x height, alpha in [0, 1] or, for uint8_t, 8-bit gray (alpha * 255 rounded). Scratch
// space is per thread and reused.
void GuidedUpsample(const float* alpha, int alpha_width, int alpha_height, const Roi& roi, const uint8_t* rgba,
                    int width, int height, const GuidedFilter& filter, float* dst);
void GuidedUpsample(const float* alpha, int alpha_width, int alpha_height, const Roi& roi, const uint8_t* rgba,
                    int width, int height, const GuidedFilter& filter, uint8_t* dst);

}  // namespace facemat
