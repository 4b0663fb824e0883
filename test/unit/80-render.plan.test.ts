import assert from 'node:assert/strict';
import { sizeBytes, MatroskaRawWriter } from '../../src/render/matroska-writer.js';
import { audioArgs, encoderArgs, outputTargets, OutputSpecError } from '../../src/render/output-plan.js';
import { ProgressReporter, clock } from '../../src/render/progress-reporter.js';
import { toMicroseconds } from '../../src/render/video-encoder.js';
import { parseRenderOptions } from '../../src/cli/commands/render.js';
import { UsageError } from '../../src/cli/command.js';

describe('render: output plan, Matroska framing, progress, options', () => {
  it('EBML sizes use the fewest bytes and never the all-ones "unknown" value', () => {
    assert.deepEqual([...sizeBytes(0)], [0x80]);
    assert.deepEqual([...sizeBytes(126)], [0xfe]);
    assert.deepEqual([...sizeBytes(127)], [0x40, 0x7f]);
    assert.deepEqual([...sizeBytes(1920 * 1080 * 4 + 4)], [0x10, 0x7e, 0x90, 0x04]);
  });

  it('a frame header announces exactly the cluster that its pixels complete', () => {
    const writer = new MatroskaRawWriter(2, 2, 'gray');
    const head = writer.frameHeader(1_000_000);
    // Cluster id, 1-byte size, Timestamp element (id, size, 3 bytes), SimpleBlock id, size, 4-byte block head.
    assert.deepEqual([...head.subarray(0, 4)], [0x1f, 0x43, 0xb6, 0x75]);
    assert.equal(head[4] & 0x7f, head.length - 5 + writer.frameBytes);
    assert.equal(writer.frameBytes, 4);
    assert.deepEqual([...head.subarray(-4)], [0x81, 0x00, 0x00, 0x80]);
  });

  it('pts convert to microseconds exactly', () => {
    assert.equal(toMicroseconds(15360, { num: 1, den: 15360 }), 1_000_000);
    assert.equal(toMicroseconds(1001, { num: 1, den: 30000 }), 33367);
  });

  it('an output is a video by extension or a PNG folder; --png adds a folder', () => {
    assert.deepEqual(outputTargets('a/b.MP4', null), { video: { path: 'a/b.MP4', kind: 'mp4' }, pngDir: null });
    assert.deepEqual(outputTargets('frames/', null), { video: null, pngDir: 'frames/' });
    assert.deepEqual(outputTargets('x.webm', 'p'), { video: { path: 'x.webm', kind: 'webm' }, pngDir: 'p' });
    assert.throws(() => outputTargets('x.avi', null), OutputSpecError);
    assert.throws(() => outputTargets('frames/', 'p'), OutputSpecError);
  });

  it('audio is copied where the container takes it, re-encoded where not, dropped for y4m', () => {
    const audio = (codec: string) => ({ codec, path: 'in.mkv' });
    assert.deepEqual(audioArgs('mp4', audio('aac')), ['-map', '1:a?', '-c:a', 'copy']);
    assert.deepEqual(audioArgs('mp4', audio('opus')).slice(2, 4), ['-c:a', 'aac']);
    assert.deepEqual(audioArgs('webm', audio('aac')).slice(2, 4), ['-c:a', 'libopus']);
    assert.deepEqual(audioArgs('mkv', audio('flac')), ['-map', '1:a?', '-c:a', 'copy']);
    assert.deepEqual(audioArgs('y4m', audio('aac')), []);
  });

  it('the encoder keeps timestamps: passthrough, the input time base, the mp4 track in its timescale', () => {
    const args = encoderArgs({
      targets: { video: { path: 'o.mp4', kind: 'mp4' }, pngDir: null },
      width: 641,
      height: 360,
      pixelFormat: 'rgba',
      timeBase: { num: 1, den: 15360 },
      fps: 30,
      audio: { codec: 'aac', path: 'in.mp4' },
      crf: null,
    }).join(' ');
    for (const part of ['-copyts', '-f matroska -i pipe:0 -i in.mp4', '-fps_mode passthrough', '-enc_time_base 1/15360', '-video_track_timescale 15360', '-movflags +faststart', 'pad=ceil(iw/2)*2', '-c:a copy -shortest o.mp4']) {
      assert.ok(args.includes(part), `${part} in ${args}`);
    }
  });

  it('progress: total, percentage, fps and ETA; a plain line only every interval', () => {
    let now = 0;
    const lines: string[] = [];
    const p = new ProgressReporter({ write: (t: string) => lines.push(t) }, 'lines', { count: 100, exact: true }, () => now, 2000);
    p.start();
    now = 1000;
    p.update(10);
    assert.equal(lines.length, 0);
    now = 2000;
    p.update(20);
    assert.deepEqual(lines, ['render: frame 20/100 (20%), 10.0 fps, 0:02 elapsed, ETA 0:08\n']);
    assert.equal(clock(3725), '1:02:05');
  });

  it('options: run validators are shared, mistakes are usage errors', () => {
    const o = parseRenderOptions(['in.mp4', 'out.mp4', '--preset', 'cartoon', '--threads', '2', '--no-temporal', '--crf=20']);
    assert.ok(o !== 'help');
    assert.equal(o.preset, 'Cartoon');
    assert.equal(o.threads, 2);
    assert.equal(o.temporal, false);
    assert.equal(o.crf, 20);
    assert.equal(o.flipAverage, false, 'flip averaging is opt-in: it doubles the inference');
    const flipped = parseRenderOptions(['in.mp4', 'out.mp4', '--flip-average']);
    assert.ok(flipped !== 'help' && flipped.flipAverage);
    assert.throws(() => parseRenderOptions(['in.mp4']), UsageError);
    assert.throws(() => parseRenderOptions(['in.mp4', 'o.mp4', '--provider', 'gpu']), /--provider.*auto, tensorrt, cuda, cpu/);
    assert.throws(() => parseRenderOptions(['v4l2:/dev/video0', 'o.mp4']), /--duration/);
    assert.throws(() => parseRenderOptions(['in.mp4', 'o.mp4', '--matte-only', '--filters', 'toon']), UsageError);
    assert.equal(parseRenderOptions(['--help']), 'help');
  });
});
