import assert from 'node:assert/strict';
import { EXIT_NO_NATIVE, diagnose, setupChecks } from '../../src/cli/commands/doctor.js';
import { NativeLoadError } from '../../src/native/loader.js';
import { cameraFixture, type CameraFixture } from './6x-camera-fixture.js';

describe('facemat doctor: persistence and login service checks', () => {
  let f: CameraFixture;
  beforeEach(() => (f = cameraFixture()));
  afterEach(() => f.close());
  const checks = () => setupChecks({ root: f.root, env: f.env }).map((c) => `${c.status} ${c.title}: ${c.message}`);

  it('warns, with the command that fixes it, when neither is set up', () => {
    assert.deepEqual(checks(), [
      'warn at boot: the virtual camera is gone after a reboot: facemat camera persist',
      'warn login service: not installed: to start the camera at login, facemat camera install-service',
    ]);
  });

  it('is ok after facemat camera persist and install-service', async () => {
    assert.equal((await f.run(['persist'])).code, 0);
    assert.equal((await f.run(['install-service'], { env: { FAKE_NO_USER_SYSTEMD: '1' } })).code, 0);
    assert.deepEqual(checks(), [
      'ok at boot: /etc/modprobe.d/facemat-v4l2loopback.conf: options v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1',
      'ok login service: facemat-cam.service installed and enabled',
    ]);
  });

  it('warns about a conflicting options line and a service that is installed but not enabled', async () => {
    assert.equal((await f.run(['persist'])).code, 0);
    f.write('etc/modprobe.d/obs.conf', 'options v4l2loopback exclusive_caps=0\n');
    assert.equal((await f.run(['install-service', '--no-enable'])).code, 0);
    const lines = checks();
    assert.match(lines[1], /^warn at boot: other v4l2loopback configuration, which modprobe merges with ours: \/etc\/modprobe\.d\/obs\.conf \(options v4l2loopback exclusive_caps=0\)/);
    assert.match(lines[2], /^warn login service: .*facemat-cam\.service is installed but not enabled: systemctl --user enable --now facemat-cam\.service$/);
  });

  it('are warnings only: they never change the exit status', () => {
    const report = diagnose({
      root: f.root,
      env: f.env,
      native: () => {
        throw new NativeLoadError('facemat native addon is not built: run `npm run build:native`');
      },
    });
    assert.equal(report.exitCode, EXIT_NO_NATIVE);
    assert.deepEqual(
      report.checks.slice(-2).map((c) => [c.status, c.title]),
      [
        ['warn', 'at boot'],
        ['warn', 'login service'],
      ],
    );
  });
});
