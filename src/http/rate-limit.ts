// Per-client rate limits (contract "Clients": `requestsPerMinute`, 429 with `Retry-After`).
//
// Every certificate counts (contract "Clients"; issue #12 item 4): a batch of n items or a
// holder-status of n certificates uses n, any other request 1. A request that needs more than
// the client has left gets 429, nothing in it is verified, and it uses none of the allowance;
// a refused request uses none either, so a client that waits exactly `Retry-After` is served
// (the probe of issue #12 item 7 saw four more 429s after waiting it).
//
// Algorithm: the sliding-window counter. Uses are counted per fixed minute; the rate is
// estimated as `previous × (share of the previous minute still inside the sliding window) +
// current`. This avoids the fixed window's double burst at minute boundaries and needs only
// two counters per key, which makes it cheap to share: one Redis script (check and add in one
// atomic step), or the cluster primary over IPC, so several processes or pods enforce one limit.
//
// When the shared store fails (Redis down), requests are let through and the failure is
// reported (`onStoreError`): the limit is an anti-abuse control, and a border post must not
// stop because a cache is down. The concurrency cap still protects the process.
import type { NextFunction, Request, Response } from 'express';
import { createClient } from 'redis';
import { clientOf } from './auth.js';
import { HttpProblem } from './problems.js';

export const WINDOW_MS = 60_000;

export interface WindowCounts {
  /** Uses in the current fixed window. */
  current: number;
  /** Uses in the window before. */
  previous: number;
}

export interface TakeRequest {
  /** Uses wanted; ≤ 0 gives uses back (always allowed). */
  cost: number;
  limit: number;
  windowMs: number;
  nowMs: number;
  /** false: only judge (nothing is added). */
  commit: boolean;
}

export interface RateLimitStore {
  /** Atomically: allowed when the estimate plus `cost` stays within `limit`; only then is `cost` added. */
  take(key: string, request: TakeRequest): Promise<Verdict>;
  close?(): Promise<void>;
}

export interface Verdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the same request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/** Floating-point slack, so that waiting exactly Retry-After is always enough. */
const EPSILON = 1e-9;

/**
 * The verdict on a request of `cost` uses given the counts before it. The wait is exact: the
 * earliest moment the estimate has decayed enough for this cost, rounded up to a second.
 */
export function judge(counts: WindowCounts, cost: number, limit: number, windowMs: number, nowMs: number): Verdict {
  const elapsed = nowMs - Math.floor(nowMs / windowMs) * windowMs;
  const estimate = counts.previous * (1 - elapsed / windowMs) + counts.current;
  if (cost <= 0 || estimate + cost <= limit + EPSILON) {
    return { allowed: true, limit, remaining: Math.max(0, Math.floor(limit - estimate - Math.max(cost, 0) + EPSILON)), retryAfterSeconds: 0 };
  }
  let waitMs: number;
  if (cost > limit) {
    waitMs = windowMs; // never within one minute: the request is larger than the limit
  } else if (counts.current + cost <= limit + EPSILON && counts.previous > 0) {
    // Within this window, once previous × (1 − e/W) + current + cost ≤ limit.
    waitMs = windowMs * (1 - (limit - counts.current - cost) / counts.previous) - elapsed;
  } else {
    // In the next window this window's uses become `previous`: current × (1 − f/W) + cost ≤ limit.
    const f = counts.current + cost <= limit ? 0 : windowMs * (1 - (limit - cost) / counts.current);
    waitMs = windowMs - elapsed + f;
  }
  return { allowed: false, limit, remaining: Math.max(0, Math.floor(limit - estimate + EPSILON)), retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000 - EPSILON)) };
}

