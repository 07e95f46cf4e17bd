// valueSetsForRules against the real EU value sets (../shared/vectors/eu-dcc-valuesets, read in
// place), shaped as the service will hold them: { setId: { code: display } }.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../src/rules/evaluate.js';
import { loadRules } from '../../src/rules/load.js';
import { valueSetsForRules } from '../../src/rules/valuesets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VS = path.resolve(ROOT, '../shared/vectors/eu-dcc-valuesets/2.0.0');
const present = existsSync(path.join(VS, 'vaccine-medicinal-product.json'));
if (!present) console.warn(`!! eu-dcc-valuesets missing at ${VS}: value-set tests SKIPPED`);

const FILES = [
  'country-2-codes',
  'disease-agent-targeted',
  'test-manf',
  'test-result',
  'test-type',
  'vaccine-mah-manf',
  'vaccine-medicinal-product',
  'vaccine-prophylaxis',
];

function readAsDisplayTables(keyBy: 'file' | 'valueSetId'): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const f of FILES) {
    const j = JSON.parse(readFileSync(path.join(VS, `${f}.json`), 'utf8')) as {
      valueSetId: string;
      valueSetValues: Record<string, { display: string }>;
    };
    out[keyBy === 'file' ? f : j.valueSetId] = Object.fromEntries(
      Object.entries(j.valueSetValues).map(([code, v]) => [code, v.display]),
    );
  }
  return out;
}

describe.skipIf(!present)('valueSetsForRules on eu-dcc-valuesets 2.0.0', () => {
  it('gives the same code lists whether the tables are keyed by file name or by valueSetId', () => {
    const byFile = valueSetsForRules(readAsDisplayTables('file'));
    const byId = valueSetsForRules(readAsDisplayTables('valueSetId'));
    expect(byFile).toEqual(byId);
    expect(Object.keys(byId).sort()).toEqual([
      'country-2-codes',
      'covid-19-lab-result',
      'covid-19-lab-test-manufacturer-and-name',
      'covid-19-lab-test-type',
      'disease-agent-targeted',
      'sct-vaccines-covid-19',
      'vaccines-covid-19-auth-holders',
      'vaccines-covid-19-names',
    ]);
    expect(byId['vaccines-covid-19-names']).toContain('EU/1/20/1528');
    expect(byId['covid-19-lab-test-type']).toEqual(['LP217198-3', 'LP6464-4']);
    expect(byId['disease-agent-targeted']).toEqual(['840539006']);
  });

  it('merges two keys naming the same set and keeps unknown keys', () => {
    expect(
      valueSetsForRules({ 'test-result': { b: 'B' }, 'covid-19-lab-result': { a: 'A' }, custom: { z: 'Z' } }),
    ).toEqual({ 'covid-19-lab-result': ['a', 'b'], custom: ['z'] });
  });

  it('feeds the demo rule VR-ID-0003 (product must be in the EU value set)', () => {
    const { rules } = loadRules(path.join(ROOT, 'trust-lists/rules'));
    const vr3 = rules.filter((r) => r.Identifier === 'VR-ID-0003');
    const valueSets = valueSetsForRules(readAsDisplayTables('file'));
    const run = (mp: string) =>
      evaluateRules({ payload: { ver: '1.3.0', v: [{ mp }] } }, vr3, {
        arrivalCountry: 'ID',
        at: new Date('2025-06-01T00:00:00Z'),
        valueSets,
      }).result;
    expect(run('EU/1/20/1528')).toBe('PASSED');
    expect(run('Sputnik-V')).toBe('PASSED');
    expect(run('NOT-A-PRODUCT')).toBe('FAILED');
  });
});
