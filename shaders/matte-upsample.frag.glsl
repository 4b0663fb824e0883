// Matte upsampling, pass 3 of 3, at frame resolution: joint bilateral upsampling (Kopf et al.
// 2007) guided by the frame. Each pixel averages the 4x4 nearest matte samples, weighted by
// distance in the matte grid and by how alike the frame's colour at the sample is to the pixel's
// own colour, so the matte edge snaps to the colour edge in the frame (a finger's outline)
// instead of a blurry ramp. Output: r = alpha, g = uncertainty.
#include "common.glsl"

uniform sampler2D u_frame;
uniform sampler2D u_guide;  // pass 1: rgb frame colour at each matte texel, a alpha; bilinear
uniform sampler2D u_range;  // pass 2: min, max alpha of the 4x4 samples; uncertainty
uniform vec2 u_matteSize;
uniform vec4 u_roi;         // x, y, width, height in frame pixels: where the matte lies

const float SIGMA_SPACE = 0.9;   // matte texels
const float SIGMA_RANGE = 0.12;  // RGB distance
// Alpha below the noise floor is 0: a blend of under 2 % does not show, and a model's faint
// background noise would otherwise spread the face rect over its whole roi (MATTE_NOISE_FLOOR in
// matte-textures.ts must match). Alpha within half an 8-bit step of 1 is 1. So "shows as 0"
// means "is exactly 0" and an occluded pixel is copied from the frame bit for bit.
const float NOISE_FLOOR = 0.02;
const float SNAP_HIGH = 0.00196;
// Where the 4x4 samples differ by less than this, the matte has no edge to snap to: bilinear.
const float EDGE_SPREAD = 0.1;

void main() {
  vec2 p = gl_FragCoord.xy;
  vec2 r = (p - u_roi.xy) / u_roi.zw;
  if (r.x < 0.0 || r.y < 0.0 || r.x >= 1.0 || r.y >= 1.0) {
    gl_FragColor = vec4(0.0);
    return;
  }
  vec2 m = r * u_matteSize - 0.5;
  vec2 base = floor(m);
  vec3 range = texture2D(u_range, (base + 0.5) / u_matteSize).rgb; // min, max, uncertainty
  // llvmpipe runs both sides of an if; only a loop that every pixel of a block leaves early
  // saves work. So the filter is a loop of 16 samples on the matte's edges and of none (one
  // masked iteration) where the matte is flat or nearly so.
  float samples = range.g - range.r < EDGE_SPREAD ? 0.0 : 16.0;
  vec3 guide = texel(u_frame, p).rgb;
  float wSum = 0.0;
  float aSum = 0.0;
  for (int k = 0; k < 100; k++) {
    if (float(k) >= samples) break;
    vec2 q = base + vec2(mod(float(k), 4.0) - 1.0, floor(float(k) / 4.0) - 1.0);
    vec2 d = m - q;
    float ws = exp(-dot(d, d) * (0.5 / (SIGMA_SPACE * SIGMA_SPACE)));
    // Beyond its edge the matte continues its edge texels: the roi test above cuts it at the
    // roi's border, where a face box that the frame's border clips can still be all face.
    vec4 g = texture2D(u_guide, (clamp(q, vec2(0.0), u_matteSize - 1.0) + 0.5) / u_matteSize);
    vec3 dc = g.rgb - guide;
    // The small constant keeps a pixel unlike all its neighbours from dividing by zero: it
    // falls back to plain spatial weights.
    float w = ws * (exp(-dot(dc, dc) * (0.5 / (SIGMA_RANGE * SIGMA_RANGE))) + 1e-4);
    wSum += w;
    aSum += w * g.a;
  }
  // The guide texture is bilinear: at r it interpolates the alpha of the four nearest texels.
  float alpha = samples > 0.0 ? clamp(aSum / max(wSum, 1e-20), 0.0, 1.0) : texture2D(u_guide, r).a;
  alpha = alpha < NOISE_FLOOR ? 0.0 : (alpha > 1.0 - SNAP_HIGH ? 1.0 : alpha);
  gl_FragColor = vec4(alpha, range.b, 0.0, 1.0);
}
