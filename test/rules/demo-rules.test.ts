// The shipped DEMO rule set (trust-lists/rules/ID): it must load cleanly, be well-formed as the
// testdata tooling demands (AffectedFields = the payload fields the Logic reads), be marked as a
// demo in every language, and each rule's own tests (dgc-business-rules-testdata format) must
// pass through the full evaluateRules() path.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logicDataAccesses } from '../../src/rules/certlogic.js';
import { evaluateRulesDetailed } from '../../src/rules/evaluate.js';
import { loadRules } from '../../src/rules/load.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = path.join(ROOT, 'trust-lists/rules');
const { rules, dropped } = loadRules(DIR);

describe('demo rule set trust-lists/rules', () => {
  it('loads 8 rules for ID with nothing dropped', () => {
    expect(dropped).toEqual([]);
    expect(rules.map((r) => r.Identifier).sort()).toEqual([
      'GR-ID-0001',
      'IR-ID-0001',
      'RR-ID-0001',
      'TR-ID-0001',
      'TR-ID-0002',
      'VR-ID-0001',
      'VR-ID-0002',
      'VR-ID-0003',
    ]);
    expect(new Set(rules.map((r) => r.Country))).toEqual(new Set(['ID']));
  });

  for (const rule of rules) {
    it(`${rule.Identifier}: marked [DEMO] in en and id, and AffectedFields match the Logic`, () => {
      expect(rule.Description.map((d) => d.lang).sort()).toEqual(['en', 'id']);
      for (const d of rule.Description) expect(d.desc.startsWith('[DEMO] ')).toBe(true);
      const read = logicDataAccesses(rule.Logic)
        .filter((a) => a.startsWith('payload.'))
        .map((a) => a.slice('payload.'.length))
        .sort();
      expect([...rule.AffectedFields].sort()).toEqual(read);
    });

    const testsDir = path.join(DIR, rule.Country, rule.Identifier, 'tests');
    const files = existsSync(testsDir) ? readdirSync(testsDir).filter((f) => /^test\d+\.json$/.test(f)).sort() : [];
    it(`${rule.Identifier} has tests for both outcomes`, () => {
      const expected = files.map((f) => (JSON.parse(readFileSync(path.join(testsDir, f), 'utf8')) as { expected: unknown }).expected);
      expect(expected).toContain(true);
      expect(expected).toContain(false);
    });
    for (const f of files) {
      const t = JSON.parse(readFileSync(path.join(testsDir, f), 'utf8')) as {
        name: string;
        payload: unknown;
        external: { validationClock: string; valueSets?: Record<string, string[]> };
        expected: boolean;
      };
      it(`${rule.Identifier} ${f} "${t.name}" → ${t.expected ? 'PASSED' : 'FAILED'}`, () => {
        const { result, outcomes } = evaluateRulesDetailed(
          // Invalidation rules are selected by the ISSUING country.
          { payload: t.payload, issuerCountry: 'ID' },
          [rule],
          { arrivalCountry: 'ID', at: new Date(t.external.validationClock), valueSets: t.external.valueSets ?? {} },
        );
        expect(outcomes.map((o) => [o.identifier, o.reason])).toEqual([[rule.Identifier, 'EVALUATED']]);
        expect(result.result).toBe(t.expected ? 'PASSED' : 'FAILED');
      });
    }
  }

  it('the Invalidation rule applies to ID-issued certificates arriving elsewhere, the Acceptance rules do not', () => {
    const payload = {
      ver: '1.3.0',
      v: [{ tg: '840539006', mp: 'EU/1/20/1528', dn: 2, sd: 2, dt: '2025-03-01', ci: 'URN:UVCI:01:ID:DEMOREVOKED/1#X' }],
    };
    const r = evaluateRulesDetailed({ payload, issuerCountry: 'ID' }, rules, {
      arrivalCountry: 'DE',
      at: new Date('2025-06-01T00:00:00Z'),
      valueSets: {},
    });
    expect(r.outcomes.map((o) => o.identifier)).toEqual(['IR-ID-0001']);
    expect(r.result).toMatchObject({ result: 'FAILED', failed: [{ identifier: 'IR-ID-0001' }] });
  });
});
