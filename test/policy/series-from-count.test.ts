// Credentials that state no series (SMART Health Cards, ICAO VDS-NC) count doses; a single dose
// of a two-dose product must not read as the EU "1/1 after recovery" encoding (a false GREEN).
import { describe, expect, it } from 'vitest';
import type { HealthCertificate, VaccinationEvidence } from '../../src/model.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { DEFAULT_POLICY_FILE, loadPolicy } from '../../src/policy/load.js';

const policy = loadPolicy(DEFAULT_POLICY_FILE);
const at = new Date('2021-10-01T00:00:00Z');

function cert(ev: Partial<VaccinationEvidence>): HealthCertificate {
  return {
    format: 'SHC',
    holder: { familyName: 'Doe', givenName: 'Jo', dateOfBirth: '1980-01-01' },
    evidence: { type: 'vaccination', product: { code: 'CVX:208' }, doseNumber: 1, totalDoses: 1, date: '2021-06-01', ...ev },
  };
}

describe('evaluate with seriesFromCount', () => {
  it('one listed dose of a two-dose product is VAX_PARTIAL (YELLOW), not complete', () => {
    expect(evaluate(cert({ seriesFromCount: true }), policy, at, 'en')).toMatchObject({ status: 'YELLOW', reasons: ['VAX_PARTIAL'] });
  });
  it('the same 1/1 stated by an EU issuer stays complete (the EU encoding)', () => {
    expect(evaluate(cert({}), policy, at, 'en').status).toBe('GREEN');
  });
  it('two listed doses are complete, three a booster', () => {
    expect(evaluate(cert({ seriesFromCount: true, doseNumber: 2, totalDoses: 2 }), policy, at, 'en').reasons).toEqual(['VAX_PRIMARY_COMPLETE']);
    expect(evaluate(cert({ seriesFromCount: true, doseNumber: 3, totalDoses: 3 }), policy, at, 'en').reasons).toEqual(['VAX_BOOSTED']);
  });
  it('one listed dose of a one-dose product (Jcovden, CVX 212) is complete', () => {
    expect(evaluate(cert({ seriesFromCount: true, product: { code: 'CVX:212' } }), policy, at, 'en').reasons).toEqual(['VAX_PRIMARY_COMPLETE']);
  });
  it('a generic ICD-11 code falls back to the brand name given as display', () => {
    const generic = cert({ seriesFromCount: true, doseNumber: 2, totalDoses: 2, product: { code: 'ICD11:XM68M6', display: 'Comirnaty' } });
    expect(evaluate(generic, policy, at, 'en').reasons).toEqual(['VAX_PRIMARY_COMPLETE']);
    const unknown = cert({ seriesFromCount: true, doseNumber: 2, totalDoses: 2, product: { code: 'ICD11:XM68M6' } });
    expect(evaluate(unknown, policy, at, 'en').reasons).toEqual(['VAX_PRODUCT_NOT_RECOGNISED']);
  });
});
