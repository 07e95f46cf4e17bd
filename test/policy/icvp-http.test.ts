// The digital ICVP through the real service (createService, HTTP): /v1/verify answers VALID and the
// policy's colour for DVCs signed on the spot by a listed test DSC; POLICY_FILE selects ID-2023-06;
// /v1/holder-status combines a DVC with an EU DCC of the same person. The certificates here are
// made with the project's own issuer (scripts/demo/sign-hc1.ts via test/helpers/service.ts hc1):
// these tests are about the policy and the HTTP answer, not interoperability (that is
// test/formats/dcc/dvc.test.ts, with an independent encoder and the WHO examples).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { dvcYellowFever } from '../../scripts/demo/icvp.js';
import { vaccination } from '../../scripts/demo/samples.js';
import { ReportSchema } from '../../src/http/openapi.js';
import { parseConfig } from '../../src/config.js';
import { issue, seconds } from '../formats/dcc/dvc-sign.js';
import { hc1, testService } from '../helpers/service.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
type Svc = Awaited<ReturnType<typeof testService>>;
let svc: Svc;
let today: Svc;
beforeAll(async () => {
  svc = await testService();
  today = await testService({ policyFile: path.join(ROOT, 'policies', 'ID-2023-06.json') });
});

const AT = '2026-11-25T10:00:00Z';
const dvc = (s: Svc, date: string, extra: Record<string, unknown> = {}) =>
  hc1(s.pki, { ...dvcYellowFever({ date }), ...extra }, { hcertLabel: -6, iat: '2026-11-20T00:00:00Z', exp: '2027-11-20T00:00:00Z' });
const verify = (s: Svc, qr: string, lang = 'en') => request(s.app).post('/v1/verify').set('accept-language', lang).send({ qr, at: AT });

describe('POST /v1/verify with a WHO DVC (digital ICVP)', () => {
  it('yellow fever vaccinated 30 days before → 200 VALID WHO_DVC, GREEN ICVP_YF_VALID, validFrom day 10, the answer matches the OpenAPI schema', async () => {
    const res = await verify(svc, dvc(svc, '2026-10-26'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      outcome: 'VALID',
      format: 'WHO_DVC',
      errors: [],
      holder: { familyName: 'Ayu Lestari Pratama-Müller', dateOfBirth: '1990-04-12' },
      certificate: { type: 'vaccination', disease: { code: '1D47', display: 'Yellow fever' }, product: { display: 'STAMARIL - 10 dose - Sanofi Pasteur' }, date: '2026-10-26', issuerCountry: 'XA' },
      domestic: { status: 'GREEN', reasons: ['ICVP_YF_VALID'], validUntil: null, validFrom: '2026-11-05T00:00:00.000Z', policy: 'ID-2021-09@1' },
    });
    expect(ReportSchema.safeParse(res.body).success).toBe(true);
  });

  it('vaccinated 4 days before → VALID, YELLOW ICVP_YF_NOT_YET_VALID, the report says from when (id text too)', async () => {
    const res = await verify(svc, dvc(svc, '2026-11-21'), 'id');
    expect(res.body).toMatchObject({ outcome: 'VALID', domestic: { status: 'YELLOW', reasons: ['ICVP_YF_NOT_YET_VALID'], validUntil: null, validFrom: '2026-12-01T00:00:00.000Z' } });
    expect(res.body.domestic.reasonTexts[0]).toMatch(/demam kuning/);
  });

  it('signed by a tests-only DSC → INVALID KEY_USAGE_MISMATCH, domestic INVALID', async () => {
    const qr = hc1(svc.pki, dvcYellowFever({ date: '2026-10-26' }), { hcertLabel: -6, signer: 'testOnly', iat: '2026-11-20T00:00:00Z' });
    const res = await verify(svc, qr);
    expect(res.body).toMatchObject({ outcome: 'INVALID', format: 'WHO_DVC', domestic: { status: 'INVALID', reasons: ['KEY_USAGE_MISMATCH'] } });
  });

  it('a health link beside the DVC (hcert 5) is listed in certificate.healthLinks of the HTTP answer', async () => {
    // hc1() writes one sub-claim only: the independent encoder of the format tests writes both.
    const link = 'vhlink:/eyJ1cmwiOiJodHRwczovL3ZobC5leGFtcGxlL20vZGVmIn0';
    const qr = issue({ key: svc.pki.ec.privateKey, kid: svc.pki.ec.kid, iss: 'XA', iat: seconds('2026-11-20T00:00:00Z'), hcert: { [-6]: dvcYellowFever({ date: '2026-10-26' }), 5: link } });
    const res = await verify(svc, qr);
    expect(res.body).toMatchObject({ outcome: 'VALID', format: 'WHO_DVC', certificate: { healthLinks: [link] }, domestic: { status: 'GREEN' } });
    expect(ReportSchema.safeParse(res.body).success).toBe(true);
  });
});

