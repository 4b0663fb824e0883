// Recolor: a soft-light tint, or a 3D LUT from a .cube file stored as a 2D atlas (the blue
// slices side by side, red along x and green along y within a slice), mixed in by `amount`.
#include "common.glsl"
#include "composite.glsl"

uniform sampler2D u_input;
uniform sampler2D u_lut;   // atlas, (n * n) x n, bilinear
uniform float u_lutSize;   // n, or 0 for the tint
uniform vec3 u_domainMin;  // the LUT's input range (DOMAIN_MIN, DOMAIN_MAX)
uniform vec3 u_domainMax;
uniform vec3 u_tint;
uniform float u_amount;

// Soft light in its smooth "pegtop" form: lifts or lowers mid-tones towards the tint and leaves
// black and white alone.
vec3 softLight(vec3 base, vec3 blend) {
  return (1.0 - 2.0 * blend) * base * base + 2.0 * blend * base;
}

vec3 lookup(vec3 colour) {
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

void main() {
  vec2 p = gl_FragCoord.xy;
  vec4 c = texel(u_input, p);
  vec3 target = u_lutSize > 0.5 ? lookup(c.rgb) : softLight(c.rgb, u_tint);
  gl_FragColor = finish(p, vec4(mix(c.rgb, target, u_amount), c.a));
}
