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
import { clientOf, type Client } from './auth.js';
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

/** One take of a list: a key and what is asked of it. */
export interface KeyedTake {
  key: string;
  take: TakeRequest;
}

export interface RateLimitStore {
  /** Atomically: allowed when the estimate plus `cost` stays within `limit`; only then is `cost` added. */
  take(key: string, request: TakeRequest): Promise<Verdict>;
  /**
   * Several takes in order, in one round trip where the store is remote (the cluster primary):
   * the first refusal ends the list, so nothing after it is judged or added. A request's
   * address check and its client's use go together this way (issue #12 item 2).
   */
  takeAll(items: readonly KeyedTake[]): Promise<Verdict[]>;
  close?(): Promise<void>;
}

/** `takeAll` for a store without a batched form: one take after another. */
async function takeEach(store: Pick<RateLimitStore, 'take'>, items: readonly KeyedTake[]): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const { key, take } of items) {
    const verdict = await store.take(key, take);
    verdicts.push(verdict);
    if (!verdict.allowed) break;
  }
  return verdicts;
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

  takeAll(items: readonly KeyedTake[]): Promise<Verdict[]> {
    return Promise.resolve(this.takeAllSync(items));
  }

  takeAllSync(items: readonly KeyedTake[]): Verdict[] {
    const verdicts: Verdict[] = [];
    for (const { key, take } of items) {
      const verdict = this.takeSync(key, take);
      verdicts.push(verdict);
      if (!verdict.allowed) break;
    }
    return verdicts;
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

  takeAll(items: readonly KeyedTake[]): Promise<Verdict[]> {
    return takeEach(this, items);
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

/**
 * A check of the request's address that authentication left for the request's first trip to
 * the store (FailureLimiter.defer), with the problem to answer when the address is refused.
 */
interface DeferredCheck {
  item: KeyedTake;
  refusal(verdict: Verdict): HttpProblem;
}

const DEFERRED = 'addressCheck';
/** res.locals: uses of the client's allowance taken at admission and not yet spent by `charge`. */
const HELD = 'heldUses';

/** The uses a request holds, now handed over (to `charge`, or back to the store by `settle`). */
function releaseHeld(res: Response): number {
  const uses = (res.locals[HELD] as number | undefined) ?? 0;
  res.locals[HELD] = 0;
  return uses;
}

/** The rate of the authenticated client (open mode has no client and no per-client limit). */
export interface ClientLimiter {
  /**
   * Middleware, before the body is read: one use is taken now (429 when none is left, and then
   * nothing is), so a single verification needs one trip to the store, not two (issue #12
   * item 2). The use is the request's first certificate; `charge` takes the rest, and a request
   * that ends without being verified gets it back (`settle`).
   */
  admit(req: Request, res: Response, next: NextFunction): Promise<void>;
  /** Takes `cost` uses in all (less what admission took), all or none: 429 when they are more than the client has left. */
  charge(res: Response, cost: number): Promise<Charge>;
  /**
   * Before any problem is answered: a deferred address check is made (an address over its
   * failed authentications gets 429 even with a valid key, whatever else went wrong), and uses
   * taken at admission for a request that was not verified go back. Returns the problem to answer instead, if any.
   */
  settle(res: Response): Promise<HttpProblem | undefined>;
}

function rateLimited(detail: string, verdict: Verdict): HttpProblem {
  return new HttpProblem('RATE_LIMITED', detail, { retryAfter: verdict.retryAfterSeconds, extra: { retryAfter: verdict.retryAfterSeconds } });
}

export function clientLimiter(opts: LimiterOptions): ClientLimiter {
  const windowMs = opts.windowMs ?? WINDOW_MS;
  const giveBack = async (client: Client, uses: number): Promise<void> => {
    try {
      await opts.store.take(client.id, { cost: -uses, limit: client.requestsPerMinute, windowMs, nowMs: opts.nowMs(), commit: true });
    } catch (err) {
      opts.onStoreError?.(err);
    }
  };
  /** Takes `cost` uses of the client (with a deferred address check first); false when the store failed (let through). */
  const take = async (res: Response, cost: number): Promise<boolean> => {
    const client = clientOf(res);
    const deferred = res.locals[DEFERRED] as DeferredCheck | undefined;
    const items: KeyedTake[] = deferred ? [deferred.item] : [];
    if (client && cost > 0) items.push({ key: client.id, take: { cost, limit: client.requestsPerMinute, windowMs, nowMs: opts.nowMs(), commit: true } });
    if (items.length === 0) return false;
    res.locals[DEFERRED] = undefined;
    let verdicts: Verdict[];
    try {
      verdicts = await opts.store.takeAll(items);
    } catch (err) {
      opts.onStoreError?.(err);
      return false;
    }
    if (deferred && !verdicts[0]!.allowed) throw deferred.refusal(verdicts[0]!);
    const verdict = verdicts[deferred ? 1 : 0];
    if (!client || !verdict) return false;
    res.setHeader('RateLimit-Limit', String(verdict.limit));
    res.setHeader('RateLimit-Remaining', String(verdict.remaining));
    if (!verdict.allowed) {
      throw rateLimited(
        cost > client.requestsPerMinute
          ? `the request carries ${cost} certificates, more than the ${client.requestsPerMinute} per minute of this client; split it`
          : `over ${client.requestsPerMinute} certificates per minute`,
        verdict,
      );
    }
    return true;
  };
  return {
    async admit(_req, res, next) {
      if (await take(res, 1)) res.locals[HELD] = 1;
      next();
    },
    async charge(res, cost) {
      const admitted = releaseHeld(res);
      const client = clientOf(res);
      if (!client) return NO_CHARGE;
      let taken = admitted;
      if (cost > admitted) {
        try {
          if (await take(res, cost - admitted)) taken = cost;
        } catch (err) {
          // All or none: the use taken at admission goes back with the refusal.
          if (admitted > 0) await giveBack(client, admitted);
          throw err;
        }
      }
      return taken === 0 ? NO_CHARGE : { refund: () => giveBack(client, taken) };
    },
    async settle(res) {
      const held = releaseHeld(res);
      const client = clientOf(res);
      if (held > 0 && client) await giveBack(client, held);
      if (!res.locals[DEFERRED]) return undefined;
      try {
        await take(res, 0);
      } catch (err) {
        if (err instanceof HttpProblem) return err;
        throw err;
      }
      return undefined;
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
  /**
   * Counts one failure of the address: 429 instead when it has used up its failures (then the
   * failure is not counted, like every refused request).
   */
  failed(req: Request): Promise<void>;
  /**
   * A valid credential: the address is still checked, but on the request's first trip to the
   * store (the client's admission), so a verification costs one round trip, not two; any
   * answer before that trip makes the check first (ClientLimiter.settle).
   */
  defer(req: Request, res: Response): void;
}

export function addressOf(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

export function failureLimiter(opts: AddressLimiterOptions): FailureLimiter {
  const windowMs = opts.windowMs ?? WINDOW_MS;
  const key = (req: Request) => `auth-failures:${addressOf(req)}`;
  const refusal = (verdict: Verdict) => rateLimited(`over ${opts.limit} failed authentications per minute from this address`, verdict);
  return {
    async failed(req) {
      let verdict: Verdict;
      try {
        verdict = await opts.store.take(key(req), { cost: 1, limit: opts.limit, windowMs, nowMs: opts.nowMs(), commit: true });
      } catch (err) {
        opts.onStoreError?.(err);
        return;
      }
      if (!verdict.allowed) throw refusal(verdict);
    },
    defer(req, res) {
      const check: DeferredCheck = { item: { key: key(req), take: { cost: 1, limit: opts.limit, windowMs, nowMs: opts.nowMs(), commit: false } }, refusal };
      res.locals[DEFERRED] = check;
    },
  };
}
