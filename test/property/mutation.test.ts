// A bounded, structure-aware mutation loop over the real dgc-testdata certificates
// (research/security.md §4.3b). Seeds: every vector whose signature verifies with its own
// TESTCTX.CERTIFICATE. Each iteration picks a layer (the HC1 text, the Base45-decoded bytes,
// the inflated COSE bytes, the COSE structure, or the signed CWT payload), mutates it,
// re-encodes the layers above it so the mutation reaches deep code, and runs the real
// pipeline with the seed's signer trusted, at the seed's validation clock. Invariants:
// - never an exception out of the pipeline (that would be a 500), never over the time budget;
// - every error code is a contract code;
// - VALID only when the signed triple (protected header bytes, payload, signature) is the
//   seed's own: a mutated signed payload is never VALID.
// A sample of the mutants also goes through the HTTP app: always 200, never 500.
// Bounded by MUTATION_ITERATIONS (default 50,000) and MUTATION_SECONDS (default 25).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import request from 'supertest';
import { Tag } from 'cbor-x';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, VerificationError } from '../../src/errors.js';
import { decodeCbor } from '../../src/formats/cbor.js';
import { decodeBase45, encodeBase45 } from '../../src/formats/dcc/base45.js';
import { cbor } from '../../scripts/demo/sign-hc1.js';
import { decodeHc1, dccAdapter } from '../../src/formats/dcc/index.js';
import { ADAPTERS } from '../../src/formats/index.js';
import { verifyText, type PipelineDeps } from '../../src/pipeline/verify.js';
import { listVectorFiles, readVectorFile, resolverFor, type VectorFile } from '../conformance/dgc-runner.js';
import { edgeService } from '../http/edge-helpers.js';
import { verifyStaged } from '../helpers/stages.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/vectors/dgc-testdata');
const present = existsSync(ROOT);
if (!present) console.warn(`[mutation] SKIPPED: ${ROOT} is missing; the mutation loop needs the dgc-testdata vectors`);

const MAX_ITERATIONS = Number(process.env['MUTATION_ITERATIONS'] ?? 50_000);
const MAX_SECONDS = Number(process.env['MUTATION_SECONDS'] ?? 25);
const PER_INPUT_MS = 50;
const SEED = Number(process.env['MUTATION_SEED'] ?? 20261125);