describe('POLICY_FILE=policies/ID-2023-06.json (SE Satgas 1/2023)', () => {
  it('is accepted by the configuration and selects ID-2023-06; the default stays ID-2021-09', async () => {
    expect(parseConfig({ POLICY_FILE: 'policies/ID-2023-06.json' }).POLICY_FILE).toBe('policies/ID-2023-06.json');
    const eu = hc1(today.pki, vaccination({ dn: 1, sd: 2, dt: '2026-11-20' }), { iat: '2026-11-21T00:00:00Z' });
    const informative = await verify(today, eu);
    expect(informative.body.domestic).toMatchObject({ status: 'GREEN', reasons: ['COVID_NOT_REQUIRED'], validUntil: null, policy: 'ID-2023-06@1' });
    const before = await verify(svc, eu);
    expect(before.body.domestic).toMatchObject({ status: 'YELLOW', reasons: ['VAX_PARTIAL'], policy: 'ID-2021-09@1' });
  });

  it('the ICVP rules apply unchanged: yellow fever day 4 YELLOW, day 30 GREEN', async () => {
    expect((await verify(today, dvc(today, '2026-11-21'))).body.domestic).toMatchObject({ status: 'YELLOW', reasons: ['ICVP_YF_NOT_YET_VALID'], policy: 'ID-2023-06@1' });
    expect((await verify(today, dvc(today, '2026-10-26'))).body.domestic).toMatchObject({ status: 'GREEN', reasons: ['ICVP_YF_VALID'] });
  });
});

describe('POST /v1/holder-status with a DVC and an EU DCC of the same person', () => {
  it('one dose of a COVID vaccine and a valid yellow-fever ICVP → GREEN ICVP_YF_VALID, both reports listed', async () => {
    const qrs = [hc1(svc.pki, vaccination({ dn: 1, sd: 2, dt: '2026-10-01' }), { iat: '2026-10-02T00:00:00Z' }), dvc(svc, '2026-10-26')];
    const res = await request(svc.app).post('/v1/holder-status').send({ qrs, at: AT });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'GREEN', reasons: ['ICVP_YF_VALID'], validFrom: '2026-11-05T00:00:00.000Z', policy: 'ID-2021-09@1' });
    expect(res.body.results.map((r: { format: string; domestic: { status: string } }) => `${r.format} ${r.domestic.status}`)).toEqual(['EU_DCC YELLOW', 'WHO_DVC GREEN']);
  });

  it('a DVC naming someone else → 422 HOLDER_MISMATCH', async () => {
    const qrs = [hc1(svc.pki, vaccination({ dn: 2, sd: 2, dt: '2026-10-01' }), { iat: '2026-10-02T00:00:00Z' }), dvc(svc, '2026-10-26', { n: 'Budi Santoso' })];
    const res = await request(svc.app).post('/v1/holder-status').send({ qrs, at: AT });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('HOLDER_MISMATCH');
  });
});
