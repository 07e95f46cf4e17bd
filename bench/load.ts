// npm run bench:load — a legitimate stream and three attacks at once against the built service
// (dist/main.js, WORKERS=2, heap capped at 256 MB per process so unbounded allocation fails
// loudly), on loopback, in LOAD_RUNS (3) consecutive runs of LOAD_SECONDS (60) against one
// server, after LOAD_WARMUP_SECONDS (10) of the same streams that are reported but not counted
// (issue #12 items 6 and 7):
//   legitimate: LEGIT_RPS (500/s) verifications of every demo sample (valid and invalid ones);
//   attack:     ATTACK_RPS (300/s) of 100 KB bodies, inflation bombs, 10,000-deep CBOR, bad
//               Base45, deep JSON and wrong media types;
//   image:      IMAGE_RPS (5/s) to POST /v1/verify/image (bench/attacks-image.ts): 2.5/s noise
//               PNGs of 4.8 MB, the rest oversized bodies, 50 000 px headers, a blank 16 MP PNG;
//   slow body:  SLOW_SOCKETS (200) connections sending a JSON body at 1 byte/s, each replaced
//               when the server closes it (bench/attacks-slow.ts).
// Per run it reports the legitimate p50/p90/p99 and non-200 answers, the attack answers by
// status and problem code, the resident memory of the process group, and the maximum
// event-loop delay read from /metrics and the load generator's own (a stall of this process
// would read as server latency); then the targets beside the figures. Exits 0 either way.
// Smoke run: LOAD_SECONDS=10 LOAD_RUNS=1 npm run bench:load. LOAD_NODE_ARGS adds node flags to the server;
// LEGIT_SAMPLES and ATTACK_KINDS pick parts of the streams, IMAGE_RPS=0 and SLOW_SOCKETS=0 turn attacks off.
//
// Why IMAGE_RPS = 5: the pool has one decoding thread per worker on this 2-core box (WORKERS=2,
// src/main.ts) and a noise image holds its thread up to the 2 s budget, so the pool finishes
// about one noise image a second; 2.5/s keeps both threads busy and both queues full for the
// whole run (the "four 5 MB noise images decoding at once" of item 3, and beyond), and the
// surplus is shed as 503 OVERLOADED. More would add only more 503s, each costing the server a
// 4.8 MB read: at 5/s the attacker already uploads ~18 MB/s.
//
// Client addresses (a model of a real deployment, not of one shared NAT): the legitimate stream
// is one partner gateway at 127.0.0.1; every attacker sends from 127.0.0.2 … 127.0.0.9 (Linux
// routes all of 127.0.0.0/8 to loopback and lets a client bind any of it as `localAddress`). The
// server caps open connections per client address (MAX_CONNECTIONS_PER_ADDRESS, default 128,
// src/http/server.ts): with every stream on 127.0.0.1, the 200 slow sockets alone would exceed
// the cap and the legitimate stream's new connections would be refused with them, a situation
// that only arises behind a proxy, where the cap must be raised (README, server.ts). Here each
// attacker address holds at most 8 + 2 + 25 = 35 connections (attack, image, slow body), under
// the cap, so what is measured is the service's own defence (body deadline, slots, pool queue),
// not the cap.
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import autocannon from 'autocannon';
import { encodeBase45 } from '../src/formats/dcc/base45.js';
import { imageAttackRequests } from './attacks-image.js';
import { slowBodyAttack, type SlowBodyResult } from './attacks-slow.js';
import { paced, type PacedResult } from './paced.js';
import { useTempRoot } from '../scripts/temp-root.js';

const SECONDS = Number(process.env['LOAD_SECONDS'] ?? 60);
/**
 * Seconds of every stream against the fresh server before run 1, not counted (LOAD_WARMUP_SECONDS).
 * A fresh worker meets the attacks' code paths cold: on a fresh clone without this warm-up
 * (README, `c976a0d`), 424 legitimate requests of run 1 were over 50 ms in its first second
 * alone, against none in the first second of runs 2 and 3, whose attackers connect just the
 * same. The warm-up's own figures are printed, so that cold start stays in view.
 */