/** xorshift32: deterministic, so a failure names its seed and iteration. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]) => a[Math.floor(next() * a.length)]! };
}
type Rng = ReturnType<typeof prng>;

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x1f, 0x9f, 0xbf, 0x5a, 0x9a, 0xba, 0xd8, 0xf7, 0xfb, 0x1b];

function mutateBytes(b: Uint8Array, r: Rng): Uint8Array {
  const out = Buffer.from(b);
  if (out.length === 0) return Buffer.from([r.pick(INTERESTING)]);
  const at = r.int(out.length);
  switch (r.int(9)) {
    case 0:
      out[at] = out[at]! ^ (1 << r.int(8));
      return out;
    case 1:
      out[at] = r.pick(INTERESTING);
      return out;
    case 2: {
      const len = 1 + r.int(Math.min(16, out.length));
      const chunk = Buffer.alloc(len).map(() => r.int(256));
      return Buffer.concat([out.subarray(0, at), chunk, out.subarray(at)]);
    }
    case 3:
      return Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + r.int(16)))]);
    case 4: {
      const end = Math.min(out.length, at + 1 + r.int(32));
      return Buffer.concat([out.subarray(0, end), out.subarray(at, end), out.subarray(end)]);
    }
    case 5:
      return out.subarray(0, at);
    case 6: // a length field rewritten to "huge"
      return Buffer.concat([out.subarray(0, at), Buffer.from([0x5a, 0xff, 0xff, 0xff, 0xff]), out.subarray(at + 1)]);
    case 7:
      return Buffer.concat([out, Buffer.from([r.pick(INTERESTING)])]);
    default: {
      for (let i = 0; i < 1 + r.int(8); i++) out[r.int(out.length)] = r.int(256);
      return out;
    }
  }
}

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
function mutateText(t: string, r: Rng): string {
  const at = 4 + r.int(Math.max(1, t.length - 4));
  switch (r.int(5)) {
    case 0:
      return t.slice(0, at) + r.pick(B45.split('')) + t.slice(at + 1);
    case 1:
      return t.slice(0, at) + t.slice(at + 1 + r.int(3));
    case 2:
      return t.slice(0, at) + r.pick(['a', '~', '\n', ' ', 'é', '\u0000', '😀']) + t.slice(at);
    case 3:
      return t.slice(0, at);
    default:
      return r.pick(['HC1', 'HC2:', 'hc1:', '', 'HC1:HC1:']) + t.slice(4);
  }
}

interface Seed {
  file: VectorFile;
  resolver: ReturnType<typeof resolverFor>;
  compressed: Uint8Array;
  coseBytes: Uint8Array;
  triple: string;
}

const tripleOf = (c: { protectedBytes: Uint8Array; payload: Uint8Array; signature: Uint8Array }) =>
  [c.protectedBytes, c.payload, c.signature].map((b) => Buffer.from(b).toString('hex')).join('|');

const wrap = (cose: Uint8Array) => `HC1:${encodeBase45(deflateSync(cose))}`;

/** Rebuilds a COSE_Sign1 with one structural change (what a forger would try). */
function mutateCose(seed: Seed, r: Rng): string {
  const item = decodeCbor(seed.coseBytes);
  const arr = [...((item instanceof Tag ? item.value : item) as unknown[])];
  const [p, u, payload] = arr as [Uint8Array, Map<unknown, unknown>, Uint8Array, Uint8Array];
  const claims = decodeCbor(payload) as Map<unknown, unknown>;
  switch (r.int(10)) {
    case 0: // swap protected and unprotected
      [arr[0], arr[1]] = [cbor(u), p.length ? decodeCbor(p) : new Map()];
      break;
    case 1: // move alg and kid to the unprotected header, empty protected
      arr[0] = new Uint8Array(0);
      arr[1] = new Map([...(u instanceof Map ? u : []), ...(decodeCbor(p) as Map<unknown, unknown>)]);
      break;
    case 2: // another algorithm in the protected header
      arr[0] = cbor(new Map([...(decodeCbor(p) as Map<unknown, unknown>), [1, r.pick([-7, -37, -35, -8, -257, 0, 'ES256'])]]));
      break;
    case 3: // claims changed: expiry pushed out, as a forger would
      arr[2] = cbor(new Map([...claims, [4, 4_102_444_800]]));
      break;
    case 4: // claims changed: exp as float NaN / BigInt / string
      arr[2] = cbor(new Map([...claims, [4, r.pick([Number.NaN, 2n ** 70n, '2099-01-01', 1.5])]]));
      break;
    case 5: // payload bytes mutated, signature kept
      arr[2] = mutateBytes(payload, r);
      break;
    case 6: // signature mutated or truncated
      arr[3] = mutateBytes(arr[3] as Uint8Array, r);
      break;
    case 7: // wrapped in other tags
      return wrap(cbor(new Tag(new Tag(arr, 18), r.pick([61, 98, 2, 27, 29]))));
    case 8: // nested 50 times
      return wrap(cbor(Array.from({ length: 50 }).reduce<unknown>((v) => [v], arr)));
    default: // duplicate claims map key (keeps the last in cbor-x)
      arr[2] = Buffer.concat([Buffer.from([0xa1 + Math.min(claims.size, 20)]), Buffer.from(cbor(new Map([[4, 1]]))).subarray(1), Buffer.from(payload).subarray(1)]);
  }
  return wrap(cbor(new Tag(arr, 18)));
}

function mutant(seed: Seed, r: Rng): { layer: string; text: string } {
  switch (r.int(5)) {
    case 0:
      return { layer: 'text', text: mutateText(seed.file.qr, r) };
    case 1:
      return { layer: 'base45', text: `HC1:${encodeBase45(mutateBytes(seed.compressed, r))}` };
    case 2:
      return { layer: 'zlib', text: wrap(mutateBytes(seed.coseBytes, r)) };
    default:
      return { layer: 'cose', text: mutateCose(seed, r) };
  }
}

