// Per-client rate limits (contract: `requestsPerMinute`, 429 with `Retry-After`).
//
// Algorithm: the sliding-window counter. Hits are counted per fixed minute; the rate is
// estimated as `previous × (share of the previous minute still inside the sliding window) +
// current`. This avoids the fixed window's double burst at minute boundaries and needs only
// two counters per client, which makes it cheap to share through Redis (one round trip:
// INCR + PEXPIRE + GET in a MULTI), so several processes or pods enforce one limit.
//
// Every hit counts, refused ones too: a client that keeps hammering past its limit stays
// refused until it slows down (research/security.md API6, the forgery-testing oracle).
//
// When the shared store fails (Redis down), requests are let through and the failure is
// reported (`onStoreError`): the limit is an anti-abuse control, and a border post must not
// stop because a cache is down. The global concurrency cap still protects the process.
import type { NextFunction, Request, Response } from 'express';
import { createClient } from 'redis';
import { clientOf } from './auth.js';
import { HttpProblem } from './problem.js';

export const WINDOW_MS = 60_000;

export interface WindowCounts {
  /** Hits in the current fixed window, this one included. */
  current: number;
  /** Hits in the window before. */
  previous: number;
}

export interface RateLimitStore {
  /** Counts one hit for `key` in the window holding `nowMs`. */
  hit(key: string, windowMs: number, nowMs: number): Promise<WindowCounts>;
  close?(): Promise<void>;
}

/** Counters in this process: right for one process (and the cluster primary, over IPC). */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, { window: number; current: number; previous: number }>();

  hit(key: string, windowMs: number, nowMs: number): Promise<WindowCounts> {
    return Promise.resolve(this.hitSync(key, windowMs, nowMs));
  }

  hitSync(key: string, windowMs: number, nowMs: number): WindowCounts {
    const window = Math.floor(nowMs / windowMs);
    const c = this.counters.get(key);
    let next: { window: number; current: number; previous: number };
    if (!c || c.window < window - 1) next = { window, current: 1, previous: 0 };
    else if (c.window === window - 1) next = { window, current: 1, previous: c.current };
    else if (c.window === window) next = { window, current: c.current + 1, previous: c.previous };
    else next = { ...c, current: c.current + 1 }; // clock went back: keep counting in the newer window
    this.counters.set(key, next);
    if (this.counters.size > 100_000) this.sweep(window);
    return { current: next.current, previous: next.previous };
  }

  /** Keys are client ids, so this only matters if ids were unbounded; kept as a guard. */
  private sweep(window: number): void {
    for (const [k, v] of this.counters) if (v.window < window - 1) this.counters.delete(k);
  }
}

type RedisClient = ReturnType<typeof createClient>;

export interface RedisStoreOptions {
  /** Key prefix, so several services can share one Redis. */
  prefix?: string;
  /** A Redis answer slower than this counts as a store failure. */
  timeoutMs?: number;
}

/** Counters in Redis, shared by every process and pod that uses the same REDIS_URL. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly prefix: string;
  private readonly timeoutMs: number;

  private constructor(private readonly client: RedisClient, opts: RedisStoreOptions) {
    this.prefix = opts.prefix ?? 'lintas:rl:';
    this.timeoutMs = opts.timeoutMs ?? 250;
  }

  static async connect(url: string, opts: RedisStoreOptions & { onError?: (err: Error) => void } = {}): Promise<RedisRateLimitStore> {
    const client = createClient({
      url,
      // Fail fast while disconnected instead of queueing requests behind a dead connection.
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
    });
    client.on('error', (err: Error) => opts.onError?.(err));
    await client.connect();
    return new RedisRateLimitStore(client, opts);
  }

  async hit(key: string, windowMs: number, nowMs: number): Promise<WindowCounts> {
    const window = Math.floor(nowMs / windowMs);
    const cur = `${this.prefix}${key}:${window}`;
    const prev = `${this.prefix}${key}:${window - 1}`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis answered slower than ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const replies = await Promise.race([
        this.client.multi().incr(cur).pExpire(cur, windowMs * 2).get(prev).exec(),
        timeout,
      ]);
      const current = Number(replies[0]);
      const previous = replies[2] === null || replies[2] === undefined ? 0 : Number(replies[2]);
      if (!Number.isFinite(current)) throw new Error('unexpected redis reply');
      return { current, previous: Number.isFinite(previous) ? previous : 0 };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.client.isOpen) return;
    // A graceful close waits for a connection that may never come back: only when ready.
    if (this.client.isReady) await this.client.close();
    else this.client.destroy();
  }
}

export interface Verdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until a request would be allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/** The sliding-window estimate of a client's rate after this hit, and whether it is allowed. */
export function judge(counts: WindowCounts, limit: number, windowMs: number, nowMs: number): Verdict {
  const elapsed = nowMs - Math.floor(nowMs / windowMs) * windowMs;
  const weight = 1 - elapsed / windowMs;
  const estimate = counts.previous * weight + counts.current;
  if (estimate <= limit) {
    return { allowed: true, limit, remaining: Math.max(0, Math.floor(limit - estimate)), retryAfterSeconds: 0 };
  }
  // When does previous × (1 − e/W) + current fall to the limit? If the current window alone is
  // over it, not before the next window starts.
  let waitMs: number;
  if (counts.current >= limit || counts.previous === 0) waitMs = windowMs - elapsed;
  else waitMs = windowMs * (1 - (limit - counts.current) / counts.previous) - elapsed;
  return { allowed: false, limit, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

export interface RateLimitOptions {
  store: RateLimitStore;
  /** The edge's clock in milliseconds. */
  nowMs: () => number;
  windowMs?: number;
  onStoreError?: (err: unknown) => void;
  onLimited?: (clientId: string) => void;
}

/** Limits the authenticated client (open mode has no client and no per-client limit). */
export function rateLimit(opts: RateLimitOptions) {
  const windowMs = opts.windowMs ?? WINDOW_MS;
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    const client = clientOf(res);
    if (!client) return next();
    const now = opts.nowMs();
    let counts: WindowCounts;
    try {
      counts = await opts.store.hit(client.id, windowMs, now);
    } catch (err) {
      opts.onStoreError?.(err);
      return next();
    }
    const verdict = judge(counts, client.requestsPerMinute, windowMs, now);
    res.setHeader('RateLimit-Limit', String(verdict.limit));
    res.setHeader('RateLimit-Remaining', String(verdict.remaining));
    if (!verdict.allowed) {
      opts.onLimited?.(client.id);
      res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      throw new HttpProblem(429, `over ${client.requestsPerMinute} requests per minute`, 'RATE_LIMITED', {
        retryAfter: verdict.retryAfterSeconds,
      });
    }
    next();
  };
}
