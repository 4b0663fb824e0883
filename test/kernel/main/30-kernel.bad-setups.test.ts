import assert from 'node:assert/strict';
import { describeResult, facemat, requireVm, videoNode } from '../helpers.js';

// Wrong sinks on a real kernel: each is one line naming the fix, exit 1, before any frame.
describe('bad virtual camera setups on a real kernel', function () {
  this.timeout(300_000);
  before(requireVm);

  const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /\berror:/.test(l));

  it('a node that does not exist', async () => {
    const result = await facemat(['run', '--source', 'synthetic', '--sink', 'v4l2:/dev/video42', '--control', 'off'], { timeoutMs: 120_000 });
    assert.equal(result.code, 1, describeResult(result));
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, describeResult(result));
    assert.match(lines[0], /cannot use the virtual camera: .*\/dev\/video42.*No such file or directory.*`facemat camera load` makes a virtual camera/);
  });

  it("the camera's own capture node given as the sink", async () => {
    const camera = videoNode('vivid-000-vid-cap')!;
    const result = await facemat(['run', '--source', 'synthetic', '--sink', `v4l2:${camera}`, '--control', 'off'], { timeoutMs: 120_000 });
    assert.equal(result.code, 1, describeResult(result));
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, describeResult(result));
    assert.match(lines[0], new RegExp(`${camera} \\(vivid\\) is not a free video output: it is a camera \\(vivid\\), not a v4l2loopback node; \`facemat devices\` lists`));
  });
});
