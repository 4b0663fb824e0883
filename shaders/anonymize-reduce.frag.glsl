// Anonymize, pass 1: one texel per block of u_block x u_block frame pixels, the average colour of
// the block's face pixels (weighted by alpha), so a hand's colour does not leak into the face's
// blocks. Blocks without face pixels take the plain average.
#include "common.glsl"

uniform sampler2D u_input;
uniform float u_block;

void main() {
  vec2 origin = floor(gl_FragCoord.xy) * u_block;
  vec3 weighted = vec3(0.0);
  vec3 plain = vec3(0.0);
  float aSum = 0.0;
  for (int j = 0; j < 8; j++) {
    for (int i = 0; i < 8; i++) {
      vec2 q = origin + (vec2(float(i), float(j)) + 0.5) * (u_block / 8.0);
      vec3 c = texel(u_input, q).rgb;
      float a = texel(u_alpha, q).r;
      weighted += c * a;
      plain += c;
      aSum += a;
    }
  }
  gl_FragColor = vec4(aSum > 0.01 ? weighted / aSum : plain / 64.0, 1.0);
}
