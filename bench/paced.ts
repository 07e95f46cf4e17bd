// An open-loop load generator: requests leave on an even schedule (not in bursts), and each
// latency is measured from the moment the request was due, not when it was sent, so a
// stalled server cannot hide its queue (no coordinated omission; the wrk2 approach).
// autocannon's `overallRate` sends each second's quota at the start of the second, which
// measures burst queueing rather than the latency of a steady stream.
import http from 'node:http';

export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface PacedResult {
  total: number;
  status2xx: number;
  status4xx: number;
  status5xx: number;
  errors: number;
  timeouts: number;
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function paced(
  base: string,
  requests: readonly PacedRequest[],
  opts: { rps: number; seconds: number; sockets?: number; timeoutMs?: number },
): Promise<PacedResult> {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.sockets ?? 64 });
  const prepared = requests.map((r) => ({ ...r, body: r.body === undefined ? undefined : Buffer.from(r.body) }));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const latencies: number[] = [];
  const result = { total: 0, status2xx: 0, status4xx: 0, status5xx: 0, errors: 0, timeouts: 0 };
  let inFlight = 0;
  let next = 0;

  const send = (due: number) => {
    const r = prepared[next++ % prepared.length]!;
    inFlight++;
    const done = (status: number | 'error' | 'timeout') => {
      inFlight--;
      result.total++;
      latencies.push(performance.now() - due);
      if (status === 'error') result.errors++;
      else if (status === 'timeout') result.timeouts++;
      else if (status < 300) result.status2xx++;
      else if (status < 500) result.status4xx++;
      else result.status5xx++;
    };
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        agent,
        headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
        res.on('error', () => done('error'));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      done('timeout');
    });
    req.on('error', () => {
      if (!req.destroyed || req.writableFinished) done('error');
    });
    req.end(r.body);
  };

  const start = performance.now();
  const end = start + opts.seconds * 1000;
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
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    ...result,
    rate: Math.round(result.total / opts.seconds),
    p50: round(percentile(latencies, 0.5)),
    p90: round(percentile(latencies, 0.9)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies.at(-1) ?? 0),
  };
}
