// Face paint: a pattern or an image laid over the face box (u_roi, the matte's region, so the
// paint moves and scales with the face). The skin's shading is kept under the paint, and the
// compositor puts the occluders back on top through the matte. One variant per pattern
// (PATTERN_STRIPES, PATTERN_DOTS, PATTERN_FLAG, PATTERN_IMAGE defined): llvmpipe would compute
// every branch of a runtime choice.
#include "common.glsl"
#include "composite.glsl"

uniform sampler2D u_input;
uniform float u_opacity;
uniform vec4 u_roi;

#if defined(PATTERN_IMAGE)
uniform sampler2D u_image;  // RGBA, first row at the top of the face box

vec4 paint(vec2 uv) {
  return texture2D(u_image, clamp(uv, 0.0, 1.0));
}
#elif defined(PATTERN_DOTS)
vec4 paint(vec2 uv) {
  vec2 cell = fract(uv * 7.0) - 0.5;
  float on = 1.0 - smoothstep(0.22, 0.26, length(cell));
  return vec4(0.98, 0.96, 0.92, on);
}
#elif defined(PATTERN_FLAG)
vec4 paint(vec2 uv) {
  // Six horizontal colour bands.
  float band = floor(clamp(uv.y, 0.0, 0.999) * 6.0);
  vec3 c = band < 1.0 ? vec3(0.89, 0.01, 0.01)
         : band < 2.0 ? vec3(1.0, 0.55, 0.0)
         : band < 3.0 ? vec3(1.0, 0.93, 0.0)
         : band < 4.0 ? vec3(0.0, 0.5, 0.15)
         : band < 5.0 ? vec3(0.0, 0.3, 1.0)
         : vec3(0.46, 0.03, 0.53);
  return vec4(c, 1.0);
}
#else
vec4 paint(vec2 uv) {
  // Diagonal stripes.
  float s = fract((uv.x * 0.8 + uv.y) * 5.0);
  float on = smoothstep(0.0, 0.04, s) * (1.0 - smoothstep(0.42, 0.46, s));
  return vec4(0.12, 0.36, 0.85, on);
}
#endif

void main() {
  vec2 p = gl_FragCoord.xy;
  vec4 c = texel(u_input, p);
  vec4 colour = paint((p - u_roi.xy) / u_roi.zw);
  float shade = clamp(luma(c.rgb) / 0.55, 0.35, 1.2);
  gl_FragColor = finish(p, vec4(mix(c.rgb, colour.rgb * shade, u_opacity * colour.a), c.a));
}
