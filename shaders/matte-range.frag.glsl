// Matte upsampling, pass 2 of 3, at matte resolution: the lowest and highest alpha of the 4x4
// matte texels that the bilateral pass reads for a pixel whose sample grid cell starts at this
// texel (texels k-1 .. k+2, clamped to the matte like the bilateral pass), and the uncertainty at k.
// Where min == max the matte is flat (all face, or no face) and the upsampling pass skips the
// bilateral filter, which then only runs along the matte's edges.
precision highp float;

uniform sampler2D u_guide;       // pass 1 output: alpha in a
uniform sampler2D u_uncertainty; // float, nearest; read only when u_hasUncertainty is 1
uniform float u_hasUncertainty;
uniform vec2 u_matteSize;

void main() {
  vec2 k = floor(gl_FragCoord.xy);
  float lo = 1.0;
  float hi = 0.0;
  for (int j = -1; j <= 2; j++) {
    for (int i = -1; i <= 2; i++) {
      vec2 q = clamp(k + vec2(float(i), float(j)), vec2(0.0), u_matteSize - 1.0);
      float a = texture2D(u_guide, (q + 0.5) / u_matteSize).a;
      lo = min(lo, a);
      hi = max(hi, a);
    }
  }
  float u = u_hasUncertainty > 0.5 ? texture2D(u_uncertainty, (k + 0.5) / u_matteSize).r : 0.0;
  gl_FragColor = vec4(lo, hi, clamp(u, 0.0, 1.0), 1.0);
}
