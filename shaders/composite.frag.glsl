// The blend on its own, for a chain whose last enabled filter had nothing to do this frame (its
// settings made it a no-op) while an earlier one did. Compiled with COMPOSITE defined.
#include "common.glsl"
#include "composite.glsl"

uniform sampler2D u_filtered;

void main() {
  vec2 p = gl_FragCoord.xy;
  gl_FragColor = finish(p, texture2D(u_filtered, p / u_size));
}
