// Full-screen quad. Passes restrict where they draw with the viewport, and fragment shaders work
// in pixel coordinates from gl_FragCoord, so no texture coordinates are needed.
attribute vec2 a_position;

void main() {
  gl_Position = vec4(a_position, 0.0, 1.0);
}
