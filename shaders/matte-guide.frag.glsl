// Matte upsampling, pass 1 of 3, at matte resolution: each matte texel with the frame's colour at
// its centre (rgb) and its alpha (a), so the bilateral pass fetches one texel per sample.
#include "common.glsl"

uniform sampler2D u_frame;
uniform sampler2D u_matte;  // alpha, float, nearest
uniform vec2 u_matteSize;
uniform vec4 u_roi;         // x, y, width, height in frame pixels: where the matte lies

void main() {
  vec2 k = gl_FragCoord.xy;  // texel centre in matte texels
  vec3 colour = texel(u_frame, u_roi.xy + k / u_matteSize * u_roi.zw).rgb;
  gl_FragColor = vec4(colour, texture2D(u_matte, k / u_matteSize).r);
}
