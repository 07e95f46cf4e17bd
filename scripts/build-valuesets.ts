// Builds src/formats/dcc/valuesets.json, the runtime reference data the DCC schema check and
// the mapper use, from the NEWEST eu-dcc-valuesets release found in the shared vectors folder
// (ehn-dcc-development/eu-dcc-valuesets, Apache-2.0; attribution in NOTICE).
//
//   node --import tsx scripts/build-valuesets.ts [vectorsDir/eu-dcc-valuesets] [out.json]
//
// The output keeps only what the service needs: code → English display per value set, keyed by
// the file name the DCC schema references (`valueset-uri: valuesets/<name>.json`), plus each
// set's official `valueSetId` (what CertLogic's `external.valueSets` is keyed by).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const sourceRoot = path.resolve(process.argv[2] ?? path.join(repoRoot, '../shared/vectors/eu-dcc-valuesets'));
const outFile = path.resolve(process.argv[3] ?? path.join(repoRoot, 'src/formats/dcc/valuesets.json'));

/**
 * The sets the DCC schema (eu-dcc-schema 1.3.x `$defs`) points at. Since release 2.12.0 the
 * rapid-test list ships only as `test-manf-example.json` (the live list moved to the DCC
 * gateway, see the release's source-update/README.md), so a set may name fallback files.
 */
const SETS: Record<string, string[]> = {
  'disease-agent-targeted': ['disease-agent-targeted.json'],
  'vaccine-prophylaxis': ['vaccine-prophylaxis.json'],
  'vaccine-medicinal-product': ['vaccine-medicinal-product.json'],
  'vaccine-mah-manf': ['vaccine-mah-manf.json'],
  'test-type': ['test-type.json'],
  'test-result': ['test-result.json'],
  'test-manf': ['test-manf.json', 'test-manf-example.json'],
  'country-2-codes': ['country-2-codes.json'],
};

function semverKey(name: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(name);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function newestRelease(root: string): string {
  let best: { name: string; key: number[] } | undefined;
  for (const name of readdirSync(root)) {
    const key = semverKey(name);
    if (!key) continue; // `main` and non-release folders are not releases
    if (!best || compare(key, best.key) > 0) best = { name, key };
  }
  if (!best) throw new Error(`no release folder (x.y.z) in ${root}`);
  return best.name;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

interface ValueSetFile {
  valueSetId: string;
  valueSetValues: Record<string, { display?: unknown }>;
}

export function buildValueSets(root: string): {
  release: string;
  ids: Record<string, string>;
  sets: Record<string, Record<string, string>>;
} {
  const release = newestRelease(root);
  const ids: Record<string, string> = {};
  const sets: Record<string, Record<string, string>> = {};
  for (const [setId, candidates] of Object.entries(SETS)) {
    const file = candidates.map((f) => path.join(root, release, f)).find((f) => existsSync(f));
    if (!file) throw new Error(`value set ${setId} missing from release ${release}`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as ValueSetFile;
    ids[setId] = parsed.valueSetId;
    const codes: Record<string, string> = {};
    // Sorted so regenerating from the same release gives byte-identical output.
    for (const code of Object.keys(parsed.valueSetValues).sort()) {
      const display = parsed.valueSetValues[code]?.display;
      codes[code] = typeof display === 'string' ? display : code;
    }
    sets[setId] = codes;
  }
  return { release, ids, sets };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const data = buildValueSets(sourceRoot);
  writeFileSync(outFile, `${JSON.stringify(data, null, 1)}\n`);
  const counts = Object.entries(data.sets).map(([k, v]) => `${k}=${Object.keys(v).length}`);
  console.log(`value sets ${data.release} → ${path.relative(repoRoot, outFile)} (${counts.join(', ')})`);
}
