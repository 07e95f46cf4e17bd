// Several processes on one machine (WORKERS): node:cluster forks one HTTP worker per core; the
// workers share the listening socket. The primary serves no HTTP. It:
// - restarts a worker that dies (with a pause, so a crash loop does not spin);
// - on shut-down, asks every worker to drain and exits when they have;
// - holds the per-client rate-limit counters when there is no Redis, so the limit is the
//   same with one worker or many (workers ask it over IPC: `IpcRateLimitStore`);
// - aggregates /metrics of all workers (prom-client's AggregatorRegistry), so a scrape that
//   lands on any worker sees the whole process group.
//
// Each worker writes its own audit file (`worker-<slot>.jsonl`): a hash chain needs one
// writer. The slot (0…N−1) survives restarts, so a restarted worker continues its chain.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { MemoryRateLimitStore, type RateLimitStore, type TakeRequest, type Verdict } from './http/rate-limit.js';

/** The IPC side of a process: `process` in a worker. */
export interface Channel {
  send?: (message: unknown) => boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

type Request = { lintas: 'rl'; id: number; key: string; take: TakeRequest } | { lintas: 'metrics'; id: number };
type Reply =
  | { lintas: 'rl'; id: number; verdict: Verdict }
  | { lintas: 'metrics'; id: number; text?: string; contentType?: string; error?: string };

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

  ask(request: WithoutId<Request>): Promise<Reply> {
    const id = this.next++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      if (!this.channel.send?.({ ...request, id })) {
        // send() returning false only means back-pressure; a missing channel is an error.
        if (!this.channel.send) reject(new Error('no IPC channel'));
      }
    });
  }
}

/** Rate-limit counters held by the cluster primary. */
export class IpcRateLimitStore implements RateLimitStore {
  constructor(private readonly link: PrimaryLink) {}

  async take(key: string, take: TakeRequest): Promise<Verdict> {
    const reply = await this.link.ask({ lintas: 'rl', key, take });
    if (reply.lintas !== 'rl') throw new Error('unexpected reply');
    return reply.verdict;
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

/** In a worker: lets the primary's AggregatorRegistry read this worker's registry. */
export function exposeWorkerRegistry(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's requests only once an AggregatorRegistry exists here.
  void new AggregatorRegistry();
}

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** Extra environment for each worker (its slot is added as WORKER_SLOT). */
  env?: Record<string, string>;
  /** Pause before restarting a worker that died. */
  restartDelayMs?: number;
}

export interface Primary {
  /** Asks every worker to drain (SIGTERM) and resolves when all have exited. */
  stop(graceMs: number): Promise<void>;
  workers(): Worker[];
}

export function runPrimary(opts: PrimaryOptions): Primary {
  const store = new MemoryRateLimitStore();
  const aggregator = new AggregatorRegistry();
  const slots = new Map<number, number>(); // worker id → slot
  let stopping = false;

  const fork = (slot: number) => {
    const worker = cluster.fork({ ...opts.env, WORKER_SLOT: String(slot) });
    slots.set(worker.id, slot);
    worker.on('message', (m: Request) => {
      if (typeof m !== 'object' || m === null || !('lintas' in m)) return;
      if (m.lintas === 'rl') {
        // Check and add in one step here, so workers never race past a client's limit.
        const verdict = store.takeSync(m.key, m.take);
        worker.send({ lintas: 'rl', id: m.id, verdict } satisfies Reply);
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
    if (stopping || slot === undefined) return;
    opts.logger.error({ slot, code, signal }, 'worker died; restarting');
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, opts.restartDelayMs ?? 1_000).unref();
  });

  for (let slot = 0; slot < opts.workers; slot++) fork(slot);
  opts.logger.info({ workers: opts.workers }, 'cluster primary started');

  return {
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
