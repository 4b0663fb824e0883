// Recolor: a soft-light tint, or (compiled with LUT defined) a 3D LUT from a .cube file stored as
// a 2D atlas (the blue slices side by side, red along x and green along y within a slice), mixed
// in by `amount`. Two variants rather than a branch: llvmpipe would run both sides.
#include "common.glsl"
#include "composite.glsl"

uniform sampler2D u_input;
uniform float u_amount;

#ifdef LUT
uniform sampler2D u_lut;   // atlas, (n * n) x n, bilinear
uniform float u_lutSize;   // n
uniform vec3 u_domainMin;  // the LUT's input range (DOMAIN_MIN, DOMAIN_MAX)
uniform vec3 u_domainMax;

vec3 recolor(vec3 colour) {
  vec3 c = clamp((colour - u_domainMin) / (u_domainMax - u_domainMin), 0.0, 1.0);
  float n = u_lutSize;
  float b = c.b * (n - 1.0);
  float b0 = floor(b);
  float b1 = min(b0 + 1.0, n - 1.0);
  // Bilinear within a slice by the sampler, linear between the two nearest slices here.
  vec2 rg = c.rg * (n - 1.0) + 0.5;
  vec2 atlas = vec2(n * n, n);
  vec3 lo = texture2D(u_lut, vec2(b0 * n + rg.x, rg.y) / atlas).rgb;
  vec3 hi = texture2D(u_lut, vec2(b1 * n + rg.x, rg.y) / atlas).rgb;
  return mix(lo, hi, b - b0);
}
#else
uniform vec3 u_tint;

// Soft light in its smooth "pegtop" form: lifts or lowers mid-tones towards the tint and leaves
// black and white alone.
vec3 recolor(vec3 base) {
  return (1.0 - 2.0 * u_tint) * base * base + 2.0 * u_tint * base;
}
#endif

void main() {
  vec2 p = gl_FragCoord.xy;
  vec4 c = texel(u_input, p);
  gl_FragColor = finish(p, vec4(mix(c.rgb, recolor(c.rgb), u_amount), c.a));
}
