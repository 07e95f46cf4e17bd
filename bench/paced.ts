// An open-loop load generator: requests leave on an even schedule (not in bursts), and each
// latency is measured from the moment the request was due, not when it was sent, so a
// stalled server cannot hide its queue (no coordinated omission; the wrk2 approach).
// autocannon's `overallRate` sends each second's quota at the start of the second, which
// measures burst queueing rather than the latency of a steady stream.
//
// Every answer is also counted by status and problem code ("503 OVERLOADED", "422 NO_QR_FOUND",
// "error ECONNRESET", "timeout"), so a bench can tell a shed request from a fault.
import http from 'node:http';

export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Send the body without Content-Length (Transfer-Encoding: chunked), in 64 KB chunks. */
  chunked?: boolean;
}

export interface PacedResult {
  total: number;
  /** Answers with status 200 exactly (the only legitimate answer of /v1/verify). */
  status200: number;
  status2xx: number;
  status4xx: number;
  status5xx: number;
  errors: number;
  timeouts: number;
  /**
   * Requests sent again once, on a new connection, after the server closed the idle keep-alive
   * connection they had just been written to (ECONNRESET on a reused socket, before any answer).
   * Node's docs (http `request.reusedSocket`) describe this race between a client's reuse and
   * the server's keepAliveTimeout and prescribe the retry; fetch (undici) avoids it by expiring
   * sockets before the server's `Keep-Alive: timeout` hint. The latency still counts from the
   * moment the request was due, so the retry's cost is in the figures.
   */
  keepAliveRetries: number;
  /**
   * The requests slower than `slowMs` (at most MAX_SLOW of them): when each was due (ms from the
   * start of the stream), its latency, and which of `requests` it was; so a bench can tell a
   * burst of slow answers (one stall) from a steady share, and which request kinds they were.
   */
  slow: { atMs: number; ms: number; request: number }[];
  /** "200", "413 BODY_TOO_LARGE", "503 OVERLOADED", "error ECONNRESET", "timeout" → count. */
  byStatus: Record<string, number>;
  /** The same keys → the longest latency of that answer, ms. */
  maxByStatus: Record<string, number>;
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface PacedOptions {
  rps: number;
  seconds: number;
  /** Open sockets per client address (default 64). */
  sockets?: number;
  timeoutMs?: number;
  /** Latency above which a request is listed in `slow` (default: none listed). */
  slowMs?: number;
  /**
   * Client addresses to send from, in turn (Linux accepts any 127.0.0.0/8 address as a local
   * address). Default: the system's choice (127.0.0.1 towards a 127.0.0.1 server).
   */
  localAddresses?: readonly string[];
}

/** Bound of PacedResult.slow: a stream that is all slow lists its first 50,000. */
const MAX_SLOW = 50_000;

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The `code` of a problem document, or '' (small bodies only: problems are < 1 KB). */
function problemCode(text: string): string {
  try {
    const doc = JSON.parse(text) as { code?: unknown };
    return typeof doc.code === 'string' ? doc.code : '';
  } catch {
    return '';
  }
}

export async function paced(base: string, requests: readonly PacedRequest[], opts: PacedOptions): Promise<PacedResult> {
  const url = new URL(base);
  // One agent; its pool is per (host, port, localAddress), so `sockets` bounds each address.
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.sockets ?? 64 });
  const prepared = requests.map((r) => ({ ...r, body: r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body) }));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const addresses = opts.localAddresses ?? [];
  const latencies: number[] = [];
  const slow: PacedResult['slow'] = [];
  const slowMs = opts.slowMs ?? Infinity;
  const result = { total: 0, status200: 0, status2xx: 0, status4xx: 0, status5xx: 0, errors: 0, timeouts: 0, keepAliveRetries: 0 };
  const byStatus: Record<string, number> = {};
  const maxByStatus: Record<string, number> = {};
  let inFlight = 0;
  let next = 0;

  const send = (due: number) => {
    const n = next++;
    inFlight++;
    attempt(n, due, false);
  };

  const attempt = (n: number, due: number, retried: boolean) => {
    const r = prepared[n % prepared.length]!;
    let settled = false;
    let answered = false;
    // Exactly once per request: a response that ends and a socket error after it (the server
    // closing a refused upload) must not count twice.
    const done = (status: number | 'error' | 'timeout', detail = '') => {
      if (settled) return;
      settled = true;
      inFlight--;
      result.total++;
      const latency = performance.now() - due;
      latencies.push(latency);
      if (latency > slowMs && slow.length < MAX_SLOW) slow.push({ atMs: Math.round(due - start), ms: latency, request: n % prepared.length });
      const key = status === 'error' ? `error ${detail}` : status === 'timeout' ? 'timeout' : detail ? `${status} ${detail}` : String(status);
      byStatus[key] = (byStatus[key] ?? 0) + 1;
      maxByStatus[key] = Math.max(maxByStatus[key] ?? 0, Math.round(latency));
      if (status === 'error') result.errors++;
      else if (status === 'timeout') result.timeouts++;
      else {
        if (status === 200) result.status200++;
        if (status < 300) result.status2xx++;
        else if (status < 500) result.status4xx++;
        else result.status5xx++;
      }
    };
    const localAddress = addresses.length > 0 ? addresses[n % addresses.length] : undefined;
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        agent,
        ...(localAddress ? { localAddress } : {}),
        headers: { ...r.headers, ...(r.body && !r.chunked ? { 'content-length': String(r.body.length) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        answered = true;
        const status = res.statusCode ?? 0;
        if (status < 300) {
          res.resume();
          res.on('end', () => done(status));
        } else {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if ((size += c.length) <= 4096) chunks.push(c);
          });
          res.on('end', () => done(status, problemCode(Buffer.concat(chunks).toString('utf8'))));
        }
        res.on('error', (err: NodeJS.ErrnoException) => done('error', err.code ?? err.message));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      done('timeout');
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!settled && !answered && !retried && req.reusedSocket && err.code === 'ECONNRESET') {
        settled = true;
        result.keepAliveRetries++;
        attempt(n, due, true);
        return;
      }
      done('error', err.code ?? err.message);
    });
    if (r.body && r.chunked) {
      for (let i = 0; i < r.body.length; i += 64 * 1024) req.write(r.body.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(r.body);
  };

  const start = performance.now();
  const end = start + (opts.rps > 0 ? opts.seconds * 1000 : 0); // rps 0: the stream is off
  const interval = 1000 / opts.rps;
  let due = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (due <= now && due < end) {
        send(due);
        due += interval;
      }
      if (due >= end) resolve();
      else setTimeout(tick, Math.max(0, Math.min(2, due - performance.now())));
    };
    tick();
  });
  // Bounded: every request settles by its own timeout at the latest.
  const drainUntil = performance.now() + timeoutMs + 5_000;
  while (inFlight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    ...result,
    slow,
    byStatus,
    maxByStatus,
    rate: Math.round(result.total / opts.seconds),
    p50: round(percentile(latencies, 0.5)),
    p90: round(percentile(latencies, 0.9)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies.at(-1) ?? 0),
  };
}
