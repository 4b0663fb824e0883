// Pencil sketch: paper-white tone from the luma, outlines from the luma gradient, and diagonal
// hatching in the darker areas. The hatching is laid in face coordinates (u_roi) so it moves with
// the face instead of staying fixed on the screen. The input is bilinear here.
#include "common.glsl"
#include "composite.glsl"

uniform sampler2D u_input;
uniform float u_intensity;
uniform vec4 u_roi;

void main() {
  vec2 p = gl_FragCoord.xy;
  vec2 gradient;
  float y = luma(corners(u_input, p, max(1.0, floor(u_scale + 0.5)) - 0.5, gradient));
  float outline = smoothstep(0.02, 0.11, length(gradient));
  float tone = mix(1.0, 0.6 + 0.4 * y, 0.7);
  vec2 f = p - u_roi.xy;
  float period = max(3.0, 5.0 * u_scale);
  float stripe = abs(fract((f.x + f.y) / period) - 0.5) * 2.0; // 0 on a line, 1 between
  float hatch = mix(1.0, 0.55 + 0.45 * smoothstep(0.2, 0.6, stripe), smoothstep(0.55, 0.2, y));
  float value = tone * mix(1.0, hatch * (1.0 - 0.8 * outline), u_intensity);
  gl_FragColor = finish(p, vec4(vec3(value) * vec3(0.97, 0.97, 1.0), 1.0));
}
