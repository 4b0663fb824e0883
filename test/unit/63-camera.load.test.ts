import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/command.js';
import { EXIT_BLOCKED, EXIT_FAILED } from '../../src/cli/commands/camera.js';
import { readLoopbackModule } from '../../src/setup/loopback-state.js';
import { cameraFixture, type CameraFixture } from './6x-camera-fixture.js';

describe('facemat camera load', () => {
  let f: CameraFixture;
  beforeEach(() => (f = cameraFixture()));
  afterEach(() => f.close());

  it('as root, runs modprobe with the FaceMat options at the first free node from 10 and reports the node', async () => {
    f.addNode(0, 'HD Webcam');
    f.addNode(10, 'Some other device');
    const { code, stdout, stderr } = await f.run(['load']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(f.calls(), ['modprobe [v4l2loopback] [devices=1] [video_nr=11] [card_label=FaceMat Camera] [exclusive_caps=1]']);
    assert.match(stdout, /^running: .*\/modprobe v4l2loopback devices=1 video_nr=11 card_label="FaceMat Camera" exclusive_caps=1$/m);
    assert.match(stdout, /^"FaceMat Camera" is \/dev\/video11 \(exclusive_caps=1\)$/m);
    const module = readLoopbackModule(f.root);
    assert.deepEqual(module.exclusiveCaps?.[0], true);
  });

  it('takes --video-nr, --label and --exclusive-caps 0', async () => {
    const { code } = await f.run(['load', '--video-nr', '42', '--label=Studio Cam', '--exclusive-caps', '0']);
    assert.equal(code, 0);
    assert.deepEqual(f.calls(), ['modprobe [v4l2loopback] [devices=1] [video_nr=42] [card_label=Studio Cam] [exclusive_caps=0]']);
  });

  it('not root: goes through sudo in a terminal, pkexec in a desktop session', async () => {
    assert.equal((await f.run(['load'], { uid: 1000 })).code, 0);
    assert.match(f.calls()[0], /^sudo \[.*\/bin\/modprobe\] \[v4l2loopback\]/);
    f.close();
    f = cameraFixture();
    assert.equal((await f.run(['load'], { uid: 1000, env: { DISPLAY: ':0' } })).code, 0);
    assert.match(f.calls()[0], /^pkexec \[.*\/bin\/modprobe\] \[v4l2loopback\]/);
    assert.match(f.calls()[1], /^modprobe /);
  });

  it('--elevate sudo wins over the desktop default; a refused pkexec is exit 1 naming the way out', async () => {
    assert.equal((await f.run(['load', '--dry-run', '--elevate', 'sudo'], { uid: 1000, env: { DISPLAY: ':0' } })).code, 0);
    const refused = await f.run(['load'], { uid: 1000, env: { DISPLAY: ':0', FAKE_ELEVATE_REFUSED: '1' } });
    assert.equal(refused.code, EXIT_FAILED);
    assert.match(refused.stderr, /^facemat camera load: could not become root \(Error executing command as another user: Not authorized\); run it as root: sudo facemat camera load$/m);
  });

  it('without pkexec or sudo, a non-root user is told to run it as root (exit 3)', async () => {
    f.close();
    f = cameraFixture({ tools: ['modprobe'] });
    const { code, stderr } = await f.run(['load'], { uid: 1000 });
    assert.equal(code, EXIT_BLOCKED);
    assert.equal(stderr, 'facemat camera load: this needs root, and neither pkexec nor sudo is installed: run this as root\n');
    assert.deepEqual(f.calls(), []);
  });

  it('--dry-run prints the command and changes nothing', async () => {
    const { code, stdout } = await f.run(['load', '--dry-run'], { uid: 1000 });
    assert.equal(code, 0);
    assert.deepEqual(f.calls(), []);
    assert.match(stdout, /^would run: .*\/bin\/sudo .*\/bin\/modprobe v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1$/m);
    assert.match(stdout, /^would then wait for \/dev\/video10 labelled "FaceMat Camera"$/m);
    assert.equal(readLoopbackModule(f.root).loaded, false);
  });

  it('has nothing to do when a FaceMat Camera node is there', async () => {
    f.loadModule({ exclusiveCaps: 'Y', videoNr: '10' });
    f.addNode(10, 'FaceMat Camera');
    const { code, stdout } = await f.run(['load']);
    assert.equal(code, 0);
    assert.equal(stdout, '"FaceMat Camera" is already there: /dev/video10 (exclusive_caps=1); nothing to do\n');
    assert.deepEqual(f.calls(), []);
  });

  it("stops (exit 3) when the module is loaded without our device, saying modprobe can't add one and what to do", async () => {
    f.loadModule({ exclusiveCaps: 'Y', videoNr: '2' });
    f.addNode(2, 'OBS Virtual Camera');
    const { code, stderr } = await f.run(['load']);
    assert.equal(code, EXIT_BLOCKED);
    const [first, second] = stderr.split('\n');
    assert.match(first, /^facemat camera load: v4l2loopback 0\.12\.7 is already loaded without a "FaceMat Camera" device, and modprobe cannot add one to a loaded module: run `facemat camera load --add` \(v4l2loopback 0\.13\+, v4l2loopback-ctl\), or unload it with `sudo modprobe -r v4l2loopback`/);
    assert.equal(second, '  video nodes now: /dev/video2 "OBS Virtual Camera"');
    assert.deepEqual(f.calls(), []);
  });

  it('--add adds the device with v4l2loopback-ctl on 0.13+, and refuses on older versions', async () => {
    f.loadModule({ version: '0.13.2', exclusiveCaps: 'Y', videoNr: '2' });
    f.addNode(2, 'OBS Virtual Camera');
    const { code, stdout } = await f.run(['load', '--add']);
    assert.equal(code, 0);
    assert.deepEqual(f.calls(), ['v4l2loopback-ctl [add] [--exclusive-caps=1] [--name=FaceMat Camera] [/dev/video10]']);
    assert.match(stdout, /"FaceMat Camera" is \/dev\/video10/);

    f.close();
    f = cameraFixture();
    f.loadModule({ version: '0.12.7', exclusiveCaps: 'Y', videoNr: '2' });
    const old = await f.run(['load', '--add']);
    assert.equal(old.code, EXIT_BLOCKED);
    assert.match(old.stderr, /v4l2loopback 0\.12\.7 is older than 0\.13 and cannot add devices/);
  });

  it('a taken --video-nr is exit 3 naming the free one', async () => {
    f.addNode(10, 'HD Webcam');
    const { code, stderr } = await f.run(['load', '--video-nr', '10']);
    assert.equal(code, EXIT_BLOCKED);
    assert.equal(stderr, 'facemat camera load: /dev/video10 is taken ("HD Webcam"): pick another --video-nr, or leave it out for the first free one (/dev/video11)\n');
  });

  it('a missing module is exit 3 with the package to install', async () => {
    const { code, stderr } = await f.run(['load'], { env: { FAKE_MODPROBE_ERROR: "modprobe: FATAL: Module v4l2loopback not found in directory /lib/modules/6.1.0-57-amd64" } });
    assert.equal(code, EXIT_BLOCKED);
    assert.match(stderr, /the v4l2loopback module is not installed for this kernel \(modprobe: FATAL: Module v4l2loopback not found.*\): sudo apt-get install v4l2loopback-dkms linux-headers-\$\(uname -r\)/);
  });

  it('other modprobe failures are exit 1 with its message; a module that makes no node is exit 1 too', async () => {
    const failed = await f.run(['load'], { env: { FAKE_MODPROBE_ERROR: 'modprobe: ERROR: could not insert v4l2loopback: Operation not permitted' } });
    assert.equal(failed.code, EXIT_FAILED);
    assert.equal(failed.stderr, 'facemat camera load: modprobe failed: modprobe: ERROR: could not insert v4l2loopback: Operation not permitted\n');
    const silent = await f.run(['load'], { env: { FAKE_NO_NODE: '1' } });
    assert.equal(silent.code, EXIT_FAILED);
    assert.match(silent.stderr, /the module loaded, but no video node is labelled "FaceMat Camera" after 0\.3 s/);
  });

  it('a kernel without module support is exit 3', async () => {
    f.close();
    f = cameraFixture();
    const { rmSync } = await import('node:fs');
    rmSync(`${f.root}/proc/modules`);
    const { code, stderr } = await f.run(['load']);
    assert.equal(code, EXIT_BLOCKED);
    assert.match(stderr, /this kernel cannot load modules \(no \/proc\/modules\)/);
  });

  it('bad options are usage errors (exit 2 from main)', async () => {
    await assert.rejects(f.run(['load', '--video-nr', 'ten']), (e: unknown) => e instanceof UsageError && /invalid value "ten" for --video-nr \(accepted: an integer from 0 to 255\)/.test(e.message));
    await assert.rejects(f.run(['load', '--label', 'A,B']), /commas/);
    await assert.rejects(f.run(['load', '--exclusive-caps', 'yes']), /invalid value "yes" for --exclusive-caps \(accepted: 0 or 1\)/);
    await assert.rejects(f.run(['load', '--force']), /unknown option --force \(options: --video-nr/);
    await assert.rejects(f.run(['frobnicate']), /unknown command "frobnicate"/);
    assert.equal((await f.run([])).code, 2);
    const help = await f.run(['load', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: facemat camera load/);
  });
});
