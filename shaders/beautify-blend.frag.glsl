// Beautify, pass 3 of 3, at frame resolution: the smoothed skin (bilinear from half size) blended
// into the input by strength, except where the feature mask says eye, brow or lip.
#include "common.glsl"
#include "composite.glsl"

uniform sampler2D u_input;  // frame size, nearest
uniform sampler2D u_half;   // pass 2 output: rgb smoothed, a feature; half size, bilinear
uniform vec2 u_halfSize;
uniform vec4 u_halfClamp;
uniform float u_strength;

void main() {
  vec2 p = gl_FragCoord.xy;
  vec4 original = texel(u_input, p);
  vec4 smoothed = texture2D(u_half, clamp(p * 0.5, u_halfClamp.xy, u_halfClamp.zw) / u_halfSize);
  gl_FragColor = finish(p, vec4(mix(original.rgb, smoothed.rgb, u_strength * (1.0 - smoothed.a)), original.a));
}
