import assert from 'node:assert/strict';
import { HoldPolicy } from '../../src/pipeline/scheduler/hold-policy.js';

// Times are passed in: a fake clock, so no verdict depends on the machine's speed.
describe('HoldPolicy#repeatDue', () => {
  it('is due holdMs after the last frame sent, and again holdMs after each repeat', () => {
    const policy = new HoldPolicy(400);
    policy.sent(1000);
    assert.equal(policy.repeatDue(true, 1399), false);
    assert.equal(policy.repeatDue(true, 1400), true);
    policy.sent(1400);
    assert.equal(policy.dueAt(), 1800);
  });

  it('never for an output nobody watches', () => {
    const policy = new HoldPolicy(400);
    policy.sent(0);
    assert.equal(policy.repeatDue(false, 10_000), false);
  });

  it('a real frame pushes the next repeat back', () => {
    const policy = new HoldPolicy(400);
    policy.sent(0);
    policy.sent(390);
    assert.equal(policy.repeatDue(true, 400), false);
    assert.equal(policy.repeatDue(true, 790), true);
  });

  it('refuses a hold that is not a positive time', () => {
    assert.throws(() => new HoldPolicy(0), RangeError);
    assert.throws(() => new HoldPolicy(Number.NaN), RangeError);
  });
});
