// Several processes on one machine (WORKERS): node:cluster forks one HTTP worker per core; the
// workers share the listening socket. The primary serves no HTTP. It:
// - restarts a worker that dies (with a pause, so a crash loop does not spin);
// - on shut-down, asks every worker to drain and exits when they have;
// - holds the per-client rate-limit counters when there is no Redis, so the limit is the
//   same with one worker or many (workers ask it over IPC: `IpcRateLimitStore`);
// - aggregates /metrics of all workers (prom-client's AggregatorRegistry), so a scrape that
//   lands on any worker sees the whole process group.
//
// - runs the trust refresher: the only process of the instance that downloads lists and writes
//   DATA_DIR/trust-snapshots; each new snapshot goes to every worker (src/trust/transfer.ts),
//   and an admin refresh or accept-held that a worker receives is done here and answered only
//   once every worker has installed the result (contract "One instance, one trust state").
//
// Each worker writes its own audit file (`worker-<slot>.jsonl`): a hash chain needs one
// writer. The slot (0…N−1) survives restarts, so a restarted worker continues its chain.
import cluster, { type Worker } from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { MemoryRateLimitStore, type KeyedTake, type RateLimitStore, type TakeRequest, type Verdict } from './http/rate-limit.js';
import type { TrustAdmin } from './http/admin.js';
import type { TrustRefresher } from './trust/refresher.js';
import { TrustStore, type TrustSnapshot } from './trust/store.js';
import { decodeSnapshot, encodeSnapshot, type SnapshotWire } from './trust/transfer.js';
import type { SourceStatus } from './trust/types.js';

/** The IPC side of a process: `process` in a worker. */
export interface Channel {
  send?: (message: unknown) => boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

type Request =
  | { lintas: 'rl'; id: number; batch: KeyedTake[][] }
  | { lintas: 'metrics'; id: number }
  | { lintas: 'trust-join'; id: number }
  | { lintas: 'trust-refresh'; id: number }
  | { lintas: 'trust-accept-held'; id: number; source: string };
type Reply =
  | { lintas: 'rl'; id: number; verdicts: Verdict[][] }
  | { lintas: 'metrics'; id: number; text?: string; contentType?: string; error?: string }
  | { lintas: 'trust-join'; id: number; sources: string[]; seq: number; snapshot: SnapshotWire }
  | { lintas: 'trust-refresh'; id: number; error?: string }
  | { lintas: 'trust-accept-held'; id: number; status?: SourceStatus; error?: string };
/** Primary → worker, unasked: a new snapshot; worker → primary: it is installed. */
type TrustPush = { lintas: 'trust-snapshot'; seq: number; snapshot: SnapshotWire };
type TrustInstalled = { lintas: 'trust-installed'; seq: number; snapshot: string };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

const isReply = (m: unknown): m is Reply => typeof m === 'object' && m !== null && 'lintas' in m && 'id' in m;

/** Worker side: requests to the primary, answered by id, with a timeout. */
export class PrimaryLink {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly channel: Channel, private readonly timeoutMs = 1_000) {
    channel.on('message', (m) => {
      if (!isReply(m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m);
    });
  }

  /** `timeoutMs`: longer for work the primary does first (a trust refresh downloads lists). */
  ask(request: WithoutId<Request>, timeoutMs = this.timeoutMs): Promise<Reply> {
    const id = this.next++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      if (!this.channel.send?.({ ...request, id })) {
        // send() returning false only means back-pressure; a missing channel is an error.
        if (!this.channel.send) reject(new Error('no IPC channel'));
      }
    });
  }
}

/**
 * Rate-limit counters held by the cluster primary. The takes of every request that reaches its
 * admission in one turn of the event loop go in one message and come back in one reply: under
 * load a worker admits several requests per turn, and each message is a write, a wake-up of
 * the primary and a read on both sides (issue #12 item 2).
 */
export class IpcRateLimitStore implements RateLimitStore {
  #batch: { takes: KeyedTake[]; resolve: (v: Verdict[]) => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly link: PrimaryLink) {}

