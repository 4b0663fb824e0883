/**
 * Child process of 10-x-display.acquire.test.ts (not a test itself): opens a compositor, which
 * picks the X display, composites one frame to prove the context works, prints one JSON line,
 * then waits. On a line "exit" on stdin it closes and lets the event loop end (the normal exit
 * path); the test may also kill it.
 */
import { XDisplay } from '../../src/pipeline/composite/display.js';
import { GlCompositor } from '../../src/pipeline/composite/gl-compositor.js';
import { frameOf, only, uniformMatte } from './fixtures.js';

const compositor = new GlCompositor();
try {
  await compositor.open({ width: 32, height: 24, fps: 30 });
} catch (err) {
  console.log(JSON.stringify({ error: (err as Error).name, message: (err as Error).message }));
  process.exit(3);
}
const display = await XDisplay.acquire();
const input = new Uint8Array(32 * 24 * 4).map((_, i) => (i * 37) & 255);
const out = compositor.composite(frameOf(input.slice(), 32, 24), uniformMatte(1, { x: 0, y: 0, width: 32, height: 24 }), only('sketch')).rgba;
const rendered = out.some((v, i) => v !== input[i]);
console.log(JSON.stringify({ display: display.name, xvfbPid: display.xvfbPid, env: process.env.DISPLAY, rendered }));
process.stdin.setEncoding('utf8');
process.stdin.on('data', async (line: string) => {
  if (line.trim() !== 'exit') return;
  process.stdin.destroy();
  await compositor.close();
});
