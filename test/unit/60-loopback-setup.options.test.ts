import assert from 'node:assert/strict';
import {
  MODPROBE_LINE,
  checkLabel,
  checkVideoNr,
  ctlAddArgs,
  loopbackOptionString,
  loopbackSetupLines,
  modprobeArgs,
  modprobeConfText,
  modulesLoadText,
} from '../../src/native/loopback-setup.js';
import { parseOptions } from '../../src/setup/loopback-state.js';
import { commandLine } from '../../src/setup/system.js';

describe('loopback-setup options', () => {
  it('is the one set of options: MODPROBE_LINE, the modprobe.d line and modprobe argv agree', () => {
    assert.equal(loopbackOptionString(), 'devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1');
    assert.equal(MODPROBE_LINE, 'sudo modprobe v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1');
    assert.match(modprobeConfText(), /^options v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1$/m);
    // argv for execFile keeps the label one argument; shown as a shell line it is the same text
    assert.deepEqual(modprobeArgs(), ['v4l2loopback', 'devices=1', 'video_nr=10', 'card_label=FaceMat Camera', 'exclusive_caps=1']);
    assert.equal(commandLine(['sudo', 'modprobe', ...modprobeArgs()]), MODPROBE_LINE);
    // and modprobe.d's line reads back to the same values
    const parsed = parseOptions(loopbackOptionString());
    assert.deepEqual([...parsed], [['devices', '1'], ['video_nr', '10'], ['card_label', 'FaceMat Camera'], ['exclusive_caps', '1']]);
  });

  it('takes another node number, label and exclusive_caps=0', () => {
    const options = { videoNr: 42, label: 'Studio Cam', exclusiveCaps: false };
    assert.equal(loopbackOptionString(options), 'devices=1 video_nr=42 card_label="Studio Cam" exclusive_caps=0');
    assert.deepEqual(modprobeArgs(options), ['v4l2loopback', 'devices=1', 'video_nr=42', 'card_label=Studio Cam', 'exclusive_caps=0']);
    assert.deepEqual(ctlAddArgs(options), ['add', '--exclusive-caps=0', '--name=Studio Cam', '/dev/video42']);
  });

  it('modules-load.d gets the bare module name', () => {
    const lines = modulesLoadText().split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(lines, ['v4l2loopback']);
  });

  it('refuses labels the module would split or misquote, and node numbers out of range', () => {
    assert.equal(checkLabel('FaceMat Camera'), null);
    assert.match(checkLabel('a,b')!, /commas/);
    assert.match(checkLabel('say "hi"')!, /quotes/);
    assert.match(checkLabel('')!, /empty/);
    assert.match(checkLabel('x'.repeat(32))!, /31 characters/);
    assert.equal(checkVideoNr(0), null);
    assert.equal(checkVideoNr(255), null);
    assert.ok(checkVideoNr(256));
    assert.ok(checkVideoNr(-1));
    assert.ok(checkVideoNr(1.5));
  });

  it("doctor's fix lines start with facemat camera load and keep the by-hand lines", () => {
    const lines = loopbackSetupLines();
    assert.ok(lines.includes('facemat camera load'));
    assert.ok(lines.indexOf('facemat camera load') < lines.indexOf(MODPROBE_LINE));
    assert.ok(lines.includes(`echo 'options v4l2loopback ${loopbackOptionString()}' | sudo tee /etc/modprobe.d/facemat-v4l2loopback.conf`));
    assert.ok(lines.includes('echo v4l2loopback | sudo tee /etc/modules-load.d/facemat-v4l2loopback.conf'));
  });
});