  async take(key: string, take: TakeRequest): Promise<Verdict> {
    const [verdict] = await this.takeAll([{ key, take }]);
    if (!verdict) throw new Error('unexpected reply');
    return verdict;
  }

  takeAll(takes: readonly KeyedTake[]): Promise<Verdict[]> {
    return new Promise((resolve, reject) => {
      if (this.#batch.push({ takes: [...takes], resolve, reject }) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#batch;
    this.#batch = [];
    const fail = (err: Error) => batch.forEach((b) => b.reject(err));
    this.link.ask({ lintas: 'rl', batch: batch.map((b) => b.takes) }).then(
      (reply) => {
        if (reply.lintas !== 'rl' || reply.verdicts.length !== batch.length) return fail(new Error('unexpected reply'));
        batch.forEach((b, i) => b.resolve(reply.verdicts[i]!));
      },
      (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
    );
  }
}

/** /metrics of the whole group, collected by the primary. */
export function clusterMetrics(link: PrimaryLink): () => Promise<{ text: string; contentType: string }> {
  return async () => {
    const reply = await link.ask({ lintas: 'metrics' });
    if (reply.lintas !== 'metrics' || reply.text === undefined) throw new Error(reply.lintas === 'metrics' ? reply.error ?? 'no metrics' : 'unexpected reply');
    return { text: reply.text, contentType: reply.contentType ?? 'text/plain' };
  };
}

/** How long an admin trust action may take in the primary (downloads, then every worker installs). */
const TRUST_ACTION_TIMEOUT_MS = 120_000;
/** How long the primary waits for every worker to install a snapshot before an admin action answers. */
const INSTALL_WAIT_MS = 10_000;

/**
 * In a worker: the trust state of the instance, run by the primary. The store holds the
 * snapshot the primary sent last; admin actions are asked of the primary, which answers once
 * every worker (this one included) has installed their result.
 */
export class PrimaryTrust implements TrustAdmin {
  readonly store: TrustStore;
  readonly #link: PrimaryLink;
  readonly #sources: readonly string[];
  #seq: number;

  private constructor(link: PrimaryLink, channel: Channel, joined: Extract<Reply, { lintas: 'trust-join' }>, onInstall?: (snapshot: TrustSnapshot, ms: number) => void) {
    this.#link = link;
    this.store = new TrustStore(decodeSnapshot(joined.snapshot));
    this.#sources = joined.sources;
    this.#seq = joined.seq;
    channel.on('message', (m) => {
      const push = m as TrustPush;
      if (typeof m !== 'object' || m === null || push.lintas !== 'trust-snapshot') return;
      // A push older than what this worker joined with (sent while it was joining) is skipped.
      if (push.seq > this.#seq) {
        const started = performance.now();
        this.store.swap(decodeSnapshot(push.snapshot, this.store.current()));
        this.#seq = push.seq;
        onInstall?.(this.store.current(), performance.now() - started);
      }
      channel.send?.({ lintas: 'trust-installed', seq: push.seq, snapshot: this.store.current().id } satisfies TrustInstalled);
    });
  }

  /** Asks the primary for the snapshot in force; resolves once it is installed here. */
  static async join(link: PrimaryLink, channel: Channel, onInstall?: (snapshot: TrustSnapshot, ms: number) => void): Promise<PrimaryTrust> {
    const reply = await link.ask({ lintas: 'trust-join' }, TRUST_ACTION_TIMEOUT_MS);
    if (reply.lintas !== 'trust-join') throw new Error('unexpected reply');
    return new PrimaryTrust(link, channel, reply, onInstall);
  }

  async refresh(): Promise<void> {
    const reply = await this.#link.ask({ lintas: 'trust-refresh' }, TRUST_ACTION_TIMEOUT_MS);
    if (reply.lintas !== 'trust-refresh' || reply.error) throw new Error(reply.lintas === 'trust-refresh' ? reply.error : 'unexpected reply');
  }

  knows(id: string): boolean {
    return this.#sources.includes(id);
  }

  held(id: string): boolean {
    return Boolean(this.store.held(id));
  }

  async acceptHeld(id: string): Promise<SourceStatus> {
    const reply = await this.#link.ask({ lintas: 'trust-accept-held', source: id }, TRUST_ACTION_TIMEOUT_MS);
    if (reply.lintas !== 'trust-accept-held' || !reply.status) throw new Error(reply.lintas === 'trust-accept-held' ? reply.error ?? 'refused' : 'unexpected reply');
    return reply.status;
  }
}

/** In a worker: lets the primary's AggregatorRegistry read this worker's registry. */
export function exposeWorkerRegistry(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's requests only once an AggregatorRegistry exists here.
  void new AggregatorRegistry();
}

/**
 * The malloc setting every worker starts with, unless the operator set GLIBC_TUNABLES. glibc
 * raises its mmap threshold each time a large mmap'd block is freed (up to 32 MB); after that,
 * multi-megabyte buffers (image bodies, decoded pixels: src/qr) come from malloc arenas, which
 * keep the memory once it is freed, so a worker's RSS ratchets up with every burst of images.
 * Held at its starting value, 128 KiB, large buffers stay mmap'd and go back to the system when
 * freed (`npm run bench:load`, README "Performance"). A C library other than glibc ignores it.
 */
export const WORKER_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072';

/** The environment a worker is forked with, over the primary's own (cluster.fork merges the two). */
export function workerEnv(slot: number, extra: Record<string, string> = {}, inherited: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { ...(inherited['GLIBC_TUNABLES'] === undefined ? { GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES } : {}), ...extra, WORKER_SLOT: String(slot) };
}

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** Extra environment for each worker (its slot is added as WORKER_SLOT). */
  env?: Record<string, string>;
  /** Pause before restarting a worker that died. */
  restartDelayMs?: number;
  /** The instance's one trust refresher (opened by the primary before it forks). */
  trust?: TrustRefresher;
}

export interface Primary {
  /** Asks every worker to drain (SIGTERM) and resolves when all have exited. */
  stop(graceMs: number): Promise<void>;
  workers(): Worker[];
  /**
   * Sends the refresher's snapshot in force to every worker that joined, unless it was sent
   * already (the refresher's onChange calls this); resolves when all have installed it.
   */
  publishTrust(): Promise<void>;
}

export function runPrimary(opts: PrimaryOptions): Primary {
  const store = new MemoryRateLimitStore();
  const aggregator = new AggregatorRegistry();
  const slots = new Map<number, number>(); // worker id → slot
  let stopping = false;

  // Trust: the snapshot last sent, its sequence number, and what each joined worker installed.
  const trust = opts.trust;
  let sent: TrustSnapshot | undefined;
  let wire: SnapshotWire | undefined;
  let seq = 0;
  const installed = new Map<number, number>(); // worker id → seq installed
  const waiters = new Set<{ seq: number; done: () => void }>();
  const settle = () => {
    const live = [...installed.keys()].filter((id) => cluster.workers?.[id] && !cluster.workers[id]!.isDead());
    for (const w of waiters) {
      if (live.every((id) => (installed.get(id) ?? 0) >= w.seq)) {
        waiters.delete(w);
        w.done();
      }
    }
  };
  const currentWire = (): SnapshotWire => {
    const snap = trust!.store.current();
    if (snap !== sent) {
      const started = performance.now();
      wire = encodeSnapshot(snap);
      sent = snap;
      seq++;
      opts.logger.debug({ snapshot: snap.id, ms: Math.round((performance.now() - started) * 10) / 10 }, 'trust snapshot encoded for the workers');
    }
    return wire!;
  };
  const publishTrust = (): Promise<void> => {
    if (!trust) return Promise.resolve();
    const before = seq;
    const snapshot = currentWire();
    if (seq !== before) {
      for (const id of installed.keys()) cluster.workers?.[id]?.send({ lintas: 'trust-snapshot', seq, snapshot } satisfies TrustPush);
    }
    const target = seq;
    return new Promise<void>((resolve) => {
      const waiter = {
        seq: target,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        if (!waiters.delete(waiter)) return;
        opts.logger.warn({ seq: target }, 'not every worker confirmed the new trust snapshot in time');
        resolve();
      }, INSTALL_WAIT_MS);
      timer.unref();
      waiters.add(waiter);
      settle();
    });
  };
  const trustAction = async (worker: Worker, m: Extract<Request, { lintas: 'trust-refresh' | 'trust-accept-held' }>) => {
    try {
      if (!trust) throw new Error('this instance has no trust refresher');
      if (m.lintas === 'trust-refresh') {
        await trust.refresh();
        await publishTrust();
        worker.send({ lintas: 'trust-refresh', id: m.id } satisfies Reply);
      } else {
        const status = await trust.acceptHeld(m.source);
        await publishTrust();
        worker.send({ lintas: 'trust-accept-held', id: m.id, status } satisfies Reply);
      }
    } catch (err) {
      worker.send({ lintas: m.lintas, id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies Reply);
    }
  };

  const fork = (slot: number) => {
    const worker = cluster.fork(workerEnv(slot, opts.env));
    slots.set(worker.id, slot);
    worker.on('message', (m: Request | TrustInstalled) => {
      if (typeof m !== 'object' || m === null || !('lintas' in m)) return;
      if (m.lintas === 'trust-installed') {
        installed.set(worker.id, Math.max(installed.get(worker.id) ?? 0, m.seq));
        if (m.snapshot !== sent?.id && m.seq === seq) opts.logger.warn({ worker: slot, snapshot: m.snapshot }, 'a worker installed another trust snapshot');
        settle();
      } else if (m.lintas === 'trust-join') {
        if (!trust) return;
        const snapshot = currentWire();
        installed.set(worker.id, seq);
        worker.send({ lintas: 'trust-join', id: m.id, sources: trust.definitions().map((d) => d.id), seq, snapshot } satisfies Reply);
      } else if (m.lintas === 'trust-refresh' || m.lintas === 'trust-accept-held') {
        void trustAction(worker, m);
      } else if (m.lintas === 'rl') {
        // Check and add in one step here, so workers never race past a client's limit.
        worker.send({ lintas: 'rl', id: m.id, verdicts: m.batch.map((takes) => store.takeAllSync(takes)) } satisfies Reply);
      } else if (m.lintas === 'metrics') {
        aggregator.clusterMetrics().then(
          (text) => worker.send({ lintas: 'metrics', id: m.id, text, contentType: aggregator.contentType } satisfies Reply),
          (err: unknown) => worker.send({ lintas: 'metrics', id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
        );
      }
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.get(worker.id);
    slots.delete(worker.id);
    installed.delete(worker.id);
    settle();
    if (stopping || slot === undefined) return;
    opts.logger.error({ slot, code, signal }, 'worker died; restarting');
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, opts.restartDelayMs ?? 1_000).unref();
  });

  // Structured clone over IPC: trust snapshots carry Maps, Sets, Dates and bytes.
  cluster.setupPrimary({ serialization: 'advanced' });
  for (let slot = 0; slot < opts.workers; slot++) fork(slot);
  opts.logger.info({ workers: opts.workers }, 'cluster primary started');

  return {
    publishTrust,
    workers: () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w)),
    stop(graceMs: number) {
      stopping = true;
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w) && !w!.isDead());
      return new Promise<void>((resolve) => {
        if (alive.length === 0) return resolve();
        let left = alive.length;
        const force = setTimeout(() => {
          for (const w of alive) if (!w.isDead()) w.process.kill('SIGKILL');
        }, graceMs);
        force.unref();
        for (const w of alive) {
          w.once('exit', () => {
            if (--left === 0) {
              clearTimeout(force);
              resolve();
            }
          });
          w.process.kill('SIGTERM');
        }
      });
    },
  };
}
