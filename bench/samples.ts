// npm run bench:samples — what each demo sample costs to verify, in process, as a multiple of
// `vaccination-complete` measured in the same run: the legitimate stream of bench:load is these
// samples in turn, so this says which format its CPU goes to. Each sample goes through the
// service's own pipeline (bench/pipeline.ts) over the demo trust lists (trust-lists/) that
// `npm start` serves; DIVOC's canonicalisation runs on this thread here (the service moves it to
// worker threads: the same CPU, elsewhere). Timed in CPU time of the process, in rounds that
// visit every sample in turn, so the box's drift hits all alike. Exits 0; prints a table.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { cpuMs } from './cpu.js';
import { benchPipeline } from './pipeline.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Math.min(Math.max(Number(process.env.BENCH_ROUNDS ?? 8), 1), 100);
const PER_ROUND_MS = 250;
const BASELINE = 'vaccination-complete';

interface Sample {
  id: string;
  file: string;
}
const { samples } = JSON.parse(readFileSync(`${ROOT}samples/index.json`, 'utf8')) as { samples: Sample[] };
const texts = samples.map((s) => ({ id: s.id, text: readFileSync(`${ROOT}samples/${s.file}`, 'utf8').trim() }));
const pipeline = await benchPipeline(`${ROOT}trust-lists`);
const at = new Date();

const spent = new Map(texts.map((t) => [t.id, { ms: 0, n: 0, outcome: '' }]));
for (const { text } of texts) for (let i = 0; i < 50; i++) await pipeline.verify(text, at); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const { id, text } of texts) {
    const entry = spent.get(id)!;
    const wall = performance.now();
    const cpu = cpuMs();
    let n = 0;
    let outcome = '';
    while (n < 10_000 && performance.now() - wall < PER_ROUND_MS) {
      outcome = (await pipeline.verify(text, at)).report.outcome;
      n++;
    }
    entry.ms += cpuMs() - cpu;
    entry.n += n;
    entry.outcome = outcome;
  }
}

const perCall = (id: string): number => spent.get(id)!.ms / spent.get(id)!.n;
const base = perCall(BASELINE);
console.log(`npm run bench:samples, ${new Date().toISOString()}, ${cpus().length} cores, node ${process.version}, ${ROUNDS} rounds of ${PER_ROUND_MS} ms per sample`);
console.log('| sample | outcome | CPU µs per verification | × vaccination-complete |');
console.log('|---|---|---|---|');
for (const { id } of texts) {
  console.log(`| ${id} | ${spent.get(id)!.outcome} | ${Math.round(perCall(id) * 1000)} | ${(perCall(id) / base).toFixed(1)}× |`);
}
// The DIVOC adapter's worker threads would keep the process alive.
process.exit(0);