describe.skipIf(!present)('mutation loop over dgc-testdata (bounded)', () => {
  const figures = { seeds: 0, iterations: 0, crashes: 0, slow: 0, validUnchanged: 0, forgedValid: 0, seconds: 0, codes: {} as Record<string, number>, layers: {} as Record<string, number> };
  const httpSample: string[] = [];
  afterAll(() => {
    console.log(`[mutation] ${JSON.stringify(figures)}`);
  });

  it('never crashes, never leaves the contract codes, never VALID for a mutated signed payload', async () => {
    const seeds: Seed[] = [];
    for (const path of listVectorFiles(ROOT)) {
      const file = readVectorFile(ROOT, path);
      if (!file?.certificateB64 || !file.qr.startsWith('HC1:')) continue;
      try {
        const decoded = decodeHc1(file.qr);
        await verifyStaged(dccAdapter, file.qr, { trust: resolverFor(file), at: file.clock, lang: 'en' });
        const compressed = decodeBase45(file.qr.slice(4));
        seeds.push({ file, resolver: resolverFor(file), compressed, coseBytes: inflateSync(compressed), triple: tripleOf(decoded.cose) });
      } catch (err) {
        if (!(err instanceof VerificationError)) throw err;
      }
    }
    figures.seeds = seeds.length;
    expect(seeds.length).toBeGreaterThan(100);

    const r = prng(SEED);
    const started = performance.now();
    const deadline = started + MAX_SECONDS * 1000;
    while (figures.iterations < MAX_ITERATIONS && performance.now() < deadline) {
      const seed = r.pick(seeds);
      let m: { layer: string; text: string };
      try {
        m = mutant(seed, r);
      } catch {
        continue; // the mutation itself could not be encoded
      }
      figures.iterations++;
      figures.layers[m.layer] = (figures.layers[m.layer] ?? 0) + 1;
      const deps: PipelineDeps = {
        adapters: ADAPTERS,
        trust: () => seed.resolver,
        domestic: () => ({ status: 'GREEN', reasons: [], validUntil: null, policy: 't@1' }),
        policyRef: () => 't@1',
      };
      const t = performance.now();
      let report;
      try {
        report = (await verifyText(m.text, { at: seed.file.clock, lang: 'en' }, deps)).report;
      } catch (err) {
        figures.crashes++;
        throw new Error(`crash at iteration ${figures.iterations} (seed ${SEED}, ${seed.file.id}, layer ${m.layer}): ${String(err)}`);
      }
      if (performance.now() - t > PER_INPUT_MS) figures.slow++;
      for (const e of report.errors) {
        expect(ERROR_CODES).toContain(e.code);
        figures.codes[e.code] = (figures.codes[e.code] ?? 0) + 1;
      }
      if (report.outcome === 'VALID') {
        const triple = tripleOf(decodeHc1(m.text).cose);
        if (triple !== seed.triple) {
          figures.forgedValid++;
          throw new Error(`VALID for a changed signed triple (seed ${SEED}, ${seed.file.id}, iteration ${figures.iterations})`);
        }
        figures.validUnchanged++;
      }
      if (httpSample.length < 300 && r.int(20) === 0) httpSample.push(m.text);
    }
    figures.seconds = Math.round((performance.now() - started) / 100) / 10;
    expect(figures.crashes).toBe(0);
    expect(figures.forgedValid).toBe(0);
    // A few inputs may exceed the budget on a loaded CI box (GC pauses); a pattern may not.
    expect(figures.slow).toBeLessThan(Math.max(10, figures.iterations / 500));
    expect(figures.iterations).toBeGreaterThan(Math.min(MAX_ITERATIONS, 2000));
  }, (MAX_SECONDS + 30) * 1000);

  it('a sample of the mutants through HTTP: always 200 with a contract code, never 500', async () => {
    const svc = await edgeService({ edge: { audit: false } });
    try {
      expect(httpSample.length).toBeGreaterThan(50);
      for (const qr of httpSample) {
        const res = await request(svc.app).post('/v1/verify').send({ qr });
        if (res.status === 400) continue; // a mutant over 8 KB or empty is a malformed request
        expect(res.status).toBe(200);
        for (const e of res.body.errors) expect(ERROR_CODES).toContain(e.code);
      }
    } finally {
      await svc.close();
    }
  });
});
