import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_BLOCKED } from '../../src/cli/commands/camera.js';
import { cameraFixture, type CameraFixture } from './6x-camera-fixture.js';

const MODPROBE_CONF = 'etc/modprobe.d/facemat-v4l2loopback.conf';
const MODULES_LOAD_CONF = 'etc/modules-load.d/facemat-v4l2loopback.conf';
const OPTIONS = 'options v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1';

describe('facemat camera persist / unpersist', () => {
  let f: CameraFixture;
  beforeEach(() => (f = cameraFixture()));
  afterEach(() => f.close());

  it('writes the modprobe.d options and the modules-load.d line under --root', async () => {
    const { code, stdout } = await f.run(['persist', '--root', f.root], { env: { FACEMAT_ROOT: '' } });
    assert.equal(code, 0);
    assert.match(f.read(MODPROBE_CONF), new RegExp(`^${OPTIONS.replace(/[()]/g, '\\$&')}$`, 'm'));
    assert.deepEqual(f.read(MODULES_LOAD_CONF).split('\n').filter((l) => l && !l.startsWith('#')), ['v4l2loopback']);
    assert.equal(statSync(join(f.root, MODPROBE_CONF)).mode & 0o777, 0o644);
    assert.match(stdout, new RegExp(`^wrote ${join(f.root, MODPROBE_CONF)}$`, 'm'));
    assert.match(stdout, /"FaceMat Camera" will be \/dev\/video10 from the next boot on; to have it now: facemat camera load$/m);
    assert.deepEqual(f.calls(), []);
  });

  it("keeps the loaded node's number, and is idempotent", async () => {
    f.loadModule({ exclusiveCaps: 'Y', videoNr: '14' });
    f.addNode(14, 'FaceMat Camera');
    assert.equal((await f.run(['persist'])).code, 0);
    assert.match(f.read(MODPROBE_CONF), /video_nr=14 /);
    const again = await f.run(['persist']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^already persisted: .* has "options v4l2loopback devices=1 video_nr=14 card_label="FaceMat Camera" exclusive_caps=1"; nothing to do$/m);
  });

  it('not root: writes both files in one elevated install call', async () => {
    const { code, stdout } = await f.run(['persist'], { uid: 1000 });
    assert.equal(code, 0, stdout);
    const calls = f.calls();
    assert.match(calls[0], /^sudo \[.*\/bin\/sh\] \[-c\] \[.*install -D -m 0644 "\$1" "\$2" && .*install -D -m 0644 "\$3" "\$4"\] \[sh\]/);
    assert.ok(calls[0].includes(`[${join(f.root, MODPROBE_CONF)}]`));
    assert.match(f.read(MODPROBE_CONF), /^options v4l2loopback devices=1 video_nr=10/m);
    assert.ok(existsSync(join(f.root, MODULES_LOAD_CONF)));
  });

  it('--dry-run prints both files and writes nothing', async () => {
    const { code, stdout } = await f.run(['persist', '--dry-run', '--video-nr', '20', '--exclusive-caps', '0']);
    assert.equal(code, 0);
    assert.ok(stdout.startsWith(`would write ${join(f.root, MODPROBE_CONF)}:\n`));
    assert.match(stdout, /^ {2}options v4l2loopback devices=1 video_nr=20 card_label="FaceMat Camera" exclusive_caps=0$/m);
    assert.match(stdout, new RegExp(`^would write ${join(f.root, MODULES_LOAD_CONF)}:\\n(  #.*\\n)*  v4l2loopback$`, 'm'));
    assert.equal(existsSync(join(f.root, 'etc')), false);
  });

  it("stops on another program's options line (exit 3), prints the merged line, and --force writes anyway", async () => {
    f.write('etc/modprobe.d/v4l2loopback.conf', 'options v4l2loopback devices=1 video_nr=2 card_label="OBS Virtual Camera" exclusive_caps=1\n');
    const { code, stderr } = await f.run(['persist']);
    assert.equal(code, EXIT_BLOCKED);
    const lines = stderr.trimEnd().split('\n');
    assert.match(lines[0], /^facemat camera persist: another file already configures v4l2loopback \(\/etc\/modprobe\.d\/v4l2loopback\.conf\); modprobe merges every options line and the later file wins each option, so ours and theirs would fight: fix that file, or write ours anyway with --force$/);
    assert.equal(lines[1], '  /etc/modprobe.d/v4l2loopback.conf: options v4l2loopback devices=1 video_nr=2 card_label="OBS Virtual Camera" exclusive_caps=1');
    assert.equal(lines.at(-1), '    options v4l2loopback devices=2 video_nr=2,10 card_label="OBS Virtual Camera,FaceMat Camera" exclusive_caps=1,1');
    assert.equal(existsSync(join(f.root, MODPROBE_CONF)), false);

    const forced = await f.run(['persist', '--force']);
    assert.equal(forced.code, 0);
    assert.match(forced.stderr, /^facemat camera persist: warning: --force: writing ours next to \/etc\/modprobe\.d\/v4l2loopback\.conf$/m);
    assert.ok(existsSync(join(f.root, MODPROBE_CONF)));
  });

  it('names a blacklist line as the thing to remove', async () => {
    f.write('etc/modprobe.d/no-loopback.conf', 'blacklist v4l2loopback\n');
    const { code, stderr } = await f.run(['persist']);
    assert.equal(code, EXIT_BLOCKED);
    assert.match(stderr, /a blacklist line keeps systemd-modules-load from loading v4l2loopback at boot: remove it/);
  });

  it('unpersist removes only our two files', async () => {
    f.write('etc/modules-load.d/obs.conf', 'v4l2loopback\n');
    assert.equal((await f.run(['persist'])).code, 0);
    const dry = await f.run(['unpersist', '--dry-run']);
    assert.match(dry.stdout, new RegExp(`^would remove ${join(f.root, MODPROBE_CONF)}$`, 'm'));
    assert.ok(existsSync(join(f.root, MODPROBE_CONF)));
    const { code, stdout } = await f.run(['unpersist'], { uid: 1000 });
    assert.equal(code, 0);
    assert.match(f.calls().at(-1)!, /^rm \[-f\] \[.*facemat-v4l2loopback\.conf\] \[.*facemat-v4l2loopback\.conf\]$/);
    assert.equal(existsSync(join(f.root, MODPROBE_CONF)), false);
    assert.equal(existsSync(join(f.root, MODULES_LOAD_CONF)), false);
    assert.ok(existsSync(join(f.root, 'etc/modules-load.d/obs.conf')));
    assert.match(stdout, /the module stays loaded until the next boot/);
    const again = await f.run(['unpersist']);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, 'not persisted (neither file is there); nothing to do\n');
  });

  it('status shows the module, the node, the files and conflicts; exit 3 without our node', async () => {
    f.write('etc/modprobe.d/v4l2loopback.conf', 'options v4l2loopback exclusive_caps=0\n');
    const before = await f.run(['status']);
    assert.equal(before.code, EXIT_BLOCKED);
    assert.match(before.stdout, /^module: +v4l2loopback not loaded \(facemat camera load\)$/m);
    assert.match(before.stdout, /^conflict: +\/etc\/modprobe\.d\/v4l2loopback\.conf: options v4l2loopback exclusive_caps=0$/m);
    assert.match(before.stdout, /^login service: +not installed \(facemat camera install-service\)$/m);
    assert.equal((await f.run(['load'])).code, 0);
    const after = await f.run(['status']);
    assert.equal(after.code, 0);
    assert.match(after.stdout, /^module: +v4l2loopback loaded \(version 0\.12\.7\) video_nr=10,-1,-1,-1,-1,-1,-1,-1 exclusive_caps=1,0,0,0,0,0,0,0$/m);
    assert.match(after.stdout, /^camera: +\/dev\/video10 "FaceMat Camera" exclusive_caps=1$/m);
  });
});
