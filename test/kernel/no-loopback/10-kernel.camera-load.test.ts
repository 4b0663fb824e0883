import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODPROBE_CONF, MODULES_LOAD_CONF } from '../../../src/native/loopback-setup.js';
import { describeResult, facemat, modprobeRemove, moduleLoaded, requireVm, run, videoNode, videoNodes, waitFor } from '../helpers.js';

// vivid loaded, v4l2loopback not (test/kernel/no-loopback/vm.env); root, plain modprobe works.
// `facemat camera load` runs the real modprobe here, as it would as root on a user's machine.
describe('facemat camera load / persist on a real kernel', function () {
  this.timeout(180_000);
  const params = '/sys/module/v4l2loopback/parameters';
  let node = '';
  let persistRoot = '';

  before(requireVm);
  before(async () => {
    if (moduleLoaded('v4l2loopback')) await modprobeRemove('v4l2loopback');
  });
  after(async () => {
    if (persistRoot) rmSync(persistRoot, { recursive: true, force: true });
    if (moduleLoaded('v4l2loopback')) await modprobeRemove('v4l2loopback');
  });

  it('--dry-run prints the modprobe line and loads nothing', async () => {
    const result = await facemat(['camera', 'load', '--dry-run']);
    assert.equal(result.code, 0, describeResult(result));
    assert.match(result.stdout, /^would run: \S*modprobe v4l2loopback devices=1 video_nr=\d+ card_label="FaceMat Camera" exclusive_caps=1$/m);
    assert.equal(moduleLoaded('v4l2loopback'), false);
  });

  it('loads v4l2loopback with exclusive_caps=1 and a "FaceMat Camera" node at the first free number from 10', async () => {
    const used = new Set(videoNodes().map((n) => Number(n.path.slice('/dev/video'.length))));
    let expected = 10;
    while (used.has(expected)) expected++;

    const result = await facemat(['camera', 'load']);
    assert.equal(result.code, 0, describeResult(result));
    node = `/dev/video${expected}`;
    assert.match(result.stdout, new RegExp(`^"FaceMat Camera" is ${node} \\(exclusive_caps=1\\)$`, 'm'), result.stdout);

    // what the module was loaded with, as the kernel reports it
    assert.equal(readFileSync(join(params, 'exclusive_caps'), 'utf8').trim().split(',')[0], 'Y');
    assert.equal(readFileSync(join(params, 'video_nr'), 'utf8').trim().split(',')[0], String(expected));
    // card_label is a mode-0000 parameter in v4l2loopback (no sysfs file); where a version exposes
    // it, it must be ours. The label always shows as the node's name.
    if (existsSync(join(params, 'card_label'))) {
      assert.equal(readFileSync(join(params, 'card_label'), 'utf8').trim().split(',')[0], 'FaceMat Camera');
    }
    assert.equal(videoNode('FaceMat Camera'), node);
    assert.ok(existsSync(node), `${node} exists (devtmpfs)`);
  });

  it('facemat devices lists it as a free output node, and doctor passes its virtual camera check', async () => {
    const devices = await facemat(['devices']);
    assert.equal(devices.code, 0, describeResult(devices));
    assert.match(devices.stdout, new RegExp(`^${node}  FaceMat Camera  \\[v4l2 loopback[^\\]]*\\]  virtual camera \\(free\\)$`, 'm'), devices.stdout);

    const doctor = await facemat(['doctor']);
    assert.equal(doctor.code, 0, describeResult(doctor));
    assert.match(doctor.stdout, new RegExp(`^ok {4}virtual camera: ${node} \\(exclusive_caps=1\\)$`, 'm'));
    // not persisted: a warning naming the command, not a failure
    assert.match(doctor.stdout, /^warn {2}at boot: the virtual camera is gone after a reboot: facemat camera persist$/m);
  });

  it('a second load has nothing to do; status exits 0', async () => {
    const again = await facemat(['camera', 'load']);
    assert.equal(again.code, 0, describeResult(again));
    assert.match(again.stdout, new RegExp(`^"FaceMat Camera" is already there: ${node} \\(exclusive_caps=1\\); nothing to do$`, 'm'));
    const status = await facemat(['camera', 'status']);
    assert.equal(status.code, 0, describeResult(status));
    assert.match(status.stdout, new RegExp(`^camera: +${node} "FaceMat Camera" exclusive_caps=1$`, 'm'));
  });

  it("persist --root writes the loaded node's options, and modprobe reading that folder makes the same node", async () => {
    persistRoot = mkdtempSync(join(tmpdir(), 'facemat-persist-'));
    const result = await facemat(['camera', 'persist', '--root', persistRoot]);
    assert.equal(result.code, 0, describeResult(result));
    const nr = node.slice('/dev/video'.length);
    const options = readFileSync(join(persistRoot, MODPROBE_CONF), 'utf8');
    assert.match(options, new RegExp(`^options v4l2loopback devices=1 video_nr=${nr} card_label="FaceMat Camera" exclusive_caps=1$`, 'm'));
    assert.deepEqual(
      readFileSync(join(persistRoot, MODULES_LOAD_CONF), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')),
      ['v4l2loopback'],
    );
    assert.equal(existsSync(join('/', MODPROBE_CONF)), false, 'nothing written to the real /etc');

    // the written options are what modprobe applies: unload, load with only that folder's config
    await modprobeRemove('v4l2loopback');
    const load = await run('modprobe', ['-C', join(persistRoot, 'etc/modprobe.d'), 'v4l2loopback'], { timeoutMs: 60_000 });
    assert.equal(load.code, 0, describeResult(load));
    assert.equal(await waitFor(() => videoNode('FaceMat Camera'), 'the persisted "FaceMat Camera" node'), node);
    assert.equal(readFileSync(join(params, 'exclusive_caps'), 'utf8').trim().split(',')[0], 'Y');
  });

  it('stops with exit 3 when v4l2loopback is loaded without a FaceMat node', async () => {
    await modprobeRemove('v4l2loopback');
    const other = await run('modprobe', ['v4l2loopback', 'card_label=Other Loopback'], { timeoutMs: 60_000 });
    assert.equal(other.code, 0, describeResult(other));
    await waitFor(() => videoNode('Other Loopback'), 'the other loopback node');
    const result = await facemat(['camera', 'load']);
    assert.equal(result.code, 3, describeResult(result));
    assert.match(result.stderr, /^facemat camera load: v4l2loopback \S* ?is already loaded without a "FaceMat Camera" device, and modprobe cannot add one to a loaded module: run `facemat camera load --add`/m);
    assert.match(result.stderr, /video nodes now: .*"Other Loopback"/);
    assert.equal(videoNode('FaceMat Camera'), undefined);
  });
});
