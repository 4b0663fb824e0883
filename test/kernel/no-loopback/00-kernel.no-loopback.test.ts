import assert from 'node:assert/strict';
import { MODPROBE_LINE } from '../../../src/native/loopback-setup.js';
import { describeResult, facemat, modprobe, modprobeRemove, moduleLoaded, requireVm, videoNode, waitFor } from '../helpers.js';

// vivid loaded, v4l2loopback not (test/kernel/no-loopback/vm.env).
describe('facemat without v4l2loopback on a real kernel', () => {
  before(requireVm);

  it('lists the webcam and no virtual camera', async () => {
    assert.equal(moduleLoaded('v4l2loopback'), false, 'v4l2loopback is not loaded in this group');
    const capture = videoNode('vivid-000-vid-cap');
    assert.ok(capture, 'vivid made a capture node');
    const result = await facemat(['devices']);
    assert.equal(result.code, 0, describeResult(result));
    const nodes = result.stdout.split('\n').filter((line) => !line.startsWith('    ')).join('\n');
    assert.ok(nodes.includes(`${capture}  vivid  [vivid, platform:vivid-000]  webcam`), nodes);
    assert.doesNotMatch(nodes, /v4l2 loopback|virtual camera/);
  });

  it('doctor exits non-zero and names the modprobe line that fixes it', async () => {
    const result = await facemat(['doctor']);
    assert.equal(result.code, 3, describeResult(result));
    assert.match(result.stdout, /^FAIL {2}v4l2loopback: module not loaded$/m);
    assert.ok(result.stdout.includes(MODPROBE_LINE), `doctor prints "${MODPROBE_LINE}":\n${result.stdout}`);
  });

  it('doctor is satisfied once that modprobe line is run, and not after modprobe -r', async () => {
    const options = MODPROBE_LINE.replace(/^sudo modprobe v4l2loopback /, '').match(/\S+="[^"]*"|\S+/g) ?? [];
    await modprobe('v4l2loopback', ...options);
    try {
      const node = await waitFor(() => videoNode('FaceMat Camera'), 'the "FaceMat Camera" node to appear');
      assert.equal(node, '/dev/video10');
      const result = await facemat(['doctor']);
      assert.equal(result.code, 0, describeResult(result));
      assert.match(result.stdout, /^ok {4}virtual camera: \/dev\/video10 \(exclusive_caps=1\)$/m);
    } finally {
      await modprobeRemove('v4l2loopback');
    }
    assert.equal(videoNode('FaceMat Camera'), undefined, 'the node is gone after modprobe -r');
  });
});