/** Counters in this process: right for one process (and the cluster primary, over IPC). */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #counters = new Map<string, { window: number; current: number; previous: number }>();

  take(key: string, request: TakeRequest): Promise<Verdict> {
    return Promise.resolve(this.takeSync(key, request));
  }

  takeSync(key: string, r: TakeRequest): Verdict {
    const window = Math.floor(r.nowMs / r.windowMs);
    const c = this.#counters.get(key);
    let counts: { window: number; current: number; previous: number };
    if (!c || c.window < window - 1) counts = { window, current: 0, previous: 0 };
    else if (c.window === window - 1) counts = { window, current: 0, previous: c.current };
    else counts = c; // this window (or the clock went back: keep counting in the newer window)
    const verdict = judge(counts, r.cost, r.limit, r.windowMs, r.nowMs);
    if (verdict.allowed && r.commit && r.cost !== 0) {
      this.#counters.set(key, { window: counts.window, current: Math.max(0, counts.current + r.cost), previous: counts.previous });
      if (this.#counters.size > 100_000) this.#sweep(window);
    }
    return verdict;
  }

  /** Keys are client ids and client addresses; a flood of addresses must not grow the map without end. */
  #sweep(window: number): void {
    for (const [k, v] of this.#counters) if (v.window < window - 1) this.#counters.delete(k);
  }
}

type RedisClient = ReturnType<typeof createClient>;

export interface RedisStoreOptions {
  /** Key prefix, so several services can share one Redis. */
  prefix?: string;
  /** A Redis answer slower than this counts as a store failure. */
  timeoutMs?: number;
}

// Check and add in one step (a Redis script runs atomically): KEYS = current, previous window;
// ARGV = cost, limit, weight of the previous window, commit (1/0), expiry in ms. Returns
// {allowed, current, previous} as they were before this request.
const TAKE_SCRIPT = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local cost = tonumber(ARGV[1])
local allowed = 0
if cost <= 0 or prev * tonumber(ARGV[3]) + cur + cost <= tonumber(ARGV[2]) + 1e-9 then
  allowed = 1
  if ARGV[4] == '1' and cost ~= 0 then
    local n = redis.call('INCRBY', KEYS[1], cost)
    if n < 0 then redis.call('SET', KEYS[1], 0) end
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
  end
end
return {allowed, cur, prev}
`;

/** Counters in Redis, shared by every process and pod that uses the same REDIS_URL. */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  private constructor(client: RedisClient, opts: RedisStoreOptions) {
    this.#client = client;
    this.#prefix = opts.prefix ?? 'lintas:rl:';
    this.#timeoutMs = opts.timeoutMs ?? 250;
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

  async take(key: string, r: TakeRequest): Promise<Verdict> {
    const window = Math.floor(r.nowMs / r.windowMs);
    const elapsed = r.nowMs - window * r.windowMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis answered slower than ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      const reply = await Promise.race([
        this.#client.eval(TAKE_SCRIPT, {
          keys: [`${this.#prefix}${key}:${window}`, `${this.#prefix}${key}:${window - 1}`],
          arguments: [String(r.cost), String(r.limit), String(1 - elapsed / r.windowMs), r.commit ? '1' : '0', String(r.windowMs * 2)],
        }),
        timeout,
      ]);
      if (!Array.isArray(reply) || reply.length !== 3) throw new Error('unexpected redis reply');
      const [allowed, current, previous] = reply.map(Number) as [number, number, number];
      if (![allowed, current, previous].every(Number.isFinite)) throw new Error('unexpected redis reply');
      // The script decided atomically; the verdict's numbers are worked out from the same counts.
      const verdict = judge({ current, previous }, r.cost, r.limit, r.windowMs, r.nowMs);
      return allowed === 1 ? { ...verdict, allowed: true, retryAfterSeconds: 0 } : verdict.allowed ? { ...verdict, allowed: false, retryAfterSeconds: 1 } : verdict;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.#client.isOpen) return;
    // A graceful close waits for a connection that may never come back: only when ready.
    if (this.#client.isReady) await this.#client.close();
    else this.#client.destroy();
  }
}

export interface LimiterOptions {
  store: RateLimitStore;
  /** The edge's clock in milliseconds. */
  nowMs: () => number;
  windowMs?: number;
  onStoreError?: (err: unknown) => void;
}

