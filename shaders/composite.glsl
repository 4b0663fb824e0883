// The end of every filter's output pass: gl_FragColor = finish(p, colour).
//
// Each output shader is compiled twice (ProgramLibrary.output). Plain, the filter's colour is
// the pass's output. With COMPOSITE defined, used for the last filter of the chain, the colour is
// blended into the frame through the matte right here,
//   out = filtered * alpha + frame * (1 - alpha),
// which saves a separate full-frame pass. Needs common.glsl first.
#ifdef COMPOSITE
uniform sampler2D u_frame;  // the picture under the filters (the input frame)
uniform vec4 u_face;        // x0, y0, x1, y1 in pixels; alpha is 0 outside

vec4 finish(vec2 p, vec4 filtered) {
  vec4 original = texture2D(u_frame, p / u_size);
  bool inFace = p.x >= u_face.x && p.y >= u_face.y && p.x < u_face.z && p.y < u_face.w;
  float a = inFace ? texture2D(u_alpha, p / u_size).r : 0.0;
  // alpha 0 returns the frame's texel itself: occluders stay bit-exact; alpha 1 returns the
  // filter's colour without the rounding of mix().
  if (a <= 0.0) {
    return original;
  }
  return vec4(a >= 1.0 ? filtered.rgb : mix(original.rgb, filtered.rgb, a), original.a);
}
#else
vec4 finish(vec2 p, vec4 filtered) {
  return filtered;
}
#endif
