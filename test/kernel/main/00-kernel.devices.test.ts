import assert from 'node:assert/strict';
import { describeResult, facemat, requireVm, videoNode } from '../helpers.js';

// vivid and v4l2loopback as test/kernel/main/vm.env loads them (n_devs=1; video_nr=10,
// exclusive_caps=1, card_label="Test Loopback").
describe('facemat devices on a real kernel (vivid + v4l2loopback)', () => {
  before(requireVm);

  it("lists vivid's capture node as a webcam with its formats, and the loopback node as a free virtual camera", async () => {
    const capture = videoNode('vivid-000-vid-cap');
    assert.ok(capture, 'vivid made a capture node');
    const result = await facemat(['devices']);
    assert.equal(result.code, 0, describeResult(result));
    const lines = result.stdout.split('\n');
    // vivid offers ~80 formats: assertion messages show the node lines only
    const nodes = lines.filter((line) => !line.startsWith('    ')).join('\n');
    const at = lines.indexOf(`${capture}  vivid  [vivid, platform:vivid-000]  webcam`);
    assert.ok(at >= 0, `a webcam line for ${capture}:\n${nodes}`);
    assert.match(lines[at + 1], /^ {4}YUYV {2}.*\b640x480 @ [\d., ]*\b25\b.* fps/, 'its first format is YUYV with 640x480 at 25 fps');
    assert.ok(lines.includes('/dev/video10  Test Loopback  [v4l2 loopback, platform:v4l2loopback-000]  virtual camera (free)'), nodes);
  });

  it('says the same in --json, with the caps the kernel reported', async () => {
    const result = await facemat(['devices', '--json']);
    assert.equal(result.code, 0, describeResult(result));
    const devices = JSON.parse(result.stdout) as { path: string; card: string; driver: string; caps: string[] }[];
    const capture = devices.find((d) => d.path === videoNode('vivid-000-vid-cap'));
    assert.ok(capture && capture.driver === 'vivid' && capture.caps.includes('video-capture'), JSON.stringify(capture));
    const loopback = devices.find((d) => d.path === '/dev/video10');
    assert.ok(loopback, 'the loopback node is listed');
    assert.equal(loopback.card, 'Test Loopback');
    assert.equal(loopback.driver, 'v4l2 loopback');
    // exclusive_caps=1 and no writer yet: an output node, not yet a capture node
    assert.ok(loopback.caps.includes('video-output'), loopback.caps.join(' '));
    assert.ok(!loopback.caps.includes('video-capture'), loopback.caps.join(' '));
  });
});
