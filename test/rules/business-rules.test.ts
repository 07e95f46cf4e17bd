// Conformance with eu-digital-green-certificates/dgc-business-rules-testdata @cf57b97
// (Apache-2.0), read in place from ../shared/vectors/dgc-business-rules-testdata:
// 194 rules `<CC>/<RULE>/rule.json`, 1,364 tests `<CC>/<RULE>/tests/testNNN.json` =
// `{ name?, payload, external: { validationClock?, valueSets? }, expected: true|false }`.
//
// Every test runs through OUR code, in two layers:
//  A. all 1,364: the rule is parsed with parseRule() (the loader's validator), `external` is
//     built by buildExternal() and the Logic run by runRuleLogic() — the exact steps
//     evaluateRules() performs per selected rule after its gates. Expected true ⇔ PASSED,
//     false ⇔ FAILED (the testdata tooling `run-all-tests.ts` also treats an exception as a
//     failure, so OPEN never matches).
//  B. the full evaluateRules() with the single rule, arrival country = the rule's country:
//     - a General rule, or a payload with exactly one entry kind matching the rule's
//       CertificateType: the overall result must be PASSED/FAILED as expected. The testdata payloads carry
//       no `ver` (1,362 of 1,364), which the EU engines turn into OPEN (DE
//       `DefaultCertLogicEngine.kt`), so `ver` = the rule's SchemaVersion (1.0.0) is added when
//       absent; we check that no rule's Logic reads `payload.ver`, so this cannot change a result.
//     - any other payload (e.g. "empty DCC", a vaccination payload for a test rule): the EU apps
//       never select the rule for such a certificate (RulesDao: CertificateType = type OR
//       General), so evaluateRules must report `evaluated: 0` (and OPEN, see evaluate.ts).
//
// Inputs: `at` = `external.validationClock` (a missing zone read as UTC, as certlogic-js does);
// 892 tests have no clock: their rules never read it on those payloads (the tooling would have
// thrown), and `at` = the rule's ValidFrom keeps the rule selectable. Value sets: the test's own
// `external.valueSets`; 4 tests put the sets directly under `external` (hoisted here); 55 tests
// have none and get the testdata's compressed `valuesets/valueSets.json`.
//
// Result: 1,364 / 1,364 pass in layer A. In layer B 989 go through full selection and
// evaluation and all agree, 373 are correctly not selected (type mismatch), and 2
// (GR-NL-0002 test003/004: payload null / absent) are OPEN because there is no DCC `ver`.
// No known differences in layer A — the table below is empty, and the tally test fails if
// anything new differs.
//
// | rule / test | expected | ours | reason |
// |-------------|----------|------|--------|
// | (none)      |          |      |        |

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logicDataAccesses } from '../../src/rules/certlogic.js';
import { buildExternal, certificateTypeOf, evaluateRulesDetailed, runRuleLogic } from '../../src/rules/evaluate.js';
import { loadRules, parseRule } from '../../src/rules/load.js';
import type { Rule } from '../../src/rules/schema.js';

const VECTORS = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/vectors');
const BRTD = path.join(VECTORS, 'dgc-business-rules-testdata');
const present = existsSync(path.join(BRTD, 'valuesets/valueSets.json'));
if (!present) console.warn(`!! dgc-business-rules-testdata missing at ${BRTD}: business-rules conformance SKIPPED`);

const NON_RULE_SET_DIRS = new Set(['tests', 'tooling', 'valuesets']); // as the testdata's rule-sets.ts

interface BrtdTest {
  name?: string;
  payload?: unknown;
  external?: Record<string, unknown>;
  expected: unknown;
}
interface Case {
  ruleDir: string;
  file: string;
  rule: Rule;
  test: BrtdTest;
}

/** Known differences: `<ruleDir>/<file>` → reason. Empty: every test agrees. */
const KNOWN_DIFFERENCES: Record<string, string> = {};

function readJson(p: string): unknown {
  return JSON.parse(readFileSync(p, 'utf8'));
}

const ruleDirs: string[] = present
  ? readdirSync(BRTD, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !NON_RULE_SET_DIRS.has(d.name))
      .flatMap((cc) =>
        readdirSync(path.join(BRTD, cc.name))
          .filter((r) => existsSync(path.join(BRTD, cc.name, r, 'rule.json')))
          .map((r) => `${cc.name}/${r}`),
      )
      .sort()
  : [];

