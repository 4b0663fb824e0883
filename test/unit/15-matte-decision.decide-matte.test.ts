import assert from 'node:assert/strict';
import type { Matte } from '../../src/pipeline/frame.js';
import { decideMatte, type MatteStageState } from '../../src/pipeline/scheduler/matte-decision.js';

const matte = (seq: number): Matte => ({ seq, roi: { x: 0, y: 0, width: 1, height: 1 } } as Matte);
const state = (s: Partial<MatteStageState>): MatteStageState => ({
  hasEngine: true,
  inFlight: null,
  waiting: null,
  latest: null,
  maxLag: 1,
  failing: false,
  ...s,
});

describe('decideMatte', function () {
  it('without a model every frame goes out with no matte', function () {
    assert.deepEqual(decideMatte(5, state({ hasEngine: false, inFlight: 5 })), { matte: null });
  });

  it('waits for the frame\'s own matte while it is being made', function () {
    assert.equal(decideMatte(5, state({ inFlight: 5, latest: matte(4) })), 'wait');
  });

  it('uses a matte at most maxLag frames away, on either side', function () {
    const m4 = matte(4);
    assert.deepEqual(decideMatte(5, state({ latest: m4, inFlight: 6 })), { matte: m4 });
    assert.deepEqual(decideMatte(3, state({ latest: m4 })), { matte: m4 });
    assert.equal(decideMatte(3, state({ latest: m4, maxLag: 0, inFlight: 6 })), 'drop');
  });

  it('drops a frame whose matte is already far behind the newest one', function () {
    assert.equal(decideMatte(2, state({ latest: matte(9), maxLag: 3 })), 'drop');
  });

  it('waits for a newer matte when the newest is too old and one is coming', function () {
    assert.equal(decideMatte(9, state({ latest: matte(2), waiting: 9 })), 'wait');
    assert.equal(decideMatte(9, state({ latest: matte(2), inFlight: 8 })), 'wait');
    assert.equal(decideMatte(9, state({ latest: matte(2), waiting: 10 })), 'wait');
  });

  it('with nothing coming uses the newest matte, unless the model is failing', function () {
    const m2 = matte(2);
    assert.deepEqual(decideMatte(9, state({ latest: m2 })), { matte: m2 });
    assert.deepEqual(decideMatte(9, state({ latest: m2, failing: true })), { matte: null });
    assert.deepEqual(decideMatte(0, state({})), { matte: null });
  });
});