export interface Charge {
  /** Gives the uses back (the service, not the client, failed the request). */
  refund(): Promise<void>;
}

const NO_CHARGE: Charge = { refund: () => Promise.resolve() };

/** The rate of the authenticated client (open mode has no client and no per-client limit). */
export interface ClientLimiter {
  /** Middleware, before the body is read: 429 when not even one use is left (nothing is taken). */
  admit(req: Request, res: Response, next: NextFunction): Promise<void>;
  /** Takes `cost` uses, all or none: 429 when they are more than the client has left. */
  charge(res: Response, cost: number): Promise<Charge>;
}

export function clientLimiter(opts: LimiterOptions): ClientLimiter {
  const windowMs = opts.windowMs ?? WINDOW_MS;
  const take = async (res: Response, cost: number, commit: boolean): Promise<boolean> => {
    const client = clientOf(res);
    if (!client) return false;
    const nowMs = opts.nowMs();
    let verdict: Verdict;
    try {
      verdict = await opts.store.take(client.id, { cost, limit: client.requestsPerMinute, windowMs, nowMs, commit });
    } catch (err) {
      opts.onStoreError?.(err);
      return false;
    }
    res.setHeader('RateLimit-Limit', String(verdict.limit));
    res.setHeader('RateLimit-Remaining', String(verdict.remaining));
    if (!verdict.allowed) {
      const detail =
        cost > client.requestsPerMinute
          ? `the request carries ${cost} certificates, more than the ${client.requestsPerMinute} per minute of this client; split it`
          : `over ${client.requestsPerMinute} certificates per minute`;
      throw new HttpProblem('RATE_LIMITED', detail, { retryAfter: verdict.retryAfterSeconds, extra: { retryAfter: verdict.retryAfterSeconds } });
    }
    return true;
  };
  return {
    async admit(_req, res, next) {
      await take(res, 1, false);
      next();
    },
    async charge(res, cost) {
      if (!(await take(res, cost, true))) return NO_CHARGE;
      const client = clientOf(res)!;
      return {
        refund: async () => {
          try {
            await opts.store.take(client.id, { cost: -cost, limit: client.requestsPerMinute, windowMs, nowMs: opts.nowMs(), commit: true });
          } catch (err) {
            opts.onStoreError?.(err);
          }
        },
      };
    },
  };
}

export interface AddressLimiterOptions {
  store: RateLimitStore;
  nowMs: () => number;
  /** Failed authentications per address per minute before 429. */
  limit: number;
  windowMs?: number;
  onStoreError?: (err: unknown) => void;
}

/** Failed authentications per client address (issue #12 item 7: 1,000 wrong keys in 1.7 s, all 401). */
export interface FailureLimiter {
  /** 429 when the address used up its failures (checked before any credential is looked at). */
  check(req: Request): Promise<void>;
  /** Counts one failure of the address. */
  failed(req: Request): Promise<void>;
}

export function addressOf(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

export function failureLimiter(opts: AddressLimiterOptions): FailureLimiter {
  const windowMs = opts.windowMs ?? WINDOW_MS;
  const key = (req: Request) => `auth-failures:${addressOf(req)}`;
  const take = async (req: Request, commit: boolean): Promise<Verdict | undefined> => {
    try {
      return await opts.store.take(key(req), { cost: 1, limit: opts.limit, windowMs, nowMs: opts.nowMs(), commit });
    } catch (err) {
      opts.onStoreError?.(err);
      return undefined;
    }
  };
  return {
    async check(req) {
      const verdict = await take(req, false);
      if (verdict && !verdict.allowed) {
        throw new HttpProblem('RATE_LIMITED', `over ${opts.limit} failed authentications per minute from this address`, {
          retryAfter: verdict.retryAfterSeconds,
          extra: { retryAfter: verdict.retryAfterSeconds },
        });
      }
    },
    async failed(req) {
      await take(req, true);
    },
  };
}
