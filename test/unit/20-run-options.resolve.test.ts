import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRunOptions, defaultRunOptions } from '../../src/cli/run-options.js';
import { UsageError } from '../../src/cli/command.js';

describe('resolveRunOptions', function () {
  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facemat-opts-'));
    config = join(dir, 'config.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const resolve = (argv: string[]) => resolveRunOptions(argv, { configPath: config });
  const usageError = (argv: string[], pattern: RegExp) =>
    assert.throws(() => resolve(argv), (err: unknown) => err instanceof UsageError && pattern.test(err.message));

  it('defaults to the sample clip, a browser preview and the local control server', function () {
    const o = resolve([]);
    assert.deepEqual(o, defaultRunOptions());
    assert.match(o.source, /^file:.*assets\/sample\/sample\.mp4$/);
    assert.deepEqual(o.sinks, ['preview:8080']);
    assert.deepEqual(o.control, { host: '127.0.0.1', port: 4456 });
  });

  it('parses every kind of flag', function () {
    const o = resolve([
      '--source', 'synthetic', '--sink', 'null', '--sink=y4m:/tmp/a.y4m,mp4:/tmp/b.mp4', '--size', '640x360', '--fps', '25',
      '--provider', 'cpu', '--threads', '2', '--filters', 'toon,beautify', '--frames', '10', '--control', 'off',
      '--no-loop', '--matte-lag', '2', '--hotkey', 'ctrl+alt+1=toggle:beautify', '--verbose',
    ]);
    assert.equal(o.source, 'synthetic');
    assert.deepEqual(o.sinks, ['null', 'y4m:/tmp/a.y4m', 'mp4:/tmp/b.mp4']);
    assert.equal(o.width, 640);
    assert.equal(o.height, 360);
    assert.equal(o.fps, 25);
    assert.equal(o.provider, 'cpu');
    assert.equal(o.threads, 2);
    assert.deepEqual(o.filters, ['toon', 'beautify']);
    assert.equal(o.frames, 10);
    assert.equal(o.control, null);
    assert.equal(o.loop, false);
    assert.equal(o.matteLag, 2);
    assert.deepEqual(o.hotkeys, ['ctrl+alt+1=toggle:beautify']);
    assert.equal(o.verbose, true);
  });

  it('--filters none disables every filter; none mixed with filters is an error', function () {
    assert.deepEqual(resolve(['--filters', 'none']).filters, []);
    usageError(['--filters', 'none,toon'], /"none" cannot be combined/);
  });

  it('names the bad flag and the accepted values', function () {
    usageError(['--bogus', '1'], /unknown option --bogus \(options: --source, --sink/);
    usageError(['--provider', 'gpu'], /invalid value "gpu" for --provider \(accepted: auto, tensorrt, cuda, cpu\)/);
    usageError(['--size', '1281x720'], /invalid value "1281x720" for --size/);
    usageError(['--fps', '0'], /invalid value "0" for --fps/);
    usageError(['--input-format', 'h264'], /invalid value "h264" for --input-format \(accepted: auto, mjpeg, nv12, yuyv, i420\)/);
    usageError(['--sink', 'preview:99999'], /invalid value "preview:99999" for --sink/);
    usageError(['--filters', 'sparkle'], /invalid value "sparkle" for --filters \(accepted: none, or a list of beautify, toon/);
    usageError(['--source'], /--source needs a value/);
    usageError(['--loop=maybe'], /--loop takes no value/);
    usageError(['stray'], /unexpected argument "stray"/);
    usageError(['--hotkey', 'ctrl+alt+1=toggle:sparkle'], /invalid value "ctrl\+alt\+1=toggle:sparkle" for --hotkey \(accepted: KEYS=ACTION.*toggle:beautify/);
    usageError(['--hotkey', 'hyper+q=preset:next'], /invalid value "hyper\+q=preset:next" for --hotkey/);
  });

  it('reads the config file, and flags win over it', function () {
    writeFileSync(config, JSON.stringify({ fps: 24, size: '640x480', sink: ['null'], preset: 'cartoon', faceCrop: false, obsScenePresets: { Talk: 'Natural' } }));
    const o = resolve(['--fps', '15']);
    assert.equal(o.fps, 15);
    assert.equal(o.width, 640);
    assert.equal(o.height, 480);
    assert.deepEqual(o.sinks, ['null']);
    assert.equal(o.preset, 'Cartoon');
    assert.equal(o.faceCrop, false);
    assert.deepEqual(o.obsScenePresets, { Talk: 'Natural' });
  });

  it('names the bad config key and the accepted keys', function () {
    writeFileSync(config, JSON.stringify({ fsp: 30 }));
    usageError([], /unknown key "fsp" in .*config\.json \(keys: source, sinks, inputFormat, size, fps/);
    writeFileSync(config, JSON.stringify({ faceCrop: 'yes' }));
    usageError([], /"faceCrop" in .* must be true or false/);
    writeFileSync(config, JSON.stringify({ provider: 'npu' }));
    usageError([], /invalid value "npu" for "provider" in .*\(accepted: auto, tensorrt, cuda, cpu\)/);
    writeFileSync(config, '{ not json');
    usageError([], /is not valid JSON/);
  });

  it('an explicit --config that does not exist is an error', function () {
    usageError(['--config', join(dir, 'nope.json')], /config file not found/);
  });
});