const parsedRules = ruleDirs.map((dir) => ({ dir, parsed: parseRule(readJson(path.join(BRTD, dir, 'rule.json'))) }));

const cases: Case[] = parsedRules.flatMap(({ dir, parsed }) => {
  if (!parsed.ok) return [];
  const testsDir = path.join(BRTD, dir, 'tests');
  if (!existsSync(testsDir)) return [];
  return readdirSync(testsDir)
    .filter((f) => /^test\d+\.json$/.test(f))
    .sort()
    .map((file) => ({ ruleDir: dir, file, rule: parsed.rule, test: readJson(path.join(testsDir, file)) as BrtdTest }));
});

const compressedValueSets = present
  ? (readJson(path.join(BRTD, 'valuesets/valueSets.json')) as Record<string, string[]>)
  : {};

function valueSetsOf(t: BrtdTest): Record<string, string[]> {
  const ext = t.external ?? {};
  if (ext['valueSets'] && typeof ext['valueSets'] === 'object') return ext['valueSets'] as Record<string, string[]>;
  const hoisted = Object.fromEntries(Object.entries(ext).filter(([, v]) => Array.isArray(v))) as Record<string, string[]>;
  return Object.keys(hoisted).length > 0 ? hoisted : compressedValueSets;
}

/** certlogic-js reads a date-time without zone as UTC (spec 1.0.1); so do we here. */
function atOf(c: Case): Date {
  const clock = c.test.external?.['validationClock'];
  if (typeof clock !== 'string') return new Date(c.rule.ValidFrom);
  return new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(clock) ? clock : `${clock}Z`);
}

type Verdict = 'PASSED' | 'FAILED' | 'OPEN';
const expectedVerdict = (t: BrtdTest): Verdict => (t.expected === true ? 'PASSED' : t.expected === false ? 'FAILED' : 'OPEN');

function layerA(c: Case): { result: Verdict; error?: string } {
  const at = atOf(c);
  const external = buildExternal({}, { arrivalCountry: c.rule.Country, at, valueSets: valueSetsOf(c.test) });
  const o = runRuleLogic(c.rule, { payload: c.test.payload, external });
  return o.error !== undefined ? { result: o.result, error: o.error } : { result: o.result };
}

