// Toon: cel shading. Luma is quantised into `levels` flat bands (hue and saturation kept, a little
// boosted) and strong luma gradients are drawn as dark ink lines. The input is bilinear here.
#include "common.glsl"
#include "composite.glsl"

uniform sampler2D u_input;
uniform float u_levels;
uniform float u_edges;

void main() {
  vec2 p = gl_FragCoord.xy;
  // The tent average keeps noise from breaking the bands into speckles.
  vec2 gradient;
  vec3 soft = corners(u_input, p, max(1.0, floor(u_scale + 0.5)) - 0.5, gradient);
  float y = luma(soft);
  float band = (floor(y * u_levels) + 0.5) / u_levels;
  vec3 banded = clamp(band + (soft - y) * 1.25, 0.0, 1.0);
  float ink = smoothstep(0.025, 0.08, length(gradient)) * u_edges;
  gl_FragColor = finish(p, vec4(banded * (1.0 - 0.85 * ink), 1.0));
}
