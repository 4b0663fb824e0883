// Anonymize, pass 3: back to frame resolution. Pixelate reads its block's texel (nearest); blur
// reads the blurred block texels bilinearly, a smooth heavy blur.
#include "common.glsl"
#include "composite.glsl"

uniform sampler2D u_blocks;
uniform vec2 u_blocksSize;
uniform vec4 u_blockClamp;
uniform float u_block;

void main() {
  vec2 p = gl_FragCoord.xy;
  vec2 q = clamp(p / u_block, u_blockClamp.xy, u_blockClamp.zw);
  gl_FragColor = finish(p, vec4(texture2D(u_blocks, q / u_blocksSize).rgb, 1.0));
}
