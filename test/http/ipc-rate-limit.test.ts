// The worker's side of the cluster rate limit (src/cluster.ts IpcRateLimitStore): every take of
// one turn of the event loop travels in one message, each caller gets its own verdicts back,
// and a primary that does not answer fails every caller of the batch (the limiter then lets the
// requests through and counts a store error, as for Redis). The primary is played by a fake
// channel that judges with the real MemoryRateLimitStore.
import { describe, expect, it } from 'vitest';
import { IpcRateLimitStore, PrimaryLink, type Channel } from '../../src/cluster.js';
import { MemoryRateLimitStore, WINDOW_MS, type KeyedTake } from '../../src/http/rate-limit.js';

function fakePrimary(opts: { silent?: boolean } = {}) {
  const store = new MemoryRateLimitStore();
  const sent: { id: number; batch: KeyedTake[][] }[] = [];
  let listener: (m: unknown) => void = () => undefined;
  const channel: Channel = {
    send: (m) => {
      const msg = m as { id: number; batch: KeyedTake[][] };
      sent.push(msg);
      if (!opts.silent) setImmediate(() => listener({ lintas: 'rl', id: msg.id, verdicts: msg.batch.map((t) => store.takeAllSync(t)) }));
      return true;
    },
    on: (_e, l) => {
      listener = l;
    },
  };
  return { channel, sent };
}

const take = (key: string, limit: number, nowMs = 1_000_000) => ({ key, take: { cost: 1, limit, windowMs: WINDOW_MS, nowMs, commit: true } });

describe('IpcRateLimitStore', () => {
  it('takes asked in one turn go in one message; each caller gets its own verdicts, in order', async () => {
    const { channel, sent } = fakePrimary();
    const store = new IpcRateLimitStore(new PrimaryLink(channel));
    const answers = await Promise.all([store.takeAll([take('a', 2)]), store.takeAll([take('a', 2), take('b', 5)]), store.takeAll([take('a', 2)]), store.take('b', take('b', 5).take)]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.batch).toHaveLength(4);
    expect(answers[0]!.map((v) => v.allowed)).toEqual([true]);
    expect(answers[1]!.map((v) => v.allowed)).toEqual([true, true]);
    // The third use of `a` is refused; the list stopped there.
    expect(answers[2]!.map((v) => v.allowed)).toEqual([false]);
    expect(answers[3]!.allowed).toBe(true);
    expect(answers[3]!.remaining).toBe(3);
    // The next turn is a new message.
    await store.takeAll([take('c', 1)]);
    expect(sent).toHaveLength(2);
  });

  it('a primary that does not answer fails every caller of the batch', async () => {
    const { channel } = fakePrimary({ silent: true });
    const store = new IpcRateLimitStore(new PrimaryLink(channel, 50));
    const results = await Promise.allSettled([store.takeAll([take('a', 2)]), store.takeAll([take('b', 2)])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
