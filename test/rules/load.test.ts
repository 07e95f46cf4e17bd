// loadRules / parseRule / RuleSchema: tolerant of what real rule sets contain, strict about what
// selection and evaluation rely on. (The real-data check — the 194 testdata rules and the
// testdata tree's non-rule files — is in business-rules.test.ts.)

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules, parseRule } from '../../src/rules/load.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const demo = JSON.parse(readFileSync(path.join(ROOT, 'trust-lists/rules/ID/VR-ID-0001/rule.json'), 'utf8')) as Record<string, unknown>;

describe('parseRule', () => {
  it('accepts a gateway rule and keeps extra fields', () => {
    const r = parseRule({ ...demo, Hash: 'abc', Region: '' });
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.rule as Record<string, unknown>)['Hash']).toBe('abc');
  });

  it.each([
    ['missing Logic', { Logic: undefined }, /Logic/],
    ['Logic not an object', { Logic: true }, /Logic/],
    ['empty Logic', { Logic: {} }, /Logic/],
    ['bad Type', { Type: 'Other' }, /Type/],
    ['bad CertificateType', { CertificateType: 'Vaccinated' }, /CertificateType/],
    ['lower-case country', { Country: 'id' }, /Country/],
    ['ValidFrom without zone', { ValidFrom: '2025-01-01T00:00:00' }, /ValidFrom/],
    ['ValidTo before ValidFrom', { ValidTo: '2024-01-01T00:00:00Z' }, /ValidTo/],
    ['version not semver', { Version: 'one' }, /Version/],
    ['no description', { Description: [] }, /Description/],
    ['IR prefix on an Acceptance rule', { Identifier: 'IR-ID-0001' }, /IR-/],
    ['Invalidation without IR prefix', { Type: 'Invalidation' }, /IR-/],
    ['malformed CertLogic', { Logic: { if: [true, true] } }, /invalid CertLogic/],
    ['unknown operator', { Logic: { all: [[], true] } }, /invalid CertLogic/],
  ])('rejects %s', (_name, patch, reason) => {
    const r = parseRule({ ...demo, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('accepts identifiers numbered 0001 (published rules) and fractional-second timestamps', () => {
    expect(parseRule({ ...demo, Identifier: 'VR-ID-0001', ValidFrom: '2025-01-01T00:00:00.000+07:00' }).ok).toBe(true);
  });
});

describe('loadRules', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads single rules and arrays from the tree, skips tests/ and dot-folders, reports every bad file or entry', () => {
    mkdirSync(path.join(dir, 'ID/VR-ID-0001/tests'), { recursive: true });
    mkdirSync(path.join(dir, '.cache'), { recursive: true });
    mkdirSync(path.join(dir, 'DE'), { recursive: true });
    writeFileSync(path.join(dir, 'ID/VR-ID-0001/rule.json'), JSON.stringify(demo));
    writeFileSync(path.join(dir, 'ID/VR-ID-0001/tests/test001.json'), JSON.stringify({ payload: {}, expected: true }));
    writeFileSync(path.join(dir, '.cache/junk.json'), '{');
    writeFileSync(
      path.join(dir, 'DE/rules.json'),
      JSON.stringify([
        { ...demo, Identifier: 'VR-DE-0001', Country: 'DE' },
        { ...demo, Identifier: 'VR-DE-0002', Country: 'DE', Engine: undefined },
      ]),
    );
    writeFileSync(path.join(dir, 'DE/broken.json'), '{"Identifier": ');
    writeFileSync(path.join(dir, 'DE/notes.txt'), 'not json, not read');

    const { rules, dropped } = loadRules(dir);
    expect(rules.map((r) => r.Identifier).sort()).toEqual(['VR-DE-0001', 'VR-ID-0001']);
    expect(dropped.map((d) => d.file)).toEqual(['DE/broken.json', 'DE/rules.json#1']);
    expect(dropped[0]?.reason).toMatch(/^not JSON/);
    expect(dropped[1]?.reason).toMatch(/Engine/);
  });
});
