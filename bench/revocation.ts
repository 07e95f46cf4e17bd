// npm run bench:revocation — memory and lookup time of the revocation store at 1M entries
// (issue 4). Builds a dcc-revocation list of 1,000,000 UCI hashes as JSON, parses it through
// the real source parser (what a download does), then times lookups of present and absent
// hashes through the snapshot resolver, i.e. the path the HC1 adapter takes per certificate.
import { createHash, randomBytes } from 'node:crypto';
import { parseDccRevocation } from '../src/trust/sources/dcc-revocation.js';
import { buildSnapshot } from '../src/trust/store.js';

const N = Number(process.env['BENCH_REVOCATION_ENTRIES'] ?? 1_000_000);
const LOOKUPS = 1_000_000;
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
const rawGc = (globalThis as { gc?: () => void }).gc;
const gc = rawGc ? (): void => { for (let i = 0; i < 4; i++) rawGc(); } : undefined;

const hashes: Buffer[] = Array.from({ length: N }, (_, i) => createHash('sha256').update(`URN:UVCI:01:XX:BENCH${i}`).digest().subarray(0, 16));
let json: Buffer | undefined = Buffer.from(JSON.stringify({ batches: [{ country: 'XX', kid: 'UNKNOWN_KID', hashType: 'UCI', entries: hashes.map((h) => ({ hash: h.toString('base64') })) }] }));

const retained = (m: NodeJS.MemoryUsage): number => m.heapUsed + m.arrayBuffers;
gc?.();
const before = retained(process.memoryUsage());
let t = process.hrtime.bigint();
const result = await parseDccRevocation({ def: { id: 'bench', type: 'dcc-revocation', file: 'x' }, bytes: json, origin: 'file' });
const parseMs = Number(process.hrtime.bigint() - t) / 1e6;
const jsonBytes = json.length;
const snap = buildSnapshot([{ id: 'bench', type: 'dcc-revocation', at: new Date(0), ok: true, kind: 'revocation', result }], new Date(0));
gc?.();
const after = retained(process.memoryUsage());
json = undefined;
const set = result.revocation!.sets.UCI!;

// The resolver's DCC lookup, as verification calls it (hashes as a thunk).
const query = (hash: Uint8Array) => {
  const list = [{ type: 'UCI' as const, hash }];
  return { kind: 'dcc' as const, kid: 'k', hashes: () => list };
};
const present = Array.from({ length: 1000 }, (_, i) => query(hashes[(i * 997) % N]!));
const absent = Array.from({ length: 1000 }, () => query(randomBytes(16)));
const at = new Date(0);
if (!snap.resolver.revocation(present[0]!, at).data) throw new Error('the revocation list did not load');
const time = (queries: typeof present): number => {
  let hits = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++) {
    const v = snap.resolver.revocation(queries[i % queries.length]!, at);
    if (v.data && v.hit) hits++;
  }
  const ns = Number(process.hrtime.bigint() - start) / LOOKUPS;
  if (queries === present ? hits !== LOOKUPS : hits !== 0) throw new Error('lookup results are wrong');
  return ns;
};
time(present);
time(absent);
const runs = [0, 1, 2].map(() => [time(present), time(absent)] as const);
const hitNs = Math.min(...runs.map((r) => r[0]));
const missNs = Math.min(...runs.map((r) => r[1]));

console.log(`revocation store, ${N.toLocaleString('en')} UCI entries (${mb(jsonBytes)} of JSON)`);
console.log(`  parse + build:            ${parseMs.toFixed(0)} ms`);
console.log(`  hash table:               ${mb(set.byteLength)} (flat 16-byte slots, load factor ${(set.size / (set.byteLength / 17)).toFixed(2)})`);
// heapUsed deltas are not reported: V8 frees the JSON text's intermediates lazily, which made
// the delta negative in trials; the table's own allocation is exact and is what the store keeps.
void before;
void after;
console.log(`  process RSS after load:   ${mb(process.memoryUsage().rss)} (includes the 34 MB JSON text and the bench's own 1M test hashes)`);
console.log(`  lookup, present (best of 3 × ${LOOKUPS.toLocaleString('en')}): ${hitNs.toFixed(0)} ns`);
console.log(`  lookup, absent  (best of 3 × ${LOOKUPS.toLocaleString('en')}): ${missNs.toFixed(0)} ns`);