/** As RulesDao: CertificateType = the certificate's type OR General (General always applies). */
function isSelectable(c: Case): boolean {
  return c.rule.CertificateType === 'General' || c.rule.CertificateType === certificateTypeOf(c.test.payload);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function layerB(c: Case): ReturnType<typeof evaluateRulesDetailed> {
  const p = c.test.payload;
  const payload = isObject(p) && p['ver'] === undefined ? { ...p, ver: c.rule.SchemaVersion } : p;
  return evaluateRulesDetailed({ payload }, [c.rule], {
    arrivalCountry: c.rule.Country,
    at: atOf(c),
    valueSets: valueSetsOf(c.test),
  });
}

describe.skipIf(!present)('dgc-business-rules-testdata: rules load', () => {
  it('all 194 rule.json files parse as EU gateway rules with well-formed CertLogic', () => {
    const bad = parsedRules.filter((r) => !r.parsed.ok).map((r) => [r.dir, r.parsed.ok ? '' : r.parsed.reason]);
    expect(bad).toEqual([]);
    expect(parsedRules.length).toBe(194);
  });

  it('loadRules over the whole tree keeps every rule file and drops exactly the non-rules, with reasons', () => {
    const { rules, dropped } = loadRules(BRTD);
    // 194 rule.json + 6 stray but valid rule copies in MT/*/ (e.g. MT/GR-MT-0000/GR-MT-0000.json).
    expect(rules.length).toBe(200);
    expect(dropped.map((d) => d.file).sort()).toEqual([
      'MT/RR-MT-0001/TR-MT-0001.json', // upstream file is truncated JSON
      'MT/VR-MT-0005/VR-MT-0005.json', // upstream draft: "if" with 4 operands
      'tooling/schemas/validation-rule-test.schema.json',
      'tooling/tsconfig.json',
      'valuesets/schemas/ValueSet.json',
      'valuesets/schemas/ValueSets.json',
      'valuesets/valueSets.json',
    ]);
    expect(dropped.find((d) => d.file === 'MT/RR-MT-0001/TR-MT-0001.json')?.reason).toMatch(/^not JSON/);
    expect(dropped.find((d) => d.file === 'MT/VR-MT-0005/VR-MT-0005.json')?.reason).toMatch(
      /invalid CertLogic: an "if"-operation must have exactly 3/,
    );
  });

  it('no rule reads payload.ver, so defaulting it in layer B cannot change a result', () => {
    const readers = parsedRules.filter(
      (r) => r.parsed.ok && logicDataAccesses(r.parsed.rule.Logic).some((a) => a === 'payload.ver'),
    );
    expect(readers.map((r) => r.dir)).toEqual([]);
  });
});

describe.skipIf(!present)('dgc-business-rules-testdata: 1,364 tests through runRuleLogic (layer A)', () => {
  for (const c of cases) {
    const id = `${c.ruleDir}/${c.file}`;
    it(`${c.rule.Identifier} ${c.file} "${c.test.name ?? '<no name>'}" → ${String(c.test.expected)}`, () => {
      // As the testdata tooling: the clock must lie in the rule's validity range.
      const at = atOf(c).getTime();
      expect(Date.parse(c.rule.ValidFrom) <= at && at < Date.parse(c.rule.ValidTo)).toBe(true);
      const got = layerA(c);
      if (KNOWN_DIFFERENCES[id]) {
        expect(got.result).not.toBe(expectedVerdict(c.test));
        return;
      }
      expect(got).toEqual({ result: expectedVerdict(c.test) });
    });
  }
});

describe.skipIf(!present)('dgc-business-rules-testdata: the same tests through evaluateRules (layer B)', () => {
  for (const c of cases) {
    const selectable = isSelectable(c);
    const dccShaped = isObject(c.test.payload);
    const title = !selectable
      ? `${c.rule.Identifier} ${c.file} → not selected for this payload's type (evaluated 0, OPEN)`
      : !dccShaped
        ? `${c.rule.Identifier} ${c.file} → payload ${JSON.stringify(c.test.payload) ?? 'undefined'} has no ver: OPEN (DCC_VERSION_UNKNOWN)`
        : `${c.rule.Identifier} ${c.file} → rules ${expectedVerdict(c.test)}`;
    it(title, () => {
      const { result, outcomes } = layerB(c);
      if (!selectable) {
        expect(result).toMatchObject({ result: 'OPEN', evaluated: 0, failed: [], open: [] });
        return;
      }
      expect(outcomes).toHaveLength(1);
      if (!dccShaped) {
        // GR-NL-0002 test003/test004 (payload null / absent, expected true from the bare Logic):
        // a real DCC always has `ver`, and the EU engines give OPEN without one.
        expect(outcomes[0]).toMatchObject({ result: 'OPEN', reason: 'DCC_VERSION_UNKNOWN' });
        expect(result.result).toBe('OPEN');
        return;
      }
      expect(outcomes[0]?.reason).toBe('EVALUATED');
      expect(result.result).toBe(expectedVerdict(c.test));
      expect(result.failed.map((f) => f.identifier)).toEqual(c.test.expected === false ? [c.rule.Identifier] : []);
    });
  }
});

describe.skipIf(!present)('dgc-business-rules-testdata: tally', () => {
  it('1,364 tests; A: 1,364 agree; B: 989 evaluated and agree, 373 not selected, 2 OPEN without a payload', () => {
    const a = cases.map((c) => ({ c, ok: layerA(c).result === expectedVerdict(c.test) }));
    const aPass = a.filter((x) => x.ok).length;
    const aDiff = a.filter((x) => !x.ok).map((x) => `${x.c.ruleDir}/${x.c.file}`);
    const selectable = cases.filter((c) => isSelectable(c) && isObject(c.test.payload));
    const bPass = selectable.filter((c) => layerB(c).result.result === expectedVerdict(c.test)).length;
    const notSelected = cases.filter((c) => !isSelectable(c)).length;
    console.info(
      `dgc-business-rules-testdata: ${cases.length} tests over ${parsedRules.length} rules; ` +
        `layer A ${aPass}/${cases.length} pass; layer B ${bPass}/${selectable.length} evaluated pass, ` +
        `${notSelected} correctly not selected, ${cases.length - selectable.length - notSelected} OPEN for lack of a DCC payload`,
    );
    expect(cases.length).toBe(1364);
    expect(aDiff.sort()).toEqual(Object.keys(KNOWN_DIFFERENCES).sort());
    expect(aPass).toBe(1364);
    expect(selectable.length).toBe(989);
    expect(bPass).toBe(989);
    expect(notSelected).toBe(373);
  });
});
