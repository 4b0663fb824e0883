import assert from 'node:assert/strict';
import { kernel, testAddon, useLoopbackWriter } from './test-addon.js';
import { waitUntil } from '../helpers/wait.js';

const PATH = '/dev/video10';

describe('LoopbackWriter readers (v4l2loopback client-usage event and inotify)', () => {
  const output = useLoopbackWriter();
  let reported: number[];

  beforeEach(() => {
    reported = [];
  });

  const open = () => output.writer.open(PATH, { width: 64, height: 48, fps: 30 }, (n) => reported.push(n));

  for (const events of ['current', 'legacy'] as const) {
    it(`follows readers through the client-usage event (${events} id)`, async () => {
      kernel().addLoopback({ path: PATH, events });
      assert.equal(open().readerDetection, events === 'current' ? 'event' : 'event-legacy');
      await waitUntil(() => reported.length === 1, 'the initial count');
      assert.deepEqual(reported, [0]);
      kernel().addReader(PATH);
      await waitUntil(() => output.writer.readers === 1, 'one reader');
      kernel().removeReader(PATH);
      await waitUntil(() => output.writer.readers === 0, 'no reader');
      await waitUntil(() => reported.length === 3, 'three reports');
      assert.deepEqual(reported, [0, 1, 0]);
    });
  }

  it('sees a reader that was already streaming before the writer started', async () => {
    kernel().addLoopback({ path: PATH });
    kernel().addReader(PATH);
    open();
    await waitUntil(() => output.writer.readers === 1, 'the initial count of one');
  });

  it('falls back to inotify OPEN/CLOSE when the driver has no usage event', async () => {
    kernel().addLoopback({ path: PATH, events: 'none' });
    assert.equal(open().readerDetection, 'inotify');
    assert.equal(output.writer.readers, 0);
    kernel().addReader(PATH);
    await waitUntil(() => output.writer.readers === 1, 'one reader');
    kernel().addReader(PATH);
    await waitUntil(() => output.writer.readers === 2, 'two readers');
    // A program that only lists devices opens and closes the node: it leaves no trace.
    testAddon().listDevices();
    kernel().removeReader(PATH);
    kernel().removeReader(PATH);
    await waitUntil(() => output.writer.readers === 0, 'no reader');
    await waitUntil(() => reported.at(-1) === 0, 'the last report');
    assert.deepEqual(reported.slice(0, 2), [1, 2]);
  });

  it('with inotify, counts two consumers that open at once, whose OPEN events the kernel merges', async () => {
    kernel().addLoopback({ path: PATH, events: 'none' });
    open();
    kernel().addReader(PATH, 2);
    await waitUntil(() => output.writer.readers === 2, 'two readers (one merged OPEN event)');
    kernel().removeReader(PATH);
    await waitUntil(() => reported.at(-1) === 1, 'one reader left after the first close');
    assert.equal(output.writer.readers, 1, 'the second consumer is still watching');
  });

  it('keeps counting while it writes frames', async () => {
    kernel().addLoopback({ path: PATH });
    open();
    await waitUntil(() => reported.length === 1, 'the initial count');
    const frame = new Uint8Array(64 * 48 * 4);
    const writing = output.writer.write(frame);
    kernel().addReader(PATH);
    await writing;
    await waitUntil(() => output.writer.readers === 1, 'one reader');
    await output.writer.write(frame);
    assert.equal(kernel().state(PATH).framesWritten, 2);
  });
});
