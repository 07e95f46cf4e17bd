// The audit log (research/security.md §3.7, §4.6): one chained record per verification, no
// personal data, tampering detected, a torn last line recovered, and the canary scan: a name,
// a date of birth and a certificate id planted in certificates never reach logs or audit files.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, verifyAuditFile, type AuditEvent } from '../../src/audit/log.js';
import { vaccination } from '../../scripts/demo/samples.js';
import { hc1 } from '../helpers/service.js';
import { bearer, edgeService, KEYS, writeClientsFile } from './edge-helpers.js';

const AT = '2021-10-01T10:00:00Z';
const event = (n: number): AuditEvent => ({
  reqId: `req-${n}-0000000`,
  client: 'nl-gateway',
  route: '/v1/verify',
  format: 'EU_DCC',
  outcome: 'VALID',
  codes: [],
  status: 'GREEN',
  signerCountry: 'XA',
});

function freshLog(records = 5): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lintas-audit-')), 'a.jsonl');
  const log = AuditLog.open({ file, hmacKey: Buffer.alloc(32, 7), now: () => new Date(AT) });
  for (let i = 1; i <= records; i++) log.append(event(i), new Date(AT));
  log.close();
  return file;
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('hash chain', () => {
  it('verifies an untouched log, across a restart (the chain goes on)', () => {
    const file = freshLog(3);
    const again = AuditLog.open({ file, hmacKey: Buffer.alloc(32, 7) });
    again.append(event(9), new Date(AT));
    again.close();
    const check = verifyAuditFile(file);
    expect(check).toMatchObject({ ok: true, records: 6 }); // opened + 3, opened + 1
    expect(lines(file).map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('detects an edited record', () => {
    const file = freshLog();
    const ls = lines(file);
    ls[2] = ls[2]!.replace('"outcome":"VALID"', '"outcome":"INVALID"');
    writeFileSync(file, `${ls.join('\n')}\n`);
    expect(verifyAuditFile(file)).toMatchObject({ ok: false, error: { line: 3, reason: expect.stringMatching(/edited/) } });
  });

  it('detects a deleted, a reordered and an inserted record', () => {
    const del = freshLog();
    writeFileSync(del, `${lines(del).filter((_, i) => i !== 2).join('\n')}\n`);
    expect(verifyAuditFile(del)).toMatchObject({ ok: false, error: { line: 3 } });

    const swap = freshLog();
    const s = lines(swap);
    [s[2], s[3]] = [s[3]!, s[2]!];
    writeFileSync(swap, `${s.join('\n')}\n`);
    expect(verifyAuditFile(swap).ok).toBe(false);

    const ins = freshLog();
    const i = lines(ins);
    i.splice(2, 0, i[1]!);
    writeFileSync(ins, `${i.join('\n')}\n`);
    expect(verifyAuditFile(ins).ok).toBe(false);
  });

  it('detects an edit whose hash was recomputed (the next record no longer links)', async () => {
    const file = freshLog();
    const { createHash } = await import('node:crypto');
    const ls = lines(file);
    const m = /,"hash":"([0-9a-f]{64})"\}$/.exec(ls[2]!)!;
    const body = `${ls[2]!.slice(0, m.index).replace('"GREEN"', '"RED"')}}`;
    const prev = JSON.parse(body).prev as string;
    const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
    ls[2] = `${body.slice(0, -1)},"hash":"${hash}"}`;
    writeFileSync(file, `${ls.join('\n')}\n`);
    expect(verifyAuditFile(file)).toMatchObject({ ok: false, error: { line: 4 } });
  });

  it('cuts a torn last line at start-up and records that it did', () => {
    const file = freshLog(2);
    appendFileSync(file, '{"seq":4,"time":"2021-10-01T10:00:00.000Z","type":"verifi');
    const log = AuditLog.open({ file, hmacKey: Buffer.alloc(32, 7) });
    log.close();
    const ls = lines(file).map((l) => JSON.parse(l));
    expect(ls.map((r) => r.type)).toEqual(['opened', 'verification', 'verification', 'recovered', 'opened']);
    expect(ls[3].codes[0]).toMatch(/^TRUNCATED_\d+_BYTES$/);
    expect(verifyAuditFile(file).ok).toBe(true);
  });

  it('a record is the JSON of {seq, time, type, …fields, prev} plus its hash, byte for byte, non-ASCII and absent fields included', async () => {
    const { createHash } = await import('node:crypto');
    const file = join(mkdtempSync(join(tmpdir(), 'lintas-audit-')), 'a.jsonl');
    const log = AuditLog.open({ file, hmacKey: Buffer.alloc(32, 7), now: () => new Date(AT) });
    const fields: AuditEvent = { ...event(1), client: 'Kementerian Kesehatan — Jakarta ✓', callerReqId: undefined, certHash: undefined, codes: ['EXPIRED', 'REVOKED'] };
    log.append(fields, new Date(AT));
    log.close();
    const [opened, record] = lines(file);
    let prev = '0'.repeat(64);
    const expected = [
      { seq: 1, time: '2021-10-01T10:00:00.000Z', type: 'opened', prev },
      { seq: 2, time: '2021-10-01T10:00:00.000Z', type: 'verification', ...fields, prev: '' },
    ];
    for (const [i, line] of [opened!, record!].entries()) {
      const body = JSON.stringify({ ...expected[i], prev });
      const hash = createHash('sha256').update(`${prev}\n${body}`).digest('hex');
      expect(line).toBe(`${body.slice(0, -1)},"hash":"${hash}"}`);
      prev = hash;
    }
    expect(readFileSync(file).length).toBe(Buffer.byteLength(`${opened}\n${record}\n`));
    expect(verifyAuditFile(file)).toMatchObject({ ok: true, records: 2 });
  });

  it('npm run audit:verify exits 0 on a good folder and 1 naming the line on a tampered one', () => {
    const file = freshLog();
    const dir = join(file, '..');
    const ok = spawnSync('node', ['--import', 'tsx', 'scripts/audit-verify.ts', dir], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok .*6 records/m);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"client":"nl-gateway"', '"client":"someone"'));
    const bad = spawnSync('node', ['--import', 'tsx', 'scripts/audit-verify.ts', dir], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/BROKEN .*line 2/);
  });
});

describe('records written by the service, and the canary scan', () => {
  // Canary personal data (research/security.md §4.6): none of these may appear anywhere.
  const CANARY = { fn: 'ZZCANARYFAMILY', fnt: 'ZZCANARYFAMILY', gn: 'QQCANARYGIVEN', gnt: 'QQCANARYGIVEN' };
  const DOB = '1901-02-03';
  const CI = 'URN:UVCI:01:XA:CANARY0000000000000001';
  let svc: Awaited<ReturnType<typeof edgeService>>;
  let qr: string;
  beforeAll(async () => {
    svc = await edgeService({ edge: { clientsFile: writeClientsFile(), auditKey: 'k'.repeat(40) } });
    qr = hc1(svc.pki, { ...vaccination({ dn: 2, sd: 2, dt: '2021-08-01', ci: CI }), nam: CANARY, dob: DOB });
  });
  afterAll(() => svc.close());

  it('writes one record per verification, with client, codes and a keyed hash of the certificate id', async () => {
    const auth = bearer(KEYS.partner);
    const valid = await request(svc.app).post('/v1/verify').set('authorization', auth).set('x-request-id', 'partner-req-12345').send({ qr, at: AT });
    expect(valid.body.holder.familyName).toBe(CANARY.fn); // the answer has it; nothing else may
    await request(svc.app).post('/v1/verify/batch').set('authorization', auth).send({ items: [{ qr, at: AT }, { qr: 'HC1:GGW' }] });
    await request(svc.app).post('/v1/verify').set('authorization', bearer(KEYS.app)).send({ qr, at: '2040-01-01T00:00:00Z' });
    const file = join(svc.dataDir, 'audit', 'main.jsonl');
    const records = lines(file).map((l) => JSON.parse(l)).filter((r) => r.type === 'verification');
    expect(records).toHaveLength(4);
    // Updated (issue #12 item 7): the caller no longer chooses the audit reqId; the server makes it
    // (it is the X-Request-Id of the answer), the caller's id is kept beside it, and `at` is recorded.
    expect(records[0]).toMatchObject({
      reqId: valid.headers['x-request-id'],
      callerReqId: 'partner-req-12345',
      at: AT.replace('Z', '.000Z'),
      client: 'nl-gateway',
      route: '/v1/verify',
      format: 'EU_DCC',
      outcome: 'VALID',
      codes: [],
      status: 'GREEN',
      signerCountry: 'XA',
    });
    expect(records[0].reqId).toMatch(/^[0-9a-f-]{36}$/);
    // A backdated check is recorded as such: `at` is the caller's instant, `time` when it was written.
    expect(records[3]).toMatchObject({ at: '2040-01-01T00:00:00.000Z' });
    expect(records[3].time).not.toBe(records[3].at);
    expect(records[1]).toMatchObject({ route: '/v1/verify/batch', outcome: 'VALID' });
    expect(records[2]).toMatchObject({ route: '/v1/verify/batch', outcome: 'INVALID', codes: ['BASE45_INVALID'], status: 'INVALID' });
    expect(records[3]).toMatchObject({ client: 'id-app', outcome: 'INVALID', codes: expect.arrayContaining(['EXPIRED']) });
    // Same certificate → same keyed hash (linkable), and it is not a plain hash of the id.
    expect(records[0].certHash).toMatch(/^[0-9a-f]{64}$/);
    expect(records[1].certHash).toBe(records[0].certHash);
    const { createHash } = await import('node:crypto');
    expect(records[0].certHash).not.toBe(createHash('sha256').update(CI).digest('hex'));
    expect(verifyAuditFile(file).ok).toBe(true);
  });

  it('never writes the canary name, date of birth, certificate id or QR text to logs or the data folder', async () => {
    // Error paths too: a schema failure and a bad request carrying the canary.
    await request(svc.app).post('/v1/verify').set('authorization', bearer(KEYS.partner)).send({ qr, at: 'QQCANARYGIVEN' });
    await request(svc.app).post('/v1/verify').set('authorization', bearer(KEYS.partner)).set('x-request-id', 'ZZCANARYFAMILY!<script>').send({ qr: `${qr} ZZCANARYFAMILY` });
    await request(svc.app).post('/v1/verify').set('authorization', `Bearer ${CANARY.fn}`).send({ qr });
    const haystacks = [svc.logs.text()];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else haystacks.push(readFileSync(p, 'latin1'));
      }
    };
    walk(svc.dataDir);
    expect(haystacks.length).toBeGreaterThan(2);
    const all = haystacks.join('\n');
    expect(all.length).toBeGreaterThan(500);
    for (const needle of [CANARY.fn, CANARY.gn, DOB, CI, qr.slice(4, 60), KEYS.partner]) expect(all).not.toContain(needle);
    // And the logs do say something about each request (the scan is not vacuous).
    expect(svc.logs.text()).toMatch(/"client":"nl-gateway"/);
    expect(execFileSync('node', ['--import', 'tsx', 'scripts/audit-verify.ts', join(svc.dataDir, 'audit')], { encoding: 'utf8' })).toMatch(/^ok /);
  });
});
