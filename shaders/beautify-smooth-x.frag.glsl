// Beautify, pass 1 of 3, at half resolution: the horizontal half of a separable bilateral filter.
// The range weight keeps strong colour edges (eye lids, brows, lip line) while skin texture and
// blemishes average out. Reading the bilinear input at the corner between four pixels gives
// their 2x2 average, the half-resolution sample, in one fetch.
#include "common.glsl"

uniform sampler2D u_input;  // frame size, bilinear
uniform float u_radius;     // frame pixels

const float SIGMA_RANGE = 0.07;

vec3 at(vec2 framePos) {
  return texture2D(u_input, clamp(framePos, u_clamp.xy, u_clamp.zw) / u_size).rgb;
}

void main() {
  vec2 p = gl_FragCoord.xy * 2.0;
  vec3 centre = at(p);
  vec3 sum = centre;
  float wSum = 1.0;
  float stride = u_radius / 4.0;
  for (int i = 1; i <= 4; i++) {
    float t = float(i);
    float ws = exp(-t * t / 8.0); // spatial Gaussian, sigma = half the radius
    vec3 a = at(p + vec2(t * stride, 0.0));
    vec3 b = at(p - vec2(t * stride, 0.0));
    vec3 da = a - centre;
    vec3 db = b - centre;
    float wa = ws * exp(-dot(da, da) / (2.0 * SIGMA_RANGE * SIGMA_RANGE));
    float wb = ws * exp(-dot(db, db) / (2.0 * SIGMA_RANGE * SIGMA_RANGE));
    sum += a * wa + b * wb;
    wSum += wa + wb;
  }
  gl_FragColor = vec4(sum / wSum, 1.0);
}
