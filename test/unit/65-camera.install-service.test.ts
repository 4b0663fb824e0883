import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_BLOCKED, EXIT_FAILED } from '../../src/cli/commands/camera.js';
import { serviceState } from '../../src/setup/user-service.js';
import { cameraFixture, type CameraFixture } from './6x-camera-fixture.js';

describe('facemat camera install-service / uninstall-service', () => {
  let f: CameraFixture;
  let unit: string;
  let link: string;
  beforeEach(() => {
    f = cameraFixture();
    unit = join(f.configHome, 'systemd/user/facemat-cam.service');
    link = join(f.configHome, 'systemd/user/default.target.wants/facemat-cam.service');
  });
  afterEach(() => f.close());

  it("writes a user unit that runs this facemat's absolute run command, and enables it with systemctl --user enable --now", async () => {
    const { code, stdout } = await f.run(['install-service']);
    assert.equal(code, 0, stdout);
    const text = readFileSync(unit, 'utf8');
    assert.match(text, new RegExp(`^ExecStart=/usr/bin/node ${f.main} run --source v4l2:auto --sink v4l2:auto$`, 'm'));
    for (const line of ['Restart=on-failure', 'RestartSec=5', 'RestartPreventExitStatus=2', 'WantedBy=default.target', 'Type=simple']) {
      assert.match(text, new RegExp(`^${line}$`, 'm'), line);
    }
    assert.deepEqual(f.calls(), [
      'systemctl [--user] [show-environment]',
      'systemctl [--user] [daemon-reload]',
      'systemctl [--user] [enable] [--now] [facemat-cam.service]',
    ]);
    assert.match(stdout, /^enabled and started: it starts at every login; logs: journalctl --user -u facemat-cam\.service$/m);
  });

  it('passes the run options after --, quoted for systemd', async () => {
    const { code } = await f.run(['install-service', '--no-start', '--', '--source', 'v4l2:/dev/video0', '--sink', 'v4l2:auto', '--preset', 'Cartoon', '--metrics', '/tmp/my metrics 100%.json']);
    assert.equal(code, 0);
    assert.match(readFileSync(unit, 'utf8'), /^ExecStart=.* run --source v4l2:\/dev\/video0 --sink v4l2:auto --preset Cartoon --metrics "\/tmp\/my metrics 100%%\.json"$/m);
    assert.equal(f.calls().at(-1), 'systemctl [--user] [enable] [facemat-cam.service]');
  });

  it('with no user systemd reachable, enables by the link systemctl would make and says how to start it', async () => {
    const { code, stdout } = await f.run(['install-service'], { env: { FAKE_NO_USER_SYSTEMD: '1' } });
    assert.equal(code, 0);
    assert.equal(readlinkSync(link), '../facemat-cam.service');
    assert.deepEqual(f.calls(), ['systemctl [--user] [show-environment]']);
    assert.match(stdout, /no user systemd is reachable from here \(no session bus\), so it starts at your next login/);
    assert.match(stdout, /systemctl --user daemon-reload && systemctl --user start facemat-cam\.service/);
    assert.deepEqual(serviceState(f.env), { installed: true, ours: true, enabled: true, execStart: `/usr/bin/node ${f.main} run --source v4l2:auto --sink v4l2:auto` });
  });

  it('--no-enable only writes the file; --dry-run writes nothing', async () => {
    const dry = await f.run(['install-service', '--dry-run']);
    assert.equal(dry.code, 0);
    assert.equal(existsSync(unit), false);
    assert.match(dry.stdout, /^would write .*facemat-cam\.service:$/m);
    assert.match(dry.stdout, /^ {2}ExecStart=\/usr\/bin\/node .* run --source v4l2:auto --sink v4l2:auto$/m);
    assert.match(dry.stdout, /^would run: systemctl --user enable --now facemat-cam\.service$/m);
    assert.deepEqual(f.calls(), []);
    const only = await f.run(['install-service', '--no-enable']);
    assert.equal(only.code, 0);
    assert.ok(existsSync(unit));
    assert.equal(existsSync(link), false);
    assert.deepEqual(f.calls(), []);
    assert.equal(serviceState(f.env).enabled, false);
  });

  it('exit 3 when facemat is not built, or a unit of that name is not ours; a failing systemctl is exit 1; bad run options are usage errors', async () => {
    rmSync(f.main);
    const unbuilt = await f.run(['install-service']);
    assert.equal(unbuilt.code, EXIT_BLOCKED);
    assert.match(unbuilt.stderr, /^facemat camera install-service: facemat is not built \(.*main\.js is missing\), and the service runs the built CLI: run `npm run build` first$/m);
    writeFileSync(f.main, '');

    mkdirSync(join(f.configHome, 'systemd/user'), { recursive: true });
    writeFileSync(unit, '[Service]\nExecStart=/usr/bin/something-else\n');
    const foreign = await f.run(['install-service']);
    assert.equal(foreign.code, EXIT_BLOCKED);
    assert.match(foreign.stderr, /exists and was not written by facemat: move it away first/);
    rmSync(unit);

    writeFileSync(join(f.bin, 'systemctl'), '#!/bin/sh\n[ "$2" = show-environment ] && exit 0\necho "Failed to enable unit: Unit file facemat-cam.service does not exist." >&2\nexit 1\n');
    const failing = await f.run(['install-service']);
    assert.equal(failing.code, EXIT_FAILED);
    assert.match(failing.stderr, /systemctl --user failed: Failed to enable unit: Unit file facemat-cam\.service does not exist\.; the file is written/);

    await assert.rejects(f.run(['install-service', '--', '--sink', 'nowhere']), /the service's run options: .*--sink/);

    const sudo = await f.run(['install-service'], { env: { SUDO_USER: 'alice' } });
    assert.equal(sudo.code, EXIT_BLOCKED);
    assert.match(sudo.stderr, /^facemat camera install-service: run this as alice, without sudo: a user service belongs to the user who logs in/);
  });

  it('uninstall-service disables, removes the unit and the link, and is a no-op when not installed', async () => {
    assert.equal((await f.run(['install-service'], { env: { FAKE_NO_USER_SYSTEMD: '1' } })).code, 0);
    const { code, stdout } = await f.run(['uninstall-service']);
    assert.equal(code, 0);
    assert.equal(existsSync(unit), false);
    assert.throws(() => lstatSync(link));
    assert.ok(f.calls().includes('systemctl [--user] [disable] [--now] [facemat-cam.service]'));
    assert.match(stdout, /^removed .*facemat-cam\.service$/m);
    const again = await f.run(['uninstall-service']);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, 'facemat-cam.service is not installed; nothing to do\n');
  });
});
