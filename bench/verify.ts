// npm run bench — figures as ratios against baselines measured in the same run, because these
// machines are shared and noisy:
//   1. in-process verifications/s of a valid ES256 HC1 vs raw crypto.verify of the same signature;
//   2. HTTP verifications/s with p50/p99 under autocannon on loopback vs a hello-world route.
import { spawn, type ChildProcess } from 'node:child_process';
import { verify as cryptoVerify } from 'node:crypto';
import { once } from 'node:events';
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

async function serve(mode: 'verify' | 'hello'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [new URL('./http-server.js', import.meta.url).pathname, mode, fixture.trustDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, port: Number(line.toString().trim()) };
}

async function load(mode: 'verify' | 'hello', seconds: number) {
  const { child, port } = await serve(mode);
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
  }
}

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const http = await load('verify', seconds);
const hello = await load('hello', seconds);

const f = (n: number) => n.toFixed(0).padStart(8);
console.log(`\nin-process (one core, ${new Date().toISOString()})`);
console.log(`  raw crypto.verify ES256          ${f(raw)} /s`);
console.log(`  full HC1 verification            ${f(full)} /s   ratio ${(full / raw).toFixed(2)}× (target ≥ 0.5×)`);
console.log(`HTTP on loopback (autocannon, 16 connections, ${seconds} s, server in its own process)`);
console.log(`  hello-world Express route        ${f(hello.rps)} /s   p50 ${hello.p50} ms  p99 ${hello.p99} ms`);
console.log(`  POST /v1/verify                  ${f(http.rps)} /s   p50 ${http.p50} ms  p99 ${http.p99} ms   ratio ${(http.rps / hello.rps).toFixed(2)}× of the ceiling (target ≥ 2,000/s, p99 ≤ 25 ms)  errors ${http.errors}`);
