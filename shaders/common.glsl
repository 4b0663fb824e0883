// Shared by every fragment shader: frame geometry and clamped texel access.
//
// Coordinates are frame pixels with the origin at the first row of the frame as uploaded (image
// top), which is also the first row readPixels returns, so nothing is ever flipped.
precision highp float;

uniform vec2 u_size;   // frame width, height in pixels
uniform vec4 u_clamp;  // work rect as pixel centres: x0 + 0.5, y0 + 0.5, x1 - 0.5, y1 - 0.5
uniform float u_scale; // frame height / 720: sizes in filter settings are given at 720p
uniform sampler2D u_alpha; // matte-upsample output: r alpha, g uncertainty

// The texel at pixel position p (pixel centres at .5). p is clamped to the work rect, the only
// part of the frame that the earlier passes of this frame have written.
vec4 texel(sampler2D s, vec2 p) {
  return texture2D(s, clamp(p, u_clamp.xy, u_clamp.zw) / u_size);
}

float luma(vec3 c) {
  return dot(c, vec3(0.299, 0.587, 0.114));
}

// A 3x3 neighbourhood in four fetches: with a bilinear input, a tap on a pixel corner (integer
// coordinates) returns the average of the four pixels around it. Taps at p +- h on both axes
// (choose h so they land on corners) give the average colour (a 3x3 tent filter for h = 0.5), and
// `gradient` is set to the luma change per pixel along x and y.
vec3 corners(sampler2D s, vec2 p, float h, out vec2 gradient) {
  vec3 tl = texel(s, p + vec2(-h, -h)).rgb;
  vec3 tr = texel(s, p + vec2(h, -h)).rgb;
  vec3 bl = texel(s, p + vec2(-h, h)).rgb;
  vec3 br = texel(s, p + vec2(h, h)).rgb;
  float ltl = luma(tl);
  float ltr = luma(tr);
  float lbl = luma(bl);
  float lbr = luma(br);
  gradient = vec2(ltr + lbr - ltl - lbl, lbl + lbr - ltl - ltr) / (4.0 * h);
  return 0.25 * (tl + tr + bl + br);
}
