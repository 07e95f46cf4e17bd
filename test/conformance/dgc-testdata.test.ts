// Conformance of the HC1 pipeline with the EU's own test data (dgc-testdata, 581 files from 39
// countries). Each file runs through the real adapter at its VALIDATIONCLOCK with its
// TESTCTX.CERTIFICATE as the only signer; every EXPECTED* flag is compared with our stage result.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/errors.js';
import { listVectorFiles, readVectorFile, runVector, STAGES, type Stage, type VectorFile } from './dgc-runner.js';

const VECTORS = join(fileURLToPath(new URL('../../..', import.meta.url)), 'shared', 'vectors', 'dgc-testdata');
const present = existsSync(VECTORS);
if (!present) console.warn(`dgc-testdata conformance SKIPPED: ${VECTORS} is missing`);

/**
 * Files where we deliberately disagree with a flag, and why. The test asserts that we still
 * disagree, so this table can never go stale silently.
 */
const DELIBERATE: Record<string, { stages: Stage[]; reason: string }> = {
  'BG/2DCode/raw/4': { stages: ['VERIFY'], reason: 'iat 2021-02-16 precedes the signer certificate (notBefore 2021-05-11): SIGNER_NOT_VALID (hcert spec §3.3.6; contract)' },
  'PL/1.0.0/2DCode/raw/10': { stages: ['VERIFY'], reason: 'iat 2021-01-17 precedes the signer certificate (notBefore 2021-05-24): SIGNER_NOT_VALID' },
  'PL/1.2.1/2DCode/raw/10': { stages: ['VERIFY'], reason: 'iat precedes the signer certificate: SIGNER_NOT_VALID' },
  'PL/1.3.0/2DCode/raw/10': { stages: ['VERIFY'], reason: 'iat precedes the signer certificate: SIGNER_NOT_VALID' },
  'IS/2DCode/raw/3': { stages: ['KEYUSAGE'], reason: "the signer's only EKU is not a DCC OID, which allows every type (formats.md item 8; CO15)" },
  'ES/2DCode/raw/1101': { stages: ['SCHEMAVALIDATION'], reason: '`tg` outside its closed value set; flagged valid only because the upstream runner checks no value sets (formats.md item 9)' },
  'ES/2DCode/raw/1103': { stages: ['SCHEMAVALIDATION'], reason: '`tr` outside its closed value set (formats.md item 9)' },
  'PL/1.0.0/2DCode/raw/7': { stages: ['SCHEMAVALIDATION'], reason: 'unknown `ma` is an open list: a warning, not a schema failure (formats.md item 9)' },
  'PL/1.0.0/2DCode/raw/9': { stages: ['SCHEMAVALIDATION'], reason: 'unknown `ma` only warns (formats.md item 9)' },
  'PL/1.2.1/2DCode/raw/7': { stages: ['SCHEMAVALIDATION'], reason: 'unknown `ma` only warns (formats.md item 9)' },
  'PL/1.2.1/2DCode/raw/9': { stages: ['SCHEMAVALIDATION'], reason: 'unknown `ma` only warns (formats.md item 9)' },
  'PL/1.3.0/2DCode/raw/7': { stages: ['SCHEMAVALIDATION'], reason: 'unknown `ma` only warns (formats.md item 9)' },
  'PL/1.3.0/2DCode/raw/9': { stages: ['SCHEMAVALIDATION'], reason: 'unknown `ma` only warns (formats.md item 9)' },
};