const WARMUP_SECONDS = Math.max(0, Number(process.env['LOAD_WARMUP_SECONDS'] ?? 10));
const RUNS = Math.max(1, Math.min(10, Number(process.env['LOAD_RUNS'] ?? 3)));
const LEGIT_RPS = Number(process.env['LEGIT_RPS'] ?? 500);
const ATTACK_RPS = Number(process.env['ATTACK_RPS'] ?? 300);
const IMAGE_RPS = Number(process.env['IMAGE_RPS'] ?? 5);
const SLOW_SOCKETS = Number(process.env['SLOW_SOCKETS'] ?? 200);
const WORKERS = process.env['WORKERS'] ?? '2';
const SAMPLE_EVERY_S = 5;
const ATTACKERS = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
const TARGET = { p99Ms: 50, rssGrowthMb: 50 };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process and every process under it, depth first. */
function withDescendants(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(withDescendants)];
}

/**
 * RSS in MB of a process and everything under it: the cluster primary, then each worker
 * followed by its image decoder process (src/qr/process-decoder.ts) once that has started.
 */
function groupRss(pid: number): { total: number; each: number[] } {
  const rss = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const each = withDescendants(pid).map(rss);
  return { total: each.reduce((a, b) => a + b, 0), each };
}

const json = (body: unknown) => ({ method: 'POST' as const, path: '/v1/verify', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const wrap = (cose: Buffer) => `HC1:${encodeBase45(deflateSync(cose, { level: 9 }))}`;
// The attacks are made before the server starts, so a wrong ATTACK_KINDS name stops nothing half-started.
const attackKinds = {
  body: json({ qr: 'A'.repeat(100 * 1024) }), // 100 KB body
  bomb: json({ qr: `HC1:${encodeBase45(deflateSync(Buffer.alloc(4 << 20), { level: 9 }))}` }), // 4 MB inflation bomb
  cbor: json({ qr: wrap(Buffer.concat([Buffer.alloc(10_000, 0x81), Buffer.from([0])])) }), // 10,000-deep CBOR
  tags: json({ qr: wrap(Buffer.concat([Buffer.alloc(2000, 0xc1), Buffer.from([0])])) }), // nested tags
  base45: json({ qr: 'HC1:GGW:::~~~' }), // bad Base45
  json: { method: 'POST' as const, path: '/v1/verify', headers: { 'content-type': 'application/json' }, body: `{"qr":${'['.repeat(20_000)}${']'.repeat(20_000)}}` }, // deep JSON
  media: { method: 'POST' as const, path: '/v1/verify', headers: { 'content-type': 'text/plain' }, body: 'HC1:XYZ' }, // wrong media type
};
// ATTACK_KINDS=name,name sends only those (e.g. `media` for 415s alone), to see what one kind costs the legitimate tail.
const kinds = (process.env['ATTACK_KINDS'] ?? '').split(',').filter(Boolean);
for (const k of kinds) if (!(k in attackKinds)) throw new Error(`ATTACK_KINDS: no attack named ${k} (${Object.keys(attackKinds).join(', ')})`);
const attackRequests = Object.entries(attackKinds).filter(([k]) => kinds.length === 0 || kinds.includes(k)).map(([, r]) => r);
// Every folder of this run (and of its servers) under one root, removed when the run ends.
process.once('exit', useTempRoot('lintas-bench-run-').remove);
const port = await freePort();
const host = '127.0.0.1';
const base = `http://${host}:${port}`;
// LOAD_NODE_ARGS: extra node flags for the server and its workers (e.g. `--trace-gc`, `--cpu-prof`), to find what a stall was.
const nodeArgs = (process.env['LOAD_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const server = spawn(process.execPath, ['--max-old-space-size=256', ...nodeArgs, 'dist/main.js'], {
  env: { ...process.env, PORT: String(port), HOST: host, WORKERS, DATA_DIR: mkdtempSync(join(tmpdir(), 'lintas-load-')), LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
  // With LOAD_NODE_ARGS the server's stdout is shown (what --trace-gc prints; LOG_LEVEL=warn keeps the access log out of it).
  stdio: ['ignore', nodeArgs.length > 0 ? 'inherit' : 'ignore', 'inherit'],
});
const stopServer = () => {
  if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', stopServer);
const hardStop = setTimeout(() => {
  process.stderr.write('bench:load: over its time bound; stopping\n');
  process.exit(0);
}, (RUNS * (SECONDS + 40) + WARMUP_SECONDS + 40 + 180) * 1000);
hardStop.unref();

const readyBy = Date.now() + 60_000;
for (;;) {
  try {
    if ((await fetch(`${base}/readyz`)).status === 200) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > readyBy || server.exitCode !== null) throw new Error('the service did not become ready');
  await new Promise((r) => setTimeout(r, 200));
}

// LEGIT_SAMPLES=prefix,prefix picks samples by file name (e.g. `vaccination,test` for EU DCCs only).
const picked = (process.env['LEGIT_SAMPLES'] ?? '').split(',').filter(Boolean);
const sampleFiles = readdirSync('samples').filter((f) => f.endsWith('.txt') && (picked.length === 0 || picked.some((p) => f.startsWith(p))));
const samples = sampleFiles.map((f) => readFileSync(join('samples', f), 'utf8').trim());
const legitRequests = samples.map((qr) => json({ qr }));

const imageRequests = imageAttackRequests();

// Warm-up: JIT and caches, so the first seconds do not dominate p99.
await autocannon({ url: base, connections: 10, amount: 2000, requests: legitRequests });

/** One /metrics scrape: the event-loop maxima (which reset on each scrape) and the counters. */
async function scrape(): Promise<{ perProcess: Map<string, number>; lagMax: number; counters: Map<string, number> } | undefined> {
  try {
    const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    const perProcess = new Map<string, number>();
    for (const m of text.matchAll(/^eventloop_delay_max_seconds\{process="([^"]+)"\} (\S+)$/gm)) perProcess.set(m[1]!, Number(m[2]) * 1000);
    const lagMax = Number(/^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN) * 1000;
    const counters = new Map<string, number>();
    for (const m of text.matchAll(/^((?:http_rejections_total|verification_faults_total)\{[^}]*\}) (\S+)$/gm)) counters.set(m[1]!, Number(m[2]));
    counters.set('verifications', [...text.matchAll(/^verifications_total\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0));
    return { perProcess, lagMax, counters };
  } catch {
    return undefined;
  }
}

interface RunFigures {
  legit: PacedResult;
  attack: PacedResult;
  image: PacedResult;
  slow: SlowBodyResult;
  rss: { t: number; total: number; each: number[] }[];
  rssGrowth: number;
  loopMaxMs: Map<string, number>;
  lagMaxMs: number;
  /**
   * This process's own event-loop delay: latencies are measured from when each request was due,
   * so a stall of the load generator itself would read as server latency; this says how much.
   */
  client: { maxMs: number; p99Ms: number };
  scrapes: number;
  failedScrapes: number;
  counters: Map<string, number>;
  /** Each worker's main thread (pid = its main thread's tid): ms per second on a core and waiting for one. */
  sched: { pid: number; runMs: number; waitMs: number }[];
}

/**
 * Time a thread spent on a core and runnable but waiting for one, ns (/proc/<tid>/schedstat;
 * Linux with schedstats). A worker's main thread that waits for a core answers late however
 * cheap its requests are: this says how much of the tail is the box's contention.
 */
function schedstat(tid: number): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? { run: run!, wait: wait! } : undefined;
  } catch {
    return undefined;
  }
}

const workerPids = new Set<number>(childrenOf(server.pid!));

async function run(seconds: number): Promise<RunFigures> {
  const before = await scrape(); // also resets the event-loop maxima, so warm-up does not count
  const started = Date.now();
  const rss = [{ t: 0, ...groupRss(server.pid!) }];
  const loopMaxMs = new Map<string, number>();
  let lagMaxMs = 0;
  let scrapes = 0;
  let failedScrapes = 0;
  let last = before;
  const take = (s: Awaited<ReturnType<typeof scrape>>) => {
    if (!s) return void failedScrapes++;
    scrapes++;
    last = s;
    for (const [p, ms] of s.perProcess) loopMaxMs.set(p, Math.max(loopMaxMs.get(p) ?? 0, ms));
    if (Number.isFinite(s.lagMax)) lagMaxMs = Math.max(lagMaxMs, s.lagMax);
  };
  const sampler = setInterval(() => {
    rss.push({ t: Math.round((Date.now() - started) / 1000), ...groupRss(server.pid!) });
    for (const p of childrenOf(server.pid!)) workerPids.add(p);
    void scrape().then(take);
  }, SAMPLE_EVERY_S * 1000);
  const schedBefore = new Map([...workerPids].map((p) => [p, schedstat(p)] as const));
  const schedStart = performance.now();
  const clientLoop = monitorEventLoopDelay({ resolution: 10 });
  clientLoop.enable();
  const slowAttack = slowBodyAttack({ host, port, sockets: SLOW_SOCKETS, localAddresses: ATTACKERS, seconds });
  const [legit, attack, image] = await Promise.all([
    paced(base, legitRequests, { rps: LEGIT_RPS, seconds, slowMs: TARGET.p99Ms }),
    paced(base, attackRequests, { rps: ATTACK_RPS, seconds, sockets: 8, localAddresses: ATTACKERS }),
    paced(base, imageRequests, { rps: IMAGE_RPS, seconds, sockets: 2, localAddresses: ATTACKERS, timeoutMs: 30_000 }),
  ]);
  const slow = await slowAttack.stop();
  clientLoop.disable();
  clearInterval(sampler);
  rss.push({ t: Math.round((Date.now() - started) / 1000), ...groupRss(server.pid!) });
  take(await scrape());
  // Growth from t = 5 s (the heap has grown to its working size) to the end, as in the README.
  const from = seconds >= 2 * SAMPLE_EVERY_S ? rss.find((s) => s.t >= SAMPLE_EVERY_S) ?? rss[0]! : rss[0]!;
  const counters = new Map<string, number>();
  for (const [k, v] of last?.counters ?? []) counters.set(k, v - (before?.counters.get(k) ?? 0));
  const client = { maxMs: clientLoop.max / 1e6, p99Ms: clientLoop.percentile(99) / 1e6 };
  const schedSeconds = (performance.now() - schedStart) / 1000;
  const sched: RunFigures['sched'] = [];
  for (const [pid, before] of schedBefore) {
    const after = schedstat(pid);
    if (before && after) sched.push({ pid, runMs: (after.run - before.run) / 1e6 / schedSeconds, waitMs: (after.wait - before.wait) / 1e6 / schedSeconds });
  }
  return { sched, legit, attack, image, slow, rss, rssGrowth: rss.at(-1)!.total - from.total, loopMaxMs, lagMaxMs, client, scrapes, failedScrapes, counters };
}

/**
 * Where the legitimate requests over the p99 target were: how many were due in the run's first
 * second (the attacks open their connections and send their first bodies then), how many in the
 * busiest second, and which samples they were, as a multiple of the sample's share of the
 * stream (1× = no more often slow than any other).
 */
function slowLegit(l: PacedResult): string {
  const n = l.slow.length;
  if (n === 0) return `legitimate over ${TARGET.p99Ms} ms: none`;
  const perSecond = new Map<number, number>();
  for (const s of l.slow) {
    const second = Math.floor(s.atMs / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  const [busiest, inBusiest] = [...perSecond].sort((a, b) => b[1] - a[1])[0]!;
  const bySample = new Map<number, number>();
  for (const s of l.slow) bySample.set(s.request, (bySample.get(s.request) ?? 0) + 1);
  const over = [...bySample]
    .map(([i, c]) => [sampleFiles[i]!.replace(/\.txt$/, ''), c / (n / sampleFiles.length)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, x]) => `${name} ${x.toFixed(1)}×`)
    .join(', ');
  return (
    `legitimate over ${TARGET.p99Ms} ms: ${n} of ${l.total} (${((100 * n) / l.total).toFixed(2)} %; the p99 target allows 1 %); ` +
    `due in the first second: ${perSecond.get(0) ?? 0}; busiest second: t=${busiest}s with ${inBusiest}; most often slow: ${over}`
  );
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const statuses = (by: Record<string, number>) =>
  Object.entries(by)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || '—';
/** "413 BODY_TOO_LARGE: 10 (max 95 ms)": how many, and the slowest of each. */
const withMax = (r: PacedResult) =>
  Object.entries(r.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${v} (max ${r.maxByStatus[k] ?? 0} ms)`)
    .join(', ') || '—';
/** 5xx answers other than 503 OVERLOADED (the one refusal an attack may get). */
const faults = (by: Record<string, number>) => Object.entries(by).filter(([k]) => /^5\d\d/.test(k) && k !== '503 OVERLOADED').reduce((a, [, v]) => a + v, 0);

process.stdout.write(
  `load: ${RUNS} run(s) of ${SECONDS} s against WORKERS=${WORKERS} on ${base}: ${LEGIT_RPS}/s legitimate (${samples.length} samples) from 127.0.0.1; ` +
    `from ${ATTACKERS[0]}…${ATTACKERS.at(-1)}: ${ATTACK_RPS}/s attack, ${IMAGE_RPS}/s image attack, ${SLOW_SOCKETS} slow-body sockets at 1 byte/s\n`,
);
if (WARMUP_SECONDS > 0) {
  const w = await run(WARMUP_SECONDS);
  process.stdout.write(
    `\nwarm-up: ${WARMUP_SECONDS} s of every stream against the fresh server, not counted: legitimate p50 / p99 / max ${w.legit.p50} / ${w.legit.p99} / ${w.legit.max} ms, ` +
      `non-200 ${w.legit.total - w.legit.status200}; ${slowLegit(w.legit)}\n`,
  );
  await new Promise((r) => setTimeout(r, 2_000));
}
const results: RunFigures[] = [];
for (let i = 1; i <= RUNS; i++) {
  const r = await run(SECONDS);
  results.push(r);
  const out: string[] = [`\n## Run ${i} of ${RUNS} (${SECONDS} s)`, ''];
  const l = r.legit;
  out.push(
    `legitimate: ${l.total} requests (${l.rate}/s), p50 / p90 / p99 / max ${l.p50} / ${l.p90} / ${l.p99} / ${l.max} ms; answers: ${withMax(l)}; ` +
      `sent again after the server closed an idle keep-alive connection under them: ${l.keepAliveRetries}`,
  );
  out.push(slowLegit(l));
  out.push(`attack stream: ${r.attack.total} (${r.attack.rate}/s), p99 ${r.attack.p99} ms; answers: ${withMax(r.attack)}`);
  out.push(`image attack: ${r.image.total} (${r.image.rate}/s), p50 ${r.image.p50} ms; answers: ${withMax(r.image)}`);
  out.push(
    `slow bodies: ${r.slow.opened} connections, ${r.slow.minOpen}–${r.slow.maxOpen} open at a time, closed after p50 ${r.slow.lifetimeP50} ms / max ${r.slow.lifetimeMax} ms; outcomes: ${statuses(r.slow.outcomes)}`,
  );
  out.push(`/metrics deltas: ${[...r.counters].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(
    `event-loop delay max (eventloop_delay_max_seconds, ${r.scrapes} scrapes${r.failedScrapes ? `, ${r.failedScrapes} failed` : ''}): ` +
      `${[...r.loopMaxMs].map(([p, ms]) => `${p} ${ms.toFixed(1)} ms`).join(', ') || 'not exported'}; nodejs_eventloop_lag_max_seconds (max of workers, incl. its 10 ms tick) ${r.lagMaxMs.toFixed(1)} ms; ` +
      `the load generator's own (this process) max ${r.client.maxMs.toFixed(1)} ms, p99 ${r.client.p99Ms.toFixed(1)} ms`,
  );
  if (r.sched.length) {
    out.push(
      `workers' main threads (/proc/<pid>/schedstat), per second: ${r.sched.map((w) => `${w.pid} on a core ${w.runMs.toFixed(0)} ms, runnable but waiting for a core ${w.waitMs.toFixed(0)} ms`).join('; ')}`,
    );
  }
  const half = r.rss.find((s) => s.t >= SECONDS / 2) ?? r.rss[0]!;
  out.push(`RSS growth over the second half (t=${half.t}s → end; a leak keeps growing there, a working set does not): ${(r.rss.at(-1)!.total - half.total).toFixed(1)} MB`);
  out.push(`RSS (MB, primary / each worker / its image decoder): ${r.rss.map((s) => `t=${s.t}s ${s.total.toFixed(0)} (${s.each.map((m) => m.toFixed(0)).join('/')})`).join('; ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (server.exitCode !== null) {
    process.stdout.write(`\nthe service exited (code ${server.exitCode}) during run ${i}\n`);
    break;
  }
  if (i < RUNS) await new Promise((r) => setTimeout(r, 2_000));
}
stopServer();

const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const out: string[] = ['', '## Targets (issue #12 item 6) beside the figures', ''];
out.push(row(['run', 'legit p50 / p90 / p99 ms (p99 ≤ 50)', 'legit non-200 (0)', 'attack answers', 'attack 5xx except 503 OVERLOADED (0)', 'RSS growth MB (< 50)', 'max event-loop delay ms']));
out.push(row(['---', '---', '---', '---', '---', '---', '---']));
results.forEach((r, i) => {
  const legitBad = r.legit.total - r.legit.status200;
  const attackBy: Record<string, number> = {};
  for (const by of [r.attack.byStatus, r.image.byStatus, r.slow.outcomes]) for (const [k, v] of Object.entries(by)) attackBy[k] = (attackBy[k] ?? 0) + v;
  const attack5xx = faults(attackBy);
  const loopMax = Math.max(0, ...r.loopMaxMs.values());
  out.push(
    row([
      i + 1,
      `${r.legit.p50} / ${r.legit.p90} / **${r.legit.p99}** ${pass(r.legit.p99 <= TARGET.p99Ms)}`,
      `${legitBad} of ${r.legit.total} ${pass(legitBad === 0)}`,
      statuses(attackBy),
      `${attack5xx} ${pass(attack5xx === 0)}`,
      `${r.rssGrowth >= 0 ? '+' : ''}${r.rssGrowth.toFixed(1)} ${pass(r.rssGrowth < TARGET.rssGrowthMb)}`,
      r.loopMaxMs.size ? loopMax.toFixed(1) : `${r.lagMaxMs.toFixed(1)} (nodejs_eventloop_lag_max)`,
    ]),
  );
});
const firstBase = results[0]?.rss.find((s) => s.t >= SAMPLE_EVERY_S) ?? results[0]?.rss[0];
const lastRss = results.at(-1)?.rss.at(-1);
if (firstBase && lastRss) out.push('', `RSS from run 1 t=${firstBase.t}s to the end of run ${results.length}: ${(lastRss.total - firstBase.total).toFixed(1)} MB`);
out.push(`worker processes seen: ${workerPids.size} (WORKERS=${WORKERS}; more means a worker died and was restarted)`);
process.stdout.write(`${out.join('\n')}\n`);
// The service drains for up to 8 s after SIGTERM (src/main.ts); wait for it, bounded, so no
// server outlives the bench.
await new Promise<void>((resolve) => {
  if (server.exitCode !== null || server.signalCode !== null) return resolve();
  const force = setTimeout(() => {
    server.kill('SIGKILL');
    resolve();
  }, 12_000);
  server.once('exit', () => {
    clearTimeout(force);
    resolve();
  });
});
process.exit(0);
