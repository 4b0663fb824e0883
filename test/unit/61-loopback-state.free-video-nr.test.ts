import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exclusiveCapsOf, freeVideoNr, labelledNode, readLoopbackModule, supportsCtlAdd, videoNodes } from '../../src/setup/loopback-state.js';

describe('loopback-state: video nodes and the free video_nr', () => {
  let root: string;
  const dev = (nr: number) => {
    mkdirSync(join(root, 'dev'), { recursive: true });
    writeFileSync(join(root, 'dev', `video${nr}`), '');
  };
  const sys = (nr: number, name: string) => {
    mkdirSync(join(root, 'sys/class/video4linux', `video${nr}`), { recursive: true });
    writeFileSync(join(root, 'sys/class/video4linux', `video${nr}`, 'name'), name + '\n');
  };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'facemat-nodes-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('takes 10 on a machine with no video nodes at all', () => {
    assert.deepEqual(videoNodes(root), []);
    assert.equal(freeVideoNr(root), 10);
  });

  it('skips numbers used in /dev or in sysfs (a node udev has not made yet), not numbers below 10', () => {
    dev(0);
    dev(1);
    dev(10);
    sys(11, 'Dummy video device (0x0000)');
    dev(13);
    assert.equal(freeVideoNr(root), 12);
    assert.equal(freeVideoNr(root, 0), 2);
    assert.deepEqual(
      videoNodes(root).map((n) => [n.nr, n.name]),
      [[0, null], [1, null], [10, null], [11, 'Dummy video device (0x0000)'], [13, null]],
    );
  });

  it('ignores names that are not videoN (media0, v4l/by-id, video10.bak)', () => {
    mkdirSync(join(root, 'dev/v4l/by-id'), { recursive: true });
    writeFileSync(join(root, 'dev/media0'), '');
    writeFileSync(join(root, 'dev/video10.bak'), '');
    assert.equal(freeVideoNr(root), 10);
  });

  it('finds the node by its card name in sysfs', () => {
    dev(2);
    sys(2, 'OBS Virtual Camera');
    dev(10);
    sys(10, 'FaceMat Camera');
    assert.deepEqual(labelledNode(root, 'FaceMat Camera'), { nr: 10, path: '/dev/video10', name: 'FaceMat Camera' });
    assert.equal(labelledNode(root, 'Studio Cam'), null);
  });

  it('reads the module parameters and maps exclusive_caps to a node through video_nr', () => {
    assert.equal(readLoopbackModule(root).loaded, false);
    const m = join(root, 'sys/module/v4l2loopback');
    mkdirSync(join(m, 'parameters'), { recursive: true });
    writeFileSync(join(m, 'version'), '0.13.2\n');
    writeFileSync(join(m, 'parameters/exclusive_caps'), 'N,Y,N\n');
    writeFileSync(join(m, 'parameters/video_nr'), '2,10,-1\n');
    const module = readLoopbackModule(root);
    assert.equal(module.loaded, true);
    assert.equal(module.version, '0.13.2');
    assert.deepEqual(module.exclusiveCaps, [false, true, false]);
    assert.deepEqual(module.videoNr, [2, 10, -1]);
    assert.equal(module.cardLabel, null, 'v4l2loopback does not expose card_label (mode 0000)');
    assert.equal(exclusiveCapsOf(module, 10), true);
    assert.equal(exclusiveCapsOf(module, 2), false);
    assert.equal(exclusiveCapsOf(module, 11), null);
  });

  it('knows which versions have v4l2loopback-ctl add', () => {
    assert.equal(supportsCtlAdd('0.12.7'), false);
    assert.equal(supportsCtlAdd('0.13.0'), true);
    assert.equal(supportsCtlAdd('1.0'), true);
    assert.equal(supportsCtlAdd(null), null);
  });
});
