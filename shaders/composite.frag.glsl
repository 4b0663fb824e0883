// out = filtered * alpha + frame * (1 - alpha), inside the face rect; the frame elsewhere.
#include "common.glsl"

uniform sampler2D u_frame;
uniform sampler2D u_filtered;
uniform vec4 u_face;        // x0, y0, x1, y1 in pixels; alpha is 0 outside

void main() {
  vec2 p = gl_FragCoord.xy;
  vec4 original = texture2D(u_frame, p / u_size);
  bool inFace = p.x >= u_face.x && p.y >= u_face.y && p.x < u_face.z && p.y < u_face.w;
  float a = inFace ? texture2D(u_alpha, p / u_size).r : 0.0;
  // alpha 0 returns the frame's texel itself: occluders stay bit-exact.
  if (a <= 0.0) {
    gl_FragColor = original;
    return;
  }
  vec4 filtered = texture2D(u_filtered, p / u_size);
  // alpha 1 returns the filter's texel itself, without the rounding of mix().
  gl_FragColor = vec4(a >= 1.0 ? filtered.rgb : mix(original.rgb, filtered.rgb, a), original.a);
}
