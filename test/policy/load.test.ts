// Loading policy files: the bundled profiles load, a bad file is refused with one line naming
// the file and the field, and a number changed in a file changes the answer with no code change.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { HealthCertificate } from '../../src/model.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { DEFAULT_POLICY_FILE, PolicyError, loadPolicy, parsePolicy } from '../../src/policy/load.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POLICIES = path.join(ROOT, 'policies');
const PROFILES = ['ID-2021-09', 'ID-2022-07', 'ENTRY-SE25-2022'] as const;
const VECTORS = path.resolve(ROOT, '../shared/vectors');
const VALUESETS = path.join(VECTORS, 'eu-dcc-valuesets/2.12.0');

const tmp = mkdtempSync(path.join(tmpdir(), 'policy-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Json = Record<string, unknown>;
const readProfile = (id: string): Json => JSON.parse(readFileSync(path.join(POLICIES, `${id}.json`), 'utf8')) as Json;
function writeTemp(name: string, content: unknown): string {
  const file = path.join(tmp, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
/** Load `mutate(copy of ID-2021-09)` from a temp file and return the error it raises. */
function errorFor(name: string, mutate: (p: Json) => void): PolicyError {
  const p = readProfile('ID-2021-09');
  mutate(p);
  const file = writeTemp(name, p);
  try {
    loadPolicy(file);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error(`policy ${name} was accepted`);
}

const AT = new Date('2022-03-01T10:00:00Z');
const naat = (hoursAgo: number): HealthCertificate => ({
  format: 'EU_DCC',
  holder: { familyNameStd: 'DOE', givenNameStd: 'JANE', dateOfBirth: '1980-01-01' },
  evidence: {
    type: 'test',
    testType: { code: 'LP6464-4' },
    sampledAt: new Date(AT.getTime() - hoursAgo * 3_600_000).toISOString(),
    result: { code: '260415000' },
    positive: false,
  },
});

describe('bundled profiles', () => {
  it.each(PROFILES)('%s loads, with id@version, legal basis and both texts for every reason', (id) => {
    const p = loadPolicy(path.join(POLICIES, `${id}.json`));
    expect(p.id).toBe(id);
    expect(p.version).toBe(1);
    expect(p.legalBasis.length).toBeGreaterThan(0);
    for (const cell of Object.values(p.matrix)) {
      expect(p.texts[cell.reason]?.id).toBeTruthy();
      expect(p.texts[cell.reason]?.en).toBeTruthy();
    }
  });

  it('DEFAULT_POLICY_FILE is the bundled ID-2021-09', () => {
    expect(DEFAULT_POLICY_FILE).toBe(path.join(POLICIES, 'ID-2021-09.json'));
    expect(loadPolicy(DEFAULT_POLICY_FILE).id).toBe('ID-2021-09');
  });

  it('each profile cites the circulars of its period', () => {
    const cites = (id: string) => loadPolicy(path.join(POLICIES, `${id}.json`)).legalBasis.map((b) => b.citation).join(' | ');
    expect(cites('ID-2021-09')).toMatch(/No\. 20 Tahun 2021/);
    expect(cites('ID-2022-07')).toMatch(/No\. 21 Tahun 2022/);
    expect(cites('ID-2022-07')).toMatch(/440\/3917\/SJ/);
    expect(cites('ENTRY-SE25-2022')).toMatch(/No\. 25 Tahun 2022/);
  });
});

describe('a policy is data', () => {
  it('changing the NAAT window in a copy of the file changes the answer, no code change', () => {
    const original = loadPolicy(DEFAULT_POLICY_FILE);
    const copy = readProfile('ID-2021-09');
    ((copy.tests as Json).types as Record<string, Json>)['LP6464-4']!.windowHours = 48;
    copy.version = 2;
    const changed = loadPolicy(writeTemp('naat-48h.json', copy));

    const cert = naat(60);
    expect(evaluate(cert, original, AT, 'en')).toMatchObject({ status: 'GREEN', reasons: ['TEST_NEG_NAAT'], policy: 'ID-2021-09@1' });
    expect(evaluate(cert, changed, AT, 'en')).toMatchObject({ status: 'RED', reasons: ['TEST_EXPIRED'], policy: 'ID-2021-09@2' });
    expect(evaluate(naat(47), changed, AT, 'en').validUntil).toBe(new Date(AT.getTime() + 3_600_000).toISOString());
  });

  it('changing a colour in the matrix changes the answer', () => {
    const copy = readProfile('ID-2021-09');
    (copy.matrix as Json).VAX_PARTIAL = 'RED';
    const changed = loadPolicy(writeTemp('partial-red.json', copy));
    const cert: HealthCertificate = {
      format: 'EU_DCC',
      holder: {},
      evidence: { type: 'vaccination', product: { code: 'CoronaVac' }, doseNumber: 1, totalDoses: 2, date: '2022-01-01' },
    };
    expect(evaluate(cert, loadPolicy(DEFAULT_POLICY_FILE), AT, 'en').status).toBe('YELLOW');
    expect(evaluate(cert, changed, AT, 'en').status).toBe('RED');
  });
});

describe('invalid policy files are refused with one line naming the file and the field', () => {
  it('a negative NAAT window', () => {
    const err = errorFor('neg-window.json', (p) => {
      ((p.tests as Json).types as Record<string, Json>)['LP6464-4']!.windowHours = -1;
    });
    expect(err.message).toContain('neg-window.json');
    expect(err.field).toBe('tests.types.LP6464-4.windowHours');
    expect(err.message).toContain('tests.types.LP6464-4.windowHours');
    expect(err.message).not.toMatch(/\n/);
  });

  it('a product without primaryDoses names its index', () => {
    const err = errorFor('no-doses.json', (p) => {
      delete ((p.products as Json[])[4] as Json).primaryDoses;
    });
    expect(err.field).toBe('products[4].primaryDoses');
  });

  it('a misspelt key is named as unknown', () => {
    const err = errorFor('typo.json', (p) => {
      (p.recovery as Json).windowDay = 90;
    });
    expect(err.field).toBe('recovery.windowDay');
    expect(err.reason).toMatch(/unknown field/);
  });

  it('an outcome missing from the matrix', () => {
    const err = errorFor('no-row.json', (p) => {
      delete (p.matrix as Json).TEST_NEG_RAT;
    });
    expect(err.field).toBe('matrix.TEST_NEG_RAT');
  });

  it('BLACK for a recent positive is not configurable', () => {
    const err = errorFor('positive-green.json', (p) => {
      (p.matrix as Json).TEST_POSITIVE = 'GREEN';
    });
    expect(err.field).toBe('matrix.TEST_POSITIVE');
    expect(err.reason).toMatch(/BLACK/);
  });

  it('a reason code without texts', () => {
    const err = errorFor('no-text.json', (p) => {
      delete (p.texts as Json).VAX_BOOSTED;
    });
    expect(err.field).toBe('texts.VAX_BOOSTED');
  });

  it('a text missing its Bahasa Indonesia version', () => {
    const err = errorFor('no-id.json', (p) => {
      delete ((p.texts as Json).TEST_EXPIRED as Json).id;
    });
    expect(err.field).toBe('texts.TEST_EXPIRED.id');
  });

  it('an alias naming two products', () => {
    const err = errorFor('dup-alias.json', (p) => {
      ((p.products as Json[])[1] as Json).aliases = ['cvx:208'];
    });
    expect(err.field).toBe('products[1].aliases[0]');
    expect(err.reason).toMatch(/EU\/1\/20\/1528/);
  });

  it('a version that is not an integer', () => {
    expect(errorFor('version.json', (p) => void (p.version = '1')).field).toBe('version');
  });

  it('no legal basis', () => {
    expect(errorFor('no-basis.json', (p) => void (p.legalBasis = [])).field).toBe('legalBasis');
  });

  it('not JSON, and a missing file', () => {
    expect(() => loadPolicy(writeTemp('broken.json', '{ "id": '))).toThrow(/broken\.json: is not valid JSON/);
    expect(() => loadPolicy(path.join(tmp, 'absent.json'))).toThrow(/absent\.json: cannot be read \(ENOENT\)/);
  });

  it('parsePolicy names its source', () => {
    expect(() => parsePolicy({}, 'env POLICY_FILE')).toThrow(/^policy file env POLICY_FILE: /);
  });
});

// External data: the EU value sets (eu-dcc-valuesets 2.12.0) name the products and tests.
const haveVectors = existsSync(VALUESETS);
if (!haveVectors) console.warn(`[policy] SKIPPING value-set cross-check: ${VALUESETS} is missing`);
describe.skipIf(!haveVectors)('profiles against the EU value sets (shared/vectors/eu-dcc-valuesets 2.12.0)', () => {
  const valueSet = (name: string): Record<string, { display: string }> =>
    (JSON.parse(readFileSync(path.join(VALUESETS, name), 'utf8')) as { valueSetValues: Record<string, { display: string }> })
      .valueSetValues;
  const squash = (s: string): string => s.toUpperCase().replace(/\(DEPRECATED\)/g, '').replace(/[^A-Z0-9]/g, '');

  it.each(PROFILES)('%s: every product id is an EU mp code or a policy-own ID: code, and names that product', (id) => {
    const mp = valueSet('vaccine-medicinal-product.json');
    for (const product of loadPolicy(path.join(POLICIES, `${id}.json`)).products) {
      if (product.id.startsWith('ID:')) {
        expect(mp[product.id], product.id).toBeUndefined();
        continue;
      }
      const entry = mp[product.id];
      expect(entry, `${product.id} is not in the EU value set`).toBeDefined();
      const names = [product.id, product.name, ...product.aliases].map(squash).join('|');
      expect(names, `${product.id}: EU display "${entry?.display}"`).toContain(squash(entry?.display ?? '?'));
    }
  });

  it.each(PROFILES)('%s: every test type is an EU test-type code', (id) => {
    const tt = valueSet('test-type.json');
    for (const code of Object.keys(loadPolicy(path.join(POLICIES, `${id}.json`)).tests.types)) {
      expect(tt[code], code).toBeDefined();
    }
  });
});