/** Upstream's own known issues (tests/known_issues.csv), read in place: their flags are not counted. */
function upstreamKnown(): { match: (file: VectorFile, stage: Stage) => string | undefined } {
  const TEST_STAGES: Record<string, Stage[]> = {
    test_cose_schema: ['SCHEMAVALIDATION'],
    test_verification_check: ['VERIFY'],
    test_expiration_check: ['EXPIRATIONCHECK'],
    test_expected_key_usage: ['KEYUSAGE'],
  };
  const rows = present
    ? readFileSync(join(VECTORS, 'tests', 'known_issues.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
    : [];
  return {
    match(file, stage) {
      const [country, ...rest] = file.id.split('/');
      const name = rest[rest.length - 1];
      for (const [test, c, set, reason] of rows) {
        if (c !== country || !(TEST_STAGES[test ?? ''] ?? []).includes(stage)) continue;
        if (set && set !== name) continue;
        return reason;
      }
      return undefined;
    },
  };
}

interface Tally {
  agree: number;
  deliberate: number;
  upstream: number;
  /** later stages not evaluated because an earlier stage failed as the file expects */
  notApplicable: number;
  disagree: string[];
}

describe.skipIf(!present)('dgc-testdata conformance (every file, every flag)', async () => {
  const files = present ? listVectorFiles(VECTORS).map((p) => readVectorFile(VECTORS, p)).filter((f): f is VectorFile => !!f) : [];
  const known = upstreamKnown();
  const tally = Object.fromEntries(STAGES.map((s) => [s, { agree: 0, deliberate: 0, upstream: 0, notApplicable: 0, disagree: [] as string[] }])) as unknown as Record<Stage, Tally>;

  it('finds the 581 test files', () => {
    expect(files.length).toBe(581);
  });

  for (const file of files) {
    it(`${file.id}: ${file.description ?? ''}`.trim(), async () => {
      const run = await runVector(file);
      const deliberate = DELIBERATE[file.id];
      // Set once a stage failed as the file expects, or failed in a listed disagreement: later
      // stages are then not evaluated and cannot be compared.
      let stopped = false;
      for (const stage of STAGES) {
        const flag = file.expected[stage];
        if (flag === undefined) continue;
        const got = run.stages[stage];
        const agrees = flag ? got === 'pass' : got !== 'pass';
        const t = tally[stage];
        if (deliberate?.stages.includes(stage)) {
          expect(agrees, `${file.id} ${stage} is listed as a deliberate disagreement: ${deliberate.reason}`).toBe(false);
          t.deliberate++;
          if (got === 'fail') stopped = true;
        } else if (known.match(file, stage)) {
          t.upstream++;
          if (got === 'fail') stopped = true;
        } else if (!agrees && got === 'unreached' && stopped) {
          t.notApplicable++;
        } else {
          if (!agrees) t.disagree.push(`${file.id} (${got}${run.thrown ? `, ${run.thrown}` : ''})`);
          expect(agrees, `${file.id}: ${stage} expected ${flag ? 'pass' : 'fail'}, got ${got}; errors ${run.failures.join(',')}`).toBe(true);
          t.agree++;
        }
        if (!flag && got === 'fail') stopped = true;
      }
    });
  }

  afterAll(() => {
    const rows = STAGES.map((s) => {
      const t = tally[s];
      const counted = t.agree + t.deliberate;
      return `${s.padEnd(17)} agree ${String(t.agree).padStart(4)} / ${String(counted).padStart(4)}  deliberate ${t.deliberate}  upstream-known ${t.upstream}  n/a ${t.notApplicable}`;
    });
    const agree = STAGES.reduce((n, s) => n + tally[s].agree, 0);
    const counted = STAGES.reduce((n, s) => n + tally[s].agree + tally[s].deliberate, 0);
    console.log(`dgc-testdata conformance, ${files.length} files:\n${rows.join('\n')}\nall flags: ${agree}/${counted} agree (${((100 * agree) / counted).toFixed(2)}%)`);
    console.log(`conformance EU_DCC: ${agree}/${counted} dgc-testdata expected-result flags agree over ${files.length} files (the rest are deliberate disagreements listed above; upstream-known issues not counted)`);
  });

  it('agrees on at least 98% of the counted flags, every disagreement being listed above', async () => {
    let agree = 0;
    let counted = 0;
    for (const file of files) {
      const run = await runVector(file);
      for (const stage of STAGES) {
        const flag = file.expected[stage];
        if (flag === undefined || known.match(file, stage)) continue;
        const got = run.stages[stage];
        if (got === 'unreached') continue;
        counted++;
        if (flag ? got === 'pass' : got !== 'pass') agree++;
      }
    }
    expect(counted).toBeGreaterThan(3500);
    expect(agree / counted).toBeGreaterThanOrEqual(0.98);
  });
});

/** The common negatives and positives of BasicDgcTestsList.md, each with the code we answer. */
const COMMON: Record<string, ErrorCode[] | 'VALID'> = {
  H1: ['UNSUPPORTED_FORMAT'], H2: ['UNSUPPORTED_FORMAT'], H3: ['UNSUPPORTED_FORMAT'],
  B1: ['BASE45_INVALID'],
  Z1: ['DECOMPRESSION_FAILED'], Z2: ['DECOMPRESSION_FAILED'],
  // CBO1: the COSE is well-formed but its payload carries no hcert -260/1; CBO2: not CBOR at all.
  CBO1: ['CWT_INVALID'], CBO2: ['CBOR_INVALID'],
  CO1: 'VALID', CO2: 'VALID', CO3: 'VALID',
  CO5: ['SIGNATURE_INVALID'],
  CO6: ['KEY_USAGE_MISMATCH'], CO7: ['KEY_USAGE_MISMATCH'], CO8: ['KEY_USAGE_MISMATCH'],
  CO9: ['KEY_USAGE_MISMATCH'], CO10: ['KEY_USAGE_MISMATCH'], CO11: ['KEY_USAGE_MISMATCH'],
  CO12: 'VALID', CO13: 'VALID', CO14: 'VALID', CO15: 'VALID',
  // The clock of CO16/CO17 also lies outside the signer's validity, which is reported too.
  CO16: ['SIGNER_NOT_VALID', 'NOT_YET_VALID'], CO17: ['SIGNER_NOT_VALID', 'EXPIRED'],
  CO18: 'VALID', CO19: 'VALID', CO20: 'VALID', CO21: 'VALID',
  CO22: ['KID_UNKNOWN'], CO23: ['KID_UNKNOWN'],
  CO28: 'VALID',
  DGC1: ['SCHEMA_INVALID'], DGC2: ['SCHEMA_INVALID'],
  DGC3: 'VALID', DGC4: 'VALID', DGC5: 'VALID', DGC6: 'VALID',
};

describe.skipIf(!present)('dgc-testdata common cases (BasicDgcTestsList.md)', () => {
  for (const [id, want] of Object.entries(COMMON)) {
    it(`${id} answers ${want === 'VALID' ? 'VALID' : want.join(' + ')}`, async () => {
      const file = readVectorFile(VECTORS, join(VECTORS, 'common', '2DCode', 'raw', `${id}.json`))!;
      const run = await runVector(file);
      expect(run.failures).toEqual(want === 'VALID' ? [] : want);
    });
  }
  it('Q1 (unreadable QR picture) is out of scope: the API receives text, and the picture is not part of the flags we check', () => {
    const file = readVectorFile(VECTORS, join(VECTORS, 'common', '2DCode', 'raw', 'Q1.json'))!;
    expect(Object.keys(file.expected)).toEqual([]);
  });
});
