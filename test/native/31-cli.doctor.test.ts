import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_NO_NATIVE, EXIT_NO_VIRTUAL_CAMERA, diagnose, formatReport, runDoctor } from '../../src/cli/commands/doctor.js';
import { NativeLoadError } from '../../src/native/loader.js';
import { captureIo, runCli } from './cli-run.js';
import { addWebcam, kernel, testAddon } from './test-addon.js';

describe('facemat doctor', () => {
  let root: string;

  /** A fake / with the sysfs and procfs files doctor reads. */
  function system(options: { modules?: boolean; loopback?: { exclusiveCaps: string; videoNr: string; version?: string } }): void {
    if (options.modules !== false) {
      mkdirSync(join(root, 'proc'), { recursive: true });
      writeFileSync(join(root, 'proc/modules'), '');
    }
    if (options.loopback) {
      const dir = join(root, 'sys/module/v4l2loopback');
      mkdirSync(join(dir, 'parameters'), { recursive: true });
      writeFileSync(join(dir, 'parameters/exclusive_caps'), options.loopback.exclusiveCaps + '\n');
      writeFileSync(join(dir, 'parameters/video_nr'), options.loopback.videoNr + '\n');
      if (options.loopback.version) writeFileSync(join(dir, 'version'), options.loopback.version + '\n');
    }
  }

  beforeEach(() => {
    kernel().reset();
    root = mkdtempSync(join(tmpdir(), 'facemat-doctor-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('tells the truth about this machine, with a documented exit status', () => {
    const { code, stdout } = runCli('doctor');
    const loaded = existsSync('/sys/module/v4l2loopback');
    assert.ok(code === 0 || code === EXIT_NO_VIRTUAL_CAMERA, `exit ${code}`);
    assert.match(stdout, /^ok {4}native addon: loaded/m);
    if (!loaded) {
      assert.equal(code, EXIT_NO_VIRTUAL_CAMERA);
      assert.match(stdout, /^FAIL {2}v4l2loopback: module not loaded/m);
      assert.match(stdout, /sudo modprobe v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1/);
      assert.match(stdout, /exit status 3: virtual camera not usable/);
    }
  });

  it('passes with a loaded module and a "FaceMat Camera" node with exclusive_caps', () => {
    system({ loopback: { exclusiveCaps: 'Y,N,N,N,N,N,N,N', videoNr: '10,-1,-1,-1,-1,-1,-1,-1', version: '0.12.7' } });
    addWebcam('/dev/video0');
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    const report = diagnose({ root, native: testAddon });
    assert.equal(report.exitCode, 0);
    assert.equal(report.virtualCamera, '/dev/video10');
    const text = formatReport(report).join('\n');
    assert.match(text, /^ok {4}webcams: \/dev\/video0 \(HD Webcam\)$/m);
    assert.match(text, /^ok {4}v4l2loopback: module loaded \(version 0\.12\.7\)$/m);
    assert.match(text, /^ok {4}virtual camera: \/dev\/video10 \(exclusive_caps=1\)$/m);
    assert.match(text, /ffplay \/dev\/video10/);
    assert.deepEqual(report.fix, []);
  });

  it('warns when exclusive_caps is off for the node it would use', () => {
    system({ loopback: { exclusiveCaps: 'N,Y', videoNr: '10,11' } });
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera', exclusiveCaps: false });
    const report = diagnose({ root, native: testAddon });
    assert.equal(report.exitCode, 0);
    const check = report.checks.find((c) => c.title === 'virtual camera')!;
    assert.equal(check.status, 'warn');
    assert.match(check.message, /exclusive_caps is off: Chrome\/WebRTC and Zoom may not list it/);
  });

  it('never takes OBS\'s node and prints how to add one next to it', () => {
    system({ loopback: { exclusiveCaps: 'Y', videoNr: '-1' } });
    kernel().addLoopback({ path: '/dev/video2', card: 'OBS Virtual Camera' });
    const report = diagnose({ root, native: testAddon });
    assert.equal(report.exitCode, EXIT_NO_VIRTUAL_CAMERA);
    assert.equal(report.virtualCamera, null);
    assert.match(report.checks.find((c) => c.title === 'loopback devices')!.message, /\/dev\/video2 "OBS Virtual Camera" \(OBS's, never used\)/);
    assert.match(report.fix[0], /card_label="OBS Virtual Camera,FaceMat Camera"/);
    assert.ok(report.fix.includes('sudo v4l2loopback-ctl add --exclusive-caps=1 --name="FaceMat Camera" /dev/video10'));
  });

  it('prints the modprobe, v4l2loopback-ctl and persistence lines when the module is missing', async () => {
    system({});
    const io = captureIo();
    assert.equal(await runDoctor([], io, { root, native: testAddon }), EXIT_NO_VIRTUAL_CAMERA);
    const text = io.out();
    assert.match(text, /^FAIL {2}v4l2loopback: module not loaded$/m);
    assert.match(text, /^warn {2}webcams: none found/m);
    for (const line of [
      'sudo modprobe v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1',
      'sudo v4l2loopback-ctl add --exclusive-caps=1 --name="FaceMat Camera" /dev/video10',
      `echo 'options v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1' | sudo tee /etc/modprobe.d/facemat-v4l2loopback.conf`,
      'echo v4l2loopback | sudo tee /etc/modules-load.d/facemat-v4l2loopback.conf',
    ]) {
      assert.ok(text.includes(`  ${line}\n`), line);
    }
  });

  it('says when the kernel cannot load modules at all', () => {
    system({ modules: false });
    const report = diagnose({ root, native: testAddon });
    assert.match(report.checks.find((c) => c.title === 'v4l2loopback')!.message, /this kernel cannot load modules/);
  });

  it('exits 4 when the native addon cannot load, still checking the module', () => {
    system({ loopback: { exclusiveCaps: 'Y', videoNr: '10' } });
    const report = diagnose({
      root,
      native: () => {
        throw new NativeLoadError('facemat native addon is not built: run `npm run build:native`');
      },
    });
    assert.equal(report.exitCode, EXIT_NO_NATIVE);
    assert.equal(report.checks[0].status, 'fail');
    assert.match(report.checks[0].message, /npm run build:native/);
    assert.equal(report.checks.find((c) => c.title === 'v4l2loopback')!.status, 'ok');
    assert.match(formatReport(report).at(-1)!, /exit status 4: native addon unusable/);
  });
});
