// evaluateRules: rule selection and verdicts as the EU apps do it (src/rules/evaluate.ts header;
// DE covpass DefaultGetRulesUseCase.kt / RulesDao.kt / DefaultCertLogicEngine.kt).

import { describe, expect, it } from 'vitest';
import {
  buildExternal,
  certificateTypeOf,
  evaluateRules,
  evaluateRulesDetailed,
  selectRules,
} from '../../src/rules/evaluate.js';
import { RuleSchema } from '../../src/rules/schema.js';
import type { Rule } from '../../src/rules/schema.js';

const AT = new Date('2025-06-01T12:00:00Z');

function rule(over: Partial<Rule> & { Identifier: string }): Rule {
  return RuleSchema.parse({
    Type: 'Acceptance',
    Country: 'ID',
    Version: '1.0.0',
    SchemaVersion: '1.0.0',
    Engine: 'CERTLOGIC',
    EngineVersion: '1.0.0',
    CertificateType: 'General',
    Description: [
      { lang: 'en', desc: `English text of ${over.Identifier}` },
      { lang: 'id', desc: `Teks Indonesia ${over.Identifier}` },
    ],
    ValidFrom: '2025-01-01T00:00:00Z',
    ValidTo: '2026-01-01T00:00:00Z',
    AffectedFields: ['v.0'],
    Logic: { if: [true, true, { var: 'payload.v' }] },
    ...over,
  });
}
const TRUE = { if: [true, true, { var: 'payload.v' }] };
const FALSE = { if: [true, false, { var: 'payload.v' }] };
const vaccination = { ver: '1.3.0', v: [{ tg: '840539006', dn: 2, sd: 2, dt: '2025-03-01' }] };
const opts = { arrivalCountry: 'ID', at: AT, valueSets: {} };

describe('selectRules', () => {
  it('keeps Acceptance rules of the arrival country and Invalidation rules of the issuing country only', () => {
    const rules = [
      rule({ Identifier: 'GR-ID-0001' }),
      rule({ Identifier: 'GR-DE-0001', Country: 'DE' }),
      rule({ Identifier: 'IR-DE-0001', Country: 'DE', Type: 'Invalidation' }),
      rule({ Identifier: 'IR-ID-0001', Type: 'Invalidation' }),
    ];
    const ids = (issuerCountry?: string) =>
      selectRules(rules, { arrivalCountry: 'ID', at: AT, certificateType: 'Vaccination', ...(issuerCountry ? { issuerCountry } : {}) }).map(
        (r) => r.Identifier,
      );
    expect(ids('DE')).toEqual(['GR-ID-0001', 'IR-DE-0001']);
    // Unknown issuer: no invalidation rules at all (DE: issuanceCountryIsoCode.isNotBlank()).
    expect(ids()).toEqual(['GR-ID-0001']);
  });

  it('uses the half-open validity window ValidFrom ≤ at < ValidTo', () => {
    const r = [rule({ Identifier: 'GR-ID-0001', ValidFrom: '2025-06-01T12:00:00Z', ValidTo: '2025-06-02T12:00:00Z' })];
    const sel = (at: string) => selectRules(r, { arrivalCountry: 'ID', at: new Date(at), certificateType: null }).length;
    expect(sel('2025-06-01T11:59:59Z')).toBe(0);
    expect(sel('2025-06-01T12:00:00Z')).toBe(1);
    expect(sel('2025-06-02T11:59:59Z')).toBe(1);
    expect(sel('2025-06-02T12:00:00Z')).toBe(0);
  });

  it('keeps only the highest Version of each Identifier (numeric semver, 1.10.0 > 1.9.0)', () => {
    const r = [
      rule({ Identifier: 'VR-ID-0001', CertificateType: 'Vaccination', Version: '1.9.0', Logic: FALSE }),
      rule({ Identifier: 'VR-ID-0001', CertificateType: 'Vaccination', Version: '1.10.0', Logic: TRUE }),
      rule({ Identifier: 'VR-ID-0001', CertificateType: 'Vaccination', Version: '1.2.0', Logic: FALSE }),
    ];
    const s = selectRules(r, { arrivalCountry: 'ID', at: AT, certificateType: 'Vaccination' });
    expect(s.map((x) => x.Version)).toEqual(['1.10.0']);
    expect(evaluateRules({ payload: vaccination }, r, opts).result).toBe('PASSED');
  });

  it('a newer version not yet valid does not hide the current one', () => {
    const r = [
      rule({ Identifier: 'VR-ID-0001', CertificateType: 'Vaccination', Version: '1.0.0' }),
      rule({ Identifier: 'VR-ID-0001', CertificateType: 'Vaccination', Version: '2.0.0', ValidFrom: '2025-07-01T00:00:00Z' }),
    ];
    expect(selectRules(r, { arrivalCountry: 'ID', at: AT, certificateType: 'Vaccination' }).map((x) => x.Version)).toEqual(['1.0.0']);
  });

  it('filters by certificate type; General always applies', () => {
    const r = [
      rule({ Identifier: 'GR-ID-0001' }),
      rule({ Identifier: 'VR-ID-0001', CertificateType: 'Vaccination' }),
      rule({ Identifier: 'TR-ID-0001', CertificateType: 'Test' }),
      rule({ Identifier: 'RR-ID-0001', CertificateType: 'Recovery' }),
    ];
    const ids = (t: 'Vaccination' | 'Test' | 'Recovery' | null) =>
      selectRules(r, { arrivalCountry: 'ID', at: AT, certificateType: t }).map((x) => x.Identifier);
    expect(ids('Vaccination')).toEqual(['GR-ID-0001', 'VR-ID-0001']);
    expect(ids('Test')).toEqual(['GR-ID-0001', 'TR-ID-0001']);
    expect(ids('Recovery')).toEqual(['GR-ID-0001', 'RR-ID-0001']);
    expect(ids(null)).toEqual(['GR-ID-0001']);
  });

  it('matches Region exactly: country-wide rules without a region, regional rules only for that region', () => {
    const r = [rule({ Identifier: 'GR-ID-0001' }), rule({ Identifier: 'GR-ID-0002', Region: 'BA' })];
    const ids = (region?: string) =>
      selectRules(r, { arrivalCountry: 'ID', at: AT, certificateType: null, ...(region ? { region } : {}) }).map((x) => x.Identifier);
    expect(ids()).toEqual(['GR-ID-0001']);
    expect(ids('ba')).toEqual(['GR-ID-0002']);
  });
});

