import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_COMMAND, NativeLoadError, addonPath, explainLoadFailure, loadAddon, loadNative } from '../../src/native/loader.js';

describe('loader.loadAddon', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'facemat-loader-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('loads the built addon with every documented export', () => {
    const native = loadNative();
    for (const name of [
      'rgbaToYuyv', 'rgbaToI420', 'yuyvToRgba', 'nv12ToRgba', 'i420ToRgba', 'jpegSize', 'decodeJpeg', 'encodeJpeg',
      'resizeToTensor', 'guidedUpsample', 'listDevices', 'describeDevice', 'CaptureDevice', 'LoopbackWriter',
    ]) {
      assert.equal(typeof (native as unknown as Record<string, unknown>)[name], 'function', name);
    }
  });

  it('explains a missing build in one line with the command that builds it', () => {
    assert.throws(
      () => loadAddon('facemat_native', { platform: 'linux', root }),
      (err: unknown) =>
        err instanceof NativeLoadError &&
        !err.message.includes('\n') &&
        err.message.includes(`\`${BUILD_COMMAND}\``) &&
        err.message.includes('native/build/Release/facemat_native.node') &&
        err.message.includes('libturbojpeg0-dev'),
    );
  });

  it('explains a wrong platform in one line without trying to load', () => {
    assert.throws(
      () => loadAddon('facemat_native', { platform: 'darwin', root }),
      (err: unknown) => err instanceof NativeLoadError && !err.message.includes('\n') && /needs Linux \(this is darwin\)/.test(err.message),
    );
  });

  it('explains a file that is not a loadable addon', () => {
    const path = addonPath('facemat_native', root);
    mkdirSync(join(root, 'native/build/Release'), { recursive: true });
    writeFileSync(path, 'not an ELF file, just text pretending to be a shared object '.repeat(8));
    assert.throws(
      () => loadAddon('facemat_native', { platform: 'linux', root }),
      (err: unknown) =>
        err instanceof NativeLoadError && !err.message.includes('\n') && err.message.includes('built for another system') &&
        err.message.includes(BUILD_COMMAND),
    );
  });

  it('names the fix for a missing libturbojpeg and for another Node.js', () => {
    const path = '/x/native/build/Release/facemat_native.node';
    const jpeg = explainLoadFailure(new Error('libturbojpeg.so.0: cannot open shared object file: No such file or directory'), path, '/x');
    assert.match(jpeg, /cannot load libturbojpeg .* apt-get install libturbojpeg0-dev/);
    const abi = explainLoadFailure(new Error('was compiled against a different Node.js version using\nNODE_MODULE_VERSION 108'), path, '/x');
    assert.match(abi, /built for another Node\.js/);
    assert.ok(!abi.includes('\n'));
  });
});
