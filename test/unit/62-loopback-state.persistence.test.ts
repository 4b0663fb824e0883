import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mergedOptionsLine, modprobeEntries, parseOptions, persistenceState } from '../../src/setup/loopback-state.js';

describe('loopback-state: modprobe.d persistence and conflicts', () => {
  let root: string;
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const ours = { videoNr: 10, label: 'FaceMat Camera', exclusiveCaps: true };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'facemat-persist-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reports nothing on a clean system', () => {
    assert.deepEqual(persistenceState(root), { ours: null, loadsAtBoot: false, otherLoaders: [], conflicts: [] });
  });

  it('reads our own files back', () => {
    file('etc/modprobe.d/facemat-v4l2loopback.conf', '# ours\noptions v4l2loopback devices=1 video_nr=12 card_label="FaceMat Camera" exclusive_caps=1\n');
    file('etc/modules-load.d/facemat-v4l2loopback.conf', 'v4l2loopback\n');
    const state = persistenceState(root);
    assert.equal(state.ours, 'devices=1 video_nr=12 card_label="FaceMat Camera" exclusive_caps=1');
    assert.equal(state.loadsAtBoot, true);
    assert.deepEqual(state.conflicts, []);
  });

  it("finds another program's options line (an OBS guide's), a blacklist and an install override", () => {
    file('etc/modprobe.d/v4l2loopback.conf', 'options v4l2loopback devices=1 video_nr=2 card_label="OBS Cam" exclusive_caps=1\n');
    file('usr/lib/modprobe.d/blacklist-cams.conf', '# vendor\nblacklist v4l2loopback\n');
    file('etc/modprobe.d/other.conf', 'options snd_hda_intel power_save=1\ninstall v4l2loopback /bin/true\n');
    file('etc/modules-load.d/obs.conf', '# comment\nv4l2loopback\n');
    const state = persistenceState(root);
    assert.deepEqual(
      state.conflicts.map((c) => [c.file, c.kind]),
      [
        ['/usr/lib/modprobe.d/blacklist-cams.conf', 'blacklist'],
        ['/etc/modprobe.d/other.conf', 'install'],
        ['/etc/modprobe.d/v4l2loopback.conf', 'options'],
      ],
    );
    assert.deepEqual(state.otherLoaders, ['/etc/modules-load.d/obs.conf']);
  });

  it('lets a file in /etc hide the same name in /usr/lib (as modprobe does), and joins continued lines', () => {
    file('usr/lib/modprobe.d/v4l2loopback.conf', 'options v4l2loopback exclusive_caps=0\n');
    file('etc/modprobe.d/v4l2loopback.conf', '# emptied by the admin\n');
    file('lib/modprobe.d/cams.conf', 'options v4l2loopback \\\n  video_nr=3 \\\n  card_label="Cam"   # trailing\n');
    const entries = modprobeEntries(root);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].file, '/lib/modprobe.d/cams.conf');
    assert.equal(parseOptions(entries[0].options).get('video_nr'), '3');
  });

  it('ignores files that are not *.conf', () => {
    file('etc/modprobe.d/v4l2loopback.conf.dpkg-old', 'options v4l2loopback exclusive_caps=0\n');
    assert.deepEqual(modprobeEntries(root), []);
  });

  it('suggests one line that gives the other program its device and ours next to it', () => {
    assert.equal(
      mergedOptionsLine('devices=1 video_nr=2 card_label="OBS Virtual Camera" exclusive_caps=1', ours),
      'options v4l2loopback devices=2 video_nr=2,10 card_label="OBS Virtual Camera,FaceMat Camera" exclusive_caps=1,1',
    );
    assert.equal(
      mergedOptionsLine("exclusive_caps=1 card_label='OBS Cam'", ours),
      'options v4l2loopback devices=2 video_nr=-1,10 card_label="OBS Cam,FaceMat Camera" exclusive_caps=1,1',
    );
    // several devices or options we do not know: no guess
    assert.equal(mergedOptionsLine('devices=2 card_label="A,B"', ours), null);
    assert.equal(mergedOptionsLine('max_buffers=2 exclusive_caps=1', ours), null);
  });
});
