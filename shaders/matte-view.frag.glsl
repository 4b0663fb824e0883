// Matte debug views over the whole frame, one variant each: the alpha matte in grey (default),
// the uncertainty as a heat map over the dimmed frame (VIEW_UNCERTAINTY), before (left half) and
// after (right half) with a divider (VIEW_SPLIT).
#include "common.glsl"

uniform sampler2D u_frame;
uniform sampler2D u_output;      // the composited frame
uniform float u_hasMatte;
uniform float u_hasUncertainty;
uniform vec4 u_face;             // the roi clipped to the frame: where the matte lies

// Black, violet, red, orange, yellow, white.
vec3 heat(float t) {
  return clamp(vec3(1.8 * t, 2.2 * t - 0.9, 0.7 * sin(3.14159 * t) + max(0.0, 4.0 * t - 3.0)), 0.0, 1.0);
}

void main() {
  vec2 p = gl_FragCoord.xy;
  vec2 uv = p / u_size;
#if defined(VIEW_SPLIT)
  float middle = floor(u_size.x * 0.5);
  vec3 c = p.x < middle ? texture2D(u_frame, uv).rgb : texture2D(u_output, uv).rgb;
  float divider = max(1.0, floor(u_scale * 2.0 + 0.5));
  gl_FragColor = vec4(abs(p.x - middle) < divider ? vec3(1.0) : c, 1.0);
#else
  bool inFace = u_hasMatte > 0.5 && p.x >= u_face.x && p.y >= u_face.y && p.x < u_face.z && p.y < u_face.w;
  vec2 matte = inFace ? texture2D(u_alpha, uv).rg : vec2(0.0);
#if defined(VIEW_UNCERTAINTY)
  vec3 dimmed = vec3(luma(texture2D(u_frame, uv).rgb) * 0.4);
  bool known = inFace && u_hasUncertainty > 0.5;
  gl_FragColor = vec4(known ? mix(dimmed, heat(matte.g), 0.8) : dimmed, 1.0);
#else
  gl_FragColor = vec4(vec3(matte.r), 1.0);
#endif
#endif
}
