// npm run bench:load — a legitimate stream and an attack stream at once against the built
// service (dist/main.js, WORKERS=2, heap capped at 256 MB per process so unbounded
// allocation fails loudly), on loopback, for LOAD_SECONDS (default 60):
//   legitimate: LEGIT_RPS (500/s) verifications of the demo samples (valid and invalid ones);
//   attack:     ATTACK_RPS (300/s) of 100 KB bodies, inflation bombs, 10,000-deep CBOR, bad
//               Base45, deep JSON and wrong media types.
// Reports the legitimate p50/p99 and errors, the attack answers by status, and the resident
// memory of the whole process group every 5 s. Both streams are open-loop and evenly paced
// (bench/paced.ts): latency counts from when a request was due, so a slow server shows as
// latency, not as fewer requests.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import autocannon from 'autocannon';
import { encodeBase45 } from '../src/formats/dcc/base45.js';
import { paced } from './paced.js';

const SECONDS = Number(process.env['LOAD_SECONDS'] ?? 60);
const LEGIT_RPS = Number(process.env['LEGIT_RPS'] ?? 500);
const ATTACK_RPS = Number(process.env['ATTACK_RPS'] ?? 300);
const WORKERS = process.env['WORKERS'] ?? '2';
const SAMPLE_EVERY_S = 5;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** RSS in MB of a process and its children (the cluster primary and its workers). */
function groupRss(pid: number): { total: number; each: number[] } {
  const rss = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    children = [];
  }
  const each = [pid, ...children].map(rss);
  return { total: each.reduce((a, b) => a + b, 0), each };
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, ['--max-old-space-size=256', 'dist/main.js'], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS, DATA_DIR: mkdtempSync(join(tmpdir(), 'lintas-load-')), LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stopServer = () => {
  if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', stopServer);

const deadline = Date.now() + 60_000;
for (;;) {
  try {
    if ((await fetch(`${base}/readyz`)).status === 200) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) throw new Error('the service did not become ready');
  await new Promise((r) => setTimeout(r, 200));
}

// LEGIT_SAMPLES=prefix,prefix picks samples by file name (e.g. `vaccination,test` for EU DCCs only).
const picked = (process.env['LEGIT_SAMPLES'] ?? '').split(',').filter(Boolean);
const samples = readdirSync('samples')
  .filter((f) => f.endsWith('.txt') && (picked.length === 0 || picked.some((p) => f.startsWith(p))))
  .map((f) => readFileSync(join('samples', f), 'utf8').trim());
const json = (body: unknown) => ({ method: 'POST' as const, path: '/v1/verify', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const legitRequests = samples.map((qr) => json({ qr }));

const wrap = (cose: Buffer) => `HC1:${encodeBase45(deflateSync(cose, { level: 9 }))}`;
const attackRequests = [
  { ...json({ qr: 'A'.repeat(100 * 1024) }), name: '100 KB body' },
  { ...json({ qr: `HC1:${encodeBase45(deflateSync(Buffer.alloc(4 << 20), { level: 9 }))}` }), name: '4 MB inflation bomb' },
  { ...json({ qr: wrap(Buffer.concat([Buffer.alloc(10_000, 0x81), Buffer.from([0])])) }), name: '10,000-deep CBOR' },
  { ...json({ qr: wrap(Buffer.concat([Buffer.alloc(2000, 0xc1), Buffer.from([0])])) }), name: 'nested tags' },
  { ...json({ qr: 'HC1:GGW:::~~~' }), name: 'bad Base45' },
  { method: 'POST' as const, path: '/v1/verify', headers: { 'content-type': 'application/json' }, body: `{"qr":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, name: 'deep JSON' },
  { method: 'POST' as const, path: '/v1/verify', headers: { 'content-type': 'text/plain' }, body: 'HC1:XYZ', name: 'wrong media type' },
].map(({ name: _name, ...r }) => r);

// Warm-up: JIT and caches, so the first seconds do not dominate p99.
await autocannon({ url: base, connections: 10, amount: 2000, requests: legitRequests });

const rss: { t: number; total: number; each: number[] }[] = [{ t: 0, ...groupRss(server.pid!) }];
const sampler = setInterval(() => rss.push({ t: Math.round((Date.now() - started) / 1000), ...groupRss(server.pid!) }), SAMPLE_EVERY_S * 1000);
const started = Date.now();
process.stdout.write(`load: ${LEGIT_RPS}/s legitimate + ${ATTACK_RPS}/s attack for ${SECONDS} s against WORKERS=${WORKERS} on ${base}\n`);

const [legit, attack] = await Promise.all([
  paced(base, legitRequests, { rps: LEGIT_RPS, seconds: SECONDS }),
  paced(base, attackRequests, { rps: ATTACK_RPS, seconds: SECONDS }),
]);
clearInterval(sampler);
rss.push({ t: SECONDS, ...groupRss(server.pid!) });
const metrics = await (await fetch(`${base}/metrics`)).text();
stopServer();

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const out: string[] = [];
out.push('', '## Legitimate stream', '');
out.push(row(['requests', 'rate/s', '2xx', 'non-2xx', 'errors', 'timeouts', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms']));
out.push(row(['---', '---', '---', '---', '---', '---', '---', '---', '---', '---']));
out.push(row([legit.total, legit.rate, legit.status2xx, legit.status4xx + legit.status5xx, legit.errors, legit.timeouts, legit.p50, legit.p90, legit.p99, legit.max]));
out.push('', '## Attack stream', '');
out.push(row(['requests', 'rate/s', '2xx (INVALID reports)', '4xx', '5xx', 'errors', 'p99 ms']));
out.push(row(['---', '---', '---', '---', '---', '---', '---']));
out.push(row([attack.total, attack.rate, attack.status2xx, attack.status4xx, attack.status5xx, attack.errors, attack.p99]));
out.push('', '## Resident memory of the process group (primary + workers), MB', '');
out.push(row(['t (s)', 'total', 'per process']));
out.push(row(['---', '---', '---']));
for (const s of rss) out.push(row([s.t, s.total.toFixed(1), s.each.map((m) => m.toFixed(1)).join(' / ')]));
const afterWarm = rss[1] ?? rss[0]!;
const growth = rss[rss.length - 1]!.total - afterWarm.total;
const verifications = [...metrics.matchAll(/^verifications_total\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
const shed = /^http_rejections_total\{reason="overloaded"\} (\d+)/m.exec(metrics)?.[1] ?? '0';
out.push('', `verifications counted by /metrics: ${verifications}; shed by the concurrency cap: ${shed}`);
out.push(`legitimate p99 ${legit.p99} ms (target ≤ 50): ${legit.p99 <= 50 ? 'PASS' : 'FAIL'}`);
out.push(`RSS growth from t=${afterWarm.t}s to the end: ${growth.toFixed(1)} MB (target < 50): ${growth < 50 ? 'PASS' : 'FAIL'}`);
const legitBad = legit.status4xx + legit.status5xx + legit.errors + legit.timeouts;
out.push(`legitimate non-2xx + errors: ${legitBad} (target 0): ${legitBad === 0 ? 'PASS' : 'FAIL'}`);
out.push(`attack 5xx: ${attack.status5xx} (target 0): ${attack.status5xx === 0 ? 'PASS' : 'FAIL'}`);
process.stdout.write(`${out.join('\n')}\n`);
process.exit(0);
