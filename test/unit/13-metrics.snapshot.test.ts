import assert from 'node:assert/strict';
import { LatencyWindow, percentile, PipelineMetrics } from '../../src/pipeline/scheduler/metrics.js';

describe('LatencyWindow#summary', function () {
  it('gives nearest-rank percentiles over the window', function () {
    const w = new LatencyWindow(100);
    for (let i = 1; i <= 100; i++) w.record(i);
    const s = w.summary();
    assert.equal(s.p50, 50);
    assert.equal(s.p99, 99);
    assert.equal(s.mean, 50.5);
    assert.equal(s.count, 100);
  });

  it('forgets samples older than the window but keeps counting', function () {
    const w = new LatencyWindow(10);
    for (let i = 0; i < 10; i++) w.record(1000);
    for (let i = 0; i < 10; i++) w.record(1);
    assert.equal(w.summary().p99, 1);
    assert.equal(w.summary().count, 20);
  });

  it('percentile() of an empty list is 0', function () {
    assert.equal(percentile([], 0.5), 0);
  });
});

describe('PipelineMetrics#snapshot', function () {
  it('reports rates over the last second, counters and RSS', function () {
    const m = new PipelineMetrics();
    const now = performance.now();
    m.markOutput(now - 5000);
    for (let i = 0; i < 30; i++) m.markOutput(now - 500 + i);
    m.markMatte(now);
    const s = m.snapshot();
    assert.equal(s.videoFps, 30);
    assert.equal(s.matteFps, 1);
    assert.equal(s.frames.output, 31);
    assert.ok(s.rssBytes > 10e6);
  });
});
