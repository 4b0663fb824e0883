// Anonymize (blur mode), pass 2: a 5x5 Gaussian over the block texels, clamped to the blocks that
// pass 1 wrote this frame.
precision highp float;

uniform sampler2D u_blocks;
uniform vec2 u_blocksSize;  // the block texture's size in texels
uniform vec4 u_blockClamp;  // written block texels as centres: x0 + 0.5, y0 + 0.5, x1 - 0.5, y1 - 0.5

void main() {
  vec3 sum = vec3(0.0);
  float wSum = 0.0;
  for (int j = -2; j <= 2; j++) {
    for (int i = -2; i <= 2; i++) {
      vec2 d = vec2(float(i), float(j));
      float w = exp(-dot(d, d) / 4.5);
      vec2 q = clamp(gl_FragCoord.xy + d, u_blockClamp.xy, u_blockClamp.zw);
      sum += texture2D(u_blocks, q / u_blocksSize).rgb * w;
      wSum += w;
    }
  }
  gl_FragColor = vec4(sum / wSum, 1.0);
}
