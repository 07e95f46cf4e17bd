// npm run bench — figures as ratios against baselines measured in the same run, because these
// machines are shared and noisy:
//   1. in-process verifications/s of a valid ES256 HC1 vs raw crypto.verify of the same signature;
//   2. HTTP verifications/s with p50/p99 under autocannon on loopback vs a hello-world route.
import { spawn, type ChildProcess } from 'node:child_process';
import { verify as cryptoVerify } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { dccAdapter, decodeHc1 } from '../src/formats/dcc/index.js';
import { sigStructure } from '../src/formats/dcc/cose.js';
import { signerFromCertificate } from '../src/trust/signer.js';
import { benchFixture } from './fixture.js';

const fixture = await benchFixture();
const signer = signerFromCertificate(fixture.dsc.der, { source: 'bench' });
const resolver = { dcc: (kid: string) => (kid === signer.kid ? [signer] : []), shc: () => [], csca: () => [], divoc: () => [] };
const at = new Date();

/**
 * Rates of two operations measured in alternating batches, so a change in machine load during
 * the run affects both alike and their ratio stays meaningful.
 */
async function interleavedRates(a: () => unknown, b: () => unknown | Promise<unknown>, ms = 6000): Promise<[number, number]> {
  for (let i = 0; i < 300; i++) {
    a();
    await b();
  }
  let ta = 0;
  let tb = 0;
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    let t = performance.now();
    for (let i = 0; i < 100; i++) a();
    ta += performance.now() - t;
    t = performance.now();
    for (let i = 0; i < 100; i++) await b();
    tb += performance.now() - t;
    n += 100;
  }
  return [(n * 1000) / ta, (n * 1000) / tb];
}

const { cose } = decodeHc1(fixture.qr);
const data = sigStructure(cose.protectedBytes, cose.payload);
const [raw, full] = await interleavedRates(
  () => cryptoVerify('sha256', data, { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, cose.signature),
  async () => {
    const r = await dccAdapter.verify(fixture.qr, { trust: resolver, at, lang: 'en' });
    if (r.failures.length) throw new Error('benchmark certificate did not verify');
  },
);

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The hello-world ceiling: a bare Express route in its own process. */
async function serveHello(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [new URL('./http-server.js', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, port: Number(line.toString().trim()) };
}

/** The service as `npm start` runs it (dist/main.js, default log level), over the bench trust list. */
async function serveService(workers: number, port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(REPO, 'dist', 'main.js')], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: String(workers), TRUST_LISTS_DIR: fixture.trustDir, DATA_DIR: mkdtempSync(join(tmpdir(), 'lintas-bench-data-')) },
  });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ok) return { child, port };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error('service did not become ready');
}

async function load(server: Promise<{ child: ChildProcess; port: number }>, seconds: number) {
  const { child, port } = await server;
  try {
    const opts = {
      url: `http://127.0.0.1:${port}/v1/verify`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ qr: fixture.qr }),
      connections: 16,
    };
    await autocannon({ ...opts, duration: 2 }); // warm-up
    const r = await autocannon({ ...opts, duration: seconds });
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const hello = await load(serveHello(), seconds);
const one = await load(serveService(1, 18_601), seconds);
const two = await load(serveService(2, 18_602), seconds);

const f = (n: number) => n.toFixed(0).padStart(8);
console.log(`\nin-process (one core, ${new Date().toISOString()})`);
console.log(`  raw crypto.verify ES256          ${f(raw)} /s`);
console.log(`  full HC1 verification            ${f(full)} /s   ratio ${(full / raw).toFixed(2)}× (target ≥ 0.5×)`);
console.log(`HTTP on loopback (autocannon in this process, 16 connections, ${seconds} s; the servers in their own processes)`);
console.log(`  hello-world Express route, 1 process     ${f(hello.rps)} /s   p50 ${hello.p50} ms  p99 ${hello.p99} ms`);
for (const [name, r] of [['POST /v1/verify, WORKERS=1', one], ['POST /v1/verify, WORKERS=2', two]] as const) {
  console.log(`  ${name.padEnd(39)} ${f(r.rps)} /s   p50 ${r.p50} ms  p99 ${r.p99} ms   ${(r.rps / hello.rps).toFixed(2)}× the single-process ceiling   errors ${r.errors}`);
}
console.log('  targets: ≥ 2,000 verifications/s with p99 ≤ 25 ms on these 2 cores (npm start runs WORKERS=auto)');
