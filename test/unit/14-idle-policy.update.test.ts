import assert from 'node:assert/strict';
import { IdlePolicy } from '../../src/pipeline/scheduler/idle-policy.js';

// Times are passed in: a fake clock, so no verdict depends on the machine's speed.
describe('IdlePolicy#update', () => {
  it('idles only after nobody watched for the whole grace period', () => {
    const policy = new IdlePolicy(2000, 1000);
    assert.equal(policy.update(false, 0), false);
    assert.equal(policy.update(false, 1999), false);
    assert.equal(policy.update(false, 2000), true);
    assert.equal(policy.idle, true);
  });

  it('a reader that comes and goes within the grace period restarts it (probing tools)', () => {
    const policy = new IdlePolicy(2000, 1000);
    policy.update(false, 0);
    policy.update(true, 1500);
    assert.equal(policy.update(false, 1600), false);
    assert.equal(policy.update(false, 3599), false);
    assert.equal(policy.update(false, 3600), true);
  });

  it('wakes at once when someone watches', () => {
    const policy = new IdlePolicy(0, 1000);
    assert.equal(policy.update(false, 0), true);
    assert.equal(policy.update(true, 10), false);
    assert.equal(policy.idle, false);
  });

  it('refuses a negative grace period or a zero keep-alive interval', () => {
    assert.throws(() => new IdlePolicy(-1, 1000), RangeError);
    assert.throws(() => new IdlePolicy(0, 0), RangeError);
  });
});

describe('IdlePolicy#keepAliveDue', () => {
  it('is due on entering idle, then once per interval, never while watched', () => {
    const policy = new IdlePolicy(0, 1000);
    assert.equal(policy.keepAliveDue(0), false, 'not idle yet');
    policy.update(false, 100);
    assert.equal(policy.keepAliveDue(100), true);
    assert.equal(policy.keepAliveDue(600), false);
    assert.equal(policy.keepAliveDue(1100), true);
    policy.update(true, 1200);
    assert.equal(policy.keepAliveDue(5000), false);
  });

  it('after a stall sends one frame, not a burst', () => {
    const policy = new IdlePolicy(0, 1000);
    policy.update(false, 0);
    assert.equal(policy.keepAliveDue(0), true);
    assert.equal(policy.keepAliveDue(10_000), true);
    assert.equal(policy.keepAliveDue(10_001), false);
    assert.equal(policy.keepAliveDue(11_000), true);
  });
});