describe('certificateTypeOf', () => {
  it('reads the single entry kind, null for none or several', () => {
    expect(certificateTypeOf({ v: [{}] })).toBe('Vaccination');
    expect(certificateTypeOf({ t: [{}] })).toBe('Test');
    expect(certificateTypeOf({ r: [{}] })).toBe('Recovery');
    expect(certificateTypeOf({ v: [] })).toBeNull();
    expect(certificateTypeOf({ v: [{}], t: [{}] })).toBeNull();
    expect(certificateTypeOf(null)).toBeNull();
  });
});

describe('evaluateRules verdicts', () => {
  it('PASSED when every applicable rule is true, with the count', () => {
    const r = evaluateRules({ payload: vaccination }, [rule({ Identifier: 'GR-ID-0001' }), rule({ Identifier: 'VR-ID-0001', CertificateType: 'Vaccination' })], opts);
    expect(r).toEqual({ result: 'PASSED', failed: [], open: [], arrivalCountry: 'ID', evaluated: 2 });
  });

  it('FAILED lists the false rules with their description in the requested language; FAILED beats OPEN', () => {
    const rules = [
      rule({ Identifier: 'GR-ID-0001', Logic: FALSE }),
      rule({ Identifier: 'GR-ID-0002', Logic: { in: [{ var: 'payload.ver' }, { var: 'payload.nope' }] } }), // error → OPEN
      rule({ Identifier: 'GR-ID-0003' }),
    ];
    const r = evaluateRules({ payload: vaccination }, rules, { ...opts, lang: 'id' });
    expect(r).toEqual({
      result: 'FAILED',
      failed: [{ identifier: 'GR-ID-0001', description: 'Teks Indonesia GR-ID-0001' }],
      open: [{ identifier: 'GR-ID-0002', description: 'Teks Indonesia GR-ID-0002' }],
      arrivalCountry: 'ID',
      evaluated: 3,
    });
  });

  it('falls back to the English description when the language is missing', () => {
    const r0 = rule({ Identifier: 'GR-ID-0001', Logic: FALSE, Description: [{ lang: 'de', desc: 'Deutsch' }, { lang: 'en', desc: 'English' }] });
    expect(evaluateRules({ payload: vaccination }, [r0], { ...opts, lang: 'id' }).failed).toEqual([{ identifier: 'GR-ID-0001', description: 'English' }]);
  });

  it('OPEN (never PASSED) when no rule applies: the EU apps say "valid" there (covpass-android#67)', () => {
    expect(evaluateRules({ payload: vaccination }, [], opts)).toEqual({ result: 'OPEN', failed: [], open: [], arrivalCountry: 'ID', evaluated: 0 });
    expect(evaluateRules({ payload: vaccination }, [rule({ Identifier: 'TR-ID-0001', CertificateType: 'Test' })], opts).result).toBe('OPEN');
  });

  it('OPEN for an evaluation error and for a non-boolean result', () => {
    const d = evaluateRulesDetailed(
      { payload: vaccination },
      [
        rule({ Identifier: 'GR-ID-0001', Logic: { if: [{ var: 'payload.v' }, { var: 'payload.v.0.dn' }, false] } }), // → 2
        rule({ Identifier: 'GR-ID-0002', Logic: { after: [{ var: 'payload.v.0.dt' }, { var: 'payload.v.0.dt' }] } }), // strings, not date-times
      ],
      opts,
    );
    expect(d.outcomes.map((o) => [o.identifier, o.result, o.reason])).toEqual([
      ['GR-ID-0001', 'OPEN', 'NON_BOOLEAN_RESULT'],
      ['GR-ID-0002', 'OPEN', 'EVALUATION_ERROR'],
    ]);
    expect(d.outcomes[1]?.error).toMatch(/date/i);
    expect(d.result.result).toBe('OPEN');
  });

  it('OPEN for another engine or a newer CertLogic version than certlogic-js implements (1.3.2)', () => {
    const d = evaluateRulesDetailed(
      { payload: vaccination },
      [
        rule({ Identifier: 'GR-ID-0001', Engine: 'JSONLOGIC' }),
        rule({ Identifier: 'GR-ID-0002', EngineVersion: '2.0.0' }),
        rule({ Identifier: 'GR-ID-0003', EngineVersion: '1.3.2' }),
      ],
      opts,
    );
    expect(d.outcomes.map((o) => [o.identifier, o.result, o.reason])).toEqual([
      ['GR-ID-0001', 'OPEN', 'ENGINE_UNSUPPORTED'],
      ['GR-ID-0002', 'OPEN', 'ENGINE_VERSION_UNSUPPORTED'],
      ['GR-ID-0003', 'PASSED', 'EVALUATED'],
    ]);
  });

  it('gates on the DCC schema version like DefaultCertLogicEngine.kt', () => {
    const run = (ver: unknown, schema: string) =>
      evaluateRulesDetailed({ payload: { ...vaccination, ver } }, [rule({ Identifier: 'GR-ID-0001', SchemaVersion: schema })], opts).outcomes[0];
    expect(run('1.3.0', '1.0.0')).toMatchObject({ result: 'PASSED', reason: 'EVALUATED' });
    expect(run('1.3.0', '1.3.0')).toMatchObject({ result: 'PASSED', reason: 'EVALUATED' });
    expect(run('1.0.0', '1.3.0')).toMatchObject({ result: 'FAILED', reason: 'DCC_VERSION_TOO_OLD' });
    expect(run('2.0.0', '1.0.0')).toMatchObject({ result: 'OPEN', reason: 'SCHEMA_MAJOR_MISMATCH' });
    expect(run('1.3', '1.0.0')).toMatchObject({ result: 'OPEN', reason: 'DCC_VERSION_UNKNOWN' });
    expect(run(undefined, '1.0.0')).toMatchObject({ result: 'OPEN', reason: 'DCC_VERSION_UNKNOWN' });
  });

  it('passes the external parameters the EU engines pass', () => {
    const eq = (path: string, value: string) => ({ '===': [{ var: path }, value] });
    const r = rule({
      Identifier: 'GR-ID-0001',
      Logic: {
        and: [
          eq('external.countryCode', 'ID'),
          eq('external.issuerCountryCode', 'DE'),
          eq('external.kid', 'AAECAwQFBgc='),
          eq('external.region', 'BA'),
          eq('external.validationClock', '2025-06-01T12:00:00.000Z'),
          eq('external.iat', '2025-03-01T00:00:00.000Z'),
          eq('external.exp', '2026-03-01T00:00:00.000Z'),
          { in: ['EU/1/20/1528', { var: 'external.valueSets.vaccines-covid-19-names' }] },
          { 'not-before': [{ plusTime: [{ var: 'external.validationClock' }, 0, 'day'] }, { plusTime: [{ var: 'external.iat' }, 0, 'day'] }] },
        ],
      },
      Region: 'BA',
    });
    const input = {
      payload: vaccination,
      issuedAt: new Date('2025-03-01T00:00:00Z'),
      expiresAt: new Date('2026-03-01T00:00:00Z'),
      issuerCountry: 'DE',
      kid: 'AAECAwQFBgc=',
    };
    const o = { ...opts, region: 'BA', valueSets: { 'vaccines-covid-19-names': ['EU/1/20/1528'] } };
    expect(evaluateRules(input, [r], o).result).toBe('PASSED');
    expect(buildExternal(input, o)).toEqual({
      validationClock: '2025-06-01T12:00:00.000Z',
      valueSets: { 'vaccines-covid-19-names': ['EU/1/20/1528'] },
      countryCode: 'ID',
      exp: '2026-03-01T00:00:00.000Z',
      iat: '2025-03-01T00:00:00.000Z',
      issuerCountryCode: 'DE',
      kid: 'AAECAwQFBgc=',
      region: 'BA',
    });
  });

  it('normalises a CBOR-style payload (Map, Date) to JSON before evaluating', () => {
    const payload = new Map<string, unknown>([
      ['ver', '1.3.0'],
      ['v', [new Map<string, unknown>([['dn', 2], ['sd', 2]])]],
    ]);
    const r = rule({ Identifier: 'VR-ID-0001', CertificateType: 'Vaccination', Logic: { '>=': [{ var: 'payload.v.0.dn' }, { var: 'payload.v.0.sd' }] } });
    expect(evaluateRules({ payload }, [r], opts)).toMatchObject({ result: 'PASSED', evaluated: 1 });
  });

  it('a payload that is not JSON-compatible makes every applicable rule OPEN, never a throw', () => {
    const d = evaluateRulesDetailed({ payload: { ver: '1.3.0', big: 1n } }, [rule({ Identifier: 'GR-ID-0001' })], opts);
    expect(d.outcomes[0]).toMatchObject({ result: 'OPEN', reason: 'EVALUATION_ERROR' });
  });
});
