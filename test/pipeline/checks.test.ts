// The seven checks of the contract ("POST /v1/verify": signature, signerValidity, keyUsage,
// issuedAt, expiry, revocation, schema), in that order, for every format, on valid and on
// failing certificates: the demo samples through the shipped trust-lists/ (made by
// `npm run demo:keys`), each checked when valid and again at a moment before it was issued.
// A check a format cannot make is passed as not applicable with its reason, never left out.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import { CHECK_NAMES } from '../../src/model.js';
import { LogCapture } from '../helpers/service.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SAMPLES = path.join(ROOT, 'samples');
const index = JSON.parse(readFileSync(path.join(SAMPLES, 'index.json'), 'utf8')) as { generatedAt: string; samples: { id: string; expect: string; file: string }[] };
const AT = new Date(Date.parse(index.generatedAt) + 3600_000).toISOString();
/** Before every sample was issued and before every demo signer's validity. */
const LONG_BEFORE = '2000-01-01T00:00:00Z';

type Check = { name: string; passed: boolean; code?: string; applies?: boolean; reason?: string };
type Body = { outcome: string; format: string; errors: { code: string }[]; warnings: { code: string }[]; checks: Check[] };

let app: Awaited<ReturnType<typeof createService>>['app'];
beforeAll(async () => {
  ({ app } = await createService({
    trustListsDir: path.join(ROOT, 'trust-lists'),
    dataDir: mkdtempSync(path.join(tmpdir(), 'lintas-checks-')),
    logger: createLogger({ level: 'info', destination: new LogCapture() }),
    now: () => new Date(AT),
  }));
});

async function verify(file: string, at: string): Promise<Body> {
  const qr = readFileSync(path.join(SAMPLES, file), 'utf8').trim();
  const res = await request(app).post('/v1/verify').set('content-type', 'application/json').send({ qr, at });
  expect(res.status).toBe(200);
  return res.body as Body;
}

// Every sample that gets past its signature (tampered.txt stops at it: no checks, by contract).
const pastSignature = index.samples.filter((s) => s.file !== 'tampered.txt');

describe('the seven checks, in the contract order, for every format', () => {
  it('covers all five formats', async () => {
    const formats = new Set<string>();
    for (const s of pastSignature) formats.add((await verify(s.file, AT)).format);
    expect([...formats].sort()).toEqual(expect.arrayContaining(['DIVOC', 'EU_DCC', 'ICAO_VDS', 'SHC', 'WHO_DDCC']));
  });

  it.each(pastSignature.map((s) => [s.id, s.file] as const))('%s: seven checks in order, when checked at a moment it is meant for', async (_id, file) => {
    const body = await verify(file, AT);
    expect(body.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    expect(body.checks[0]).toEqual({ name: 'signature', passed: true });
    for (const c of body.checks) {
      // A check either failed with a code, passed, or passed as not applicable with a reason.
      if (!c.passed) expect(c.code).toMatch(/^[A-Z_]+$/);
      if (c.applies === false) expect(c).toEqual({ name: c.name, passed: true, applies: false, reason: expect.stringMatching(/^NO_[A-Z_]+$/) });
    }
    expect(body.errors.map((e) => e.code).sort()).toEqual(body.checks.filter((c) => !c.passed).map((c) => c.code).sort());
  });

  it.each(pastSignature.map((s) => [s.id, s.file] as const))('%s: checked before it was issued, still seven checks; issuedAt and signerValidity fail where they apply', async (_id, file) => {
    const body = await verify(file, LONG_BEFORE);
    expect(body.outcome).toBe('INVALID');
    expect(body.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    // Keys with a validity (DSCs, BSCs) were not valid yet; keys without one (a JWKS, a configured
    // DIVOC key) make the check not applicable — never a pass.
    const signer = body.checks.find((c) => c.name === 'signerValidity')!;
    if (signer.applies === false) expect(signer.reason).toBe('NO_SIGNER_VALIDITY');
    else expect(signer).toEqual({ name: 'signerValidity', passed: false, code: 'SIGNER_NOT_VALID' });
    // A seal without an issuance time cannot be "issued after at": its issuedAt check does not apply.
    const issued = body.checks.find((c) => c.name === 'issuedAt')!;
    if (issued.applies !== false) expect(issued).toEqual({ name: 'issuedAt', passed: false, code: 'NOT_YET_VALID' });
  });

  it('a format without expiry, key usage or revocation data says so per check (DIVOC: NO_EXPIRY, NO_KEY_USAGE, NO_REVOCATION_DATA)', async () => {
    const divoc = pastSignature.find((s) => s.id.startsWith('divoc-'))!;
    const body = await verify(divoc.file, AT);
    const reasons = Object.fromEntries(body.checks.filter((c) => c.applies === false).map((c) => [c.name, c.reason]));
    expect(reasons).toMatchObject({ keyUsage: 'NO_KEY_USAGE', expiry: 'NO_EXPIRY', revocation: 'NO_REVOCATION_DATA' });
    // Only what an officer must act on also becomes a warning.
    expect(body.warnings.map((w) => w.code)).toContain('NO_EXPIRY');
    expect(body.warnings.map((w) => w.code)).not.toContain('NO_KEY_USAGE');
  });

  it('a certificate stopped at its signature lists no checks (tampered.txt → SIGNATURE_INVALID)', async () => {
    const body = await verify('tampered.txt', AT);
    expect(body.errors.map((e) => e.code)).toEqual(['SIGNATURE_INVALID']);
    expect(body.checks).toEqual([]);
  });
});
