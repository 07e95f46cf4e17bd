// eventloop_delay_max_seconds (src/metrics.ts; issue #12 item 6): a stall of the event loop shows
// in the next scrape, and the maximum resets with each scrape.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.js';

const gaugeOf = (text: string): number => {
  const m = /^eventloop_delay_max_seconds\{process="[^"]+"\} (\S+)$/m.exec(text);
  if (!m) throw new Error('eventloop_delay_max_seconds missing');
  return Number(m[1]);
};

const ticks = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('metrics eventloop_delay_max_seconds', () => {
  it('stall starting right after a scrape (lost by monitorEventLoopDelay reset): reported ≥ 120 ms, then reset on the next scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: true });
    await ticks(50);
    await metrics.registry.metrics(); // start a fresh interval
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // block the event loop
    }
    await ticks(30); // let the delayed timer tick record the stall
    const stalled = gaugeOf(await metrics.registry.metrics());
    expect(stalled).toBeGreaterThanOrEqual(0.12);
    await ticks(50);
    const after = gaugeOf(await metrics.registry.metrics());
    expect(after).toBeLessThan(0.1);
  });

  it('is absent without the default metrics (tests build apps without timers)', async () => {
    const metrics = createMetrics();
    expect(await metrics.registry.metrics()).not.toMatch(/eventloop_delay_max_seconds/);
  });
});
