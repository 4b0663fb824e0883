import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Background } from '../helpers.js';
import { describeResult, repoRoot, requireVm, run, start, videoNode } from '../helpers.js';

// The trial that found the virtual camera's crash: vivid -> the default preset's filters -> the
// loopback while readers come and go. The crash was a SIGSEGV in Mesa llvmpipe's JIT code, on a
// vpgatherdd (an AVX2 gather, which its texture sampling uses) that qemu 7.2's TCG emulates
// wrongly: it happened with the first composite after a reader appeared. scripts/kernel-vm boots
// the guest CPU without AVX2 for that reason; with FACEMAT_VM_CPU=max this test reproduces it.
describe('the default preset into the virtual camera while readers come and go', function () {
  this.timeout(600_000);
  let app: Background;

  before(requireVm);
  after(async () => {
    await app?.stop('SIGINT', 30_000);
  });

  it('composites with every filter of the default preset and survives probing readers', async () => {
    const camera = videoNode('vivid-000-vid-cap')!;
    app = start(process.execPath, [join(repoRoot, 'dist/src/cli/main.js'), 'run', '--source', `v4l2:${camera}`, '--sink', 'v4l2:/dev/video10', '--size', '640x480', '--matte-lag', '1000', '--control', 'off']);
    await app.waitForOutput(/writing v4l2:\/dev\/video10/, 'facemat to open the virtual camera', 240_000);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 10; i++) await run('v4l2-ctl', ['-d', '/dev/video10', '--all'], { timeoutMs: 30_000 });
      const read = await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'v4l2', '-i', '/dev/video10', '-frames:v', '5', '-f', 'framemd5', '-'], { timeoutMs: 300_000 });
      assert.equal(read.code, 0, `round ${round}: ${describeResult(read)}\nfacemat:\n${app.output().slice(-1500)}`);
      assert.deepEqual([app.child.exitCode, app.child.signalCode], [null, null], `facemat still runs after round ${round}`);
    }
    assert.doesNotMatch(app.output(), /compositing frame \d+ failed/);
  });
});
