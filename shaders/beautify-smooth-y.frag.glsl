// Beautify, pass 2 of 3, at half resolution: the vertical half of the bilateral filter, plus the
// feature mask in alpha: the luma gradient of the input. Eyes, brows, lashes, nostrils and the lip
// line have strong gradients and keep their detail; pores and blemishes have weak ones.
#include "common.glsl"

uniform sampler2D u_input;  // the filter's input, frame size, bilinear
uniform sampler2D u_half;   // pass 1 output, half size, nearest
uniform vec2 u_halfSize;    // the half-size texture's size in texels
uniform vec4 u_halfClamp;   // the half-size texels pass 1 wrote, as centres
uniform float u_radius;     // frame pixels

const float SIGMA_RANGE = 0.07;

vec3 at(vec2 halfPos) {
  return texture2D(u_half, clamp(halfPos, u_halfClamp.xy, u_halfClamp.zw) / u_halfSize).rgb;
}

void main() {
  vec2 h = gl_FragCoord.xy;
  vec3 centre = at(h);
  vec3 sum = centre;
  float wSum = 1.0;
  float stride = u_radius / 8.0; // in half-size texels
  for (int i = 1; i <= 4; i++) {
    float t = float(i);
    float ws = exp(-t * t / 8.0);
    vec3 a = at(h + vec2(0.0, t * stride));
    vec3 b = at(h - vec2(0.0, t * stride));
    vec3 da = a - centre;
    vec3 db = b - centre;
    float wa = ws * exp(-dot(da, da) / (2.0 * SIGMA_RANGE * SIGMA_RANGE));
    float wb = ws * exp(-dot(db, db) / (2.0 * SIGMA_RANGE * SIGMA_RANGE));
    sum += a * wa + b * wb;
    wSum += wa + wb;
  }
  vec2 gradient;
  corners(u_input, h * 2.0, 1.0, gradient); // h * 2 is a pixel corner: taps on corners too
  float feature = smoothstep(0.012, 0.045, length(gradient));
  gl_FragColor = vec4(sum / wSum, feature);
}
