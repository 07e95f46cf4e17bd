// DIVOC verify data computed in a worker thread equals the in-thread computation, the
// certificate's errors keep their codes, the pool's faults are VerificationFaults (faults.test.ts
// injects each one with stub workers), and the service answers the same with the worker on
// (main.ts turns it on).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { VerificationError, VerificationFault } from '../../../src/errors.js';
import { createService } from '../../../src/compose.js';
import { decodeDivoc } from '../../../src/formats/divoc/index.js';
import { OffThreadVerifyData } from '../../../src/formats/divoc/off-thread.js';
import { createVerifyData } from '../../../src/formats/divoc/proof.js';
import { createLogger } from '../../../src/logger.js';

const sample = (id: string) => readFileSync(join('samples', `${id}.txt`), 'utf8').trim();
const generatedAt = new Date(JSON.parse(readFileSync(join('samples', 'index.json'), 'utf8')).generatedAt as string);

describe('OffThreadVerifyData', () => {
  const pool = new OffThreadVerifyData();
  afterAll(() => pool.close());

  it('computes the same verify data as the event loop would', async () => {
    for (const id of ['divoc-pedulilindungi', 'divoc-cowin']) {
      const { credential, proof } = decodeDivoc(sample(id));
      const here = await createVerifyData(credential, proof);
      const there = await pool.run(credential, proof);
      expect(Buffer.from(there).equals(here)).toBe(true);
    }
  });

  it('keeps the error code of a refused document (an unpinned context is never fetched)', async () => {
    const { credential, proof } = decodeDivoc(sample('divoc-cowin'));
    const hostile = { ...credential, '@context': ['https://www.w3.org/2018/credentials/v1', 'https://evil.example/ctx.jsonld'] };
    const err = await pool.run(hostile, proof).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as VerificationError).code).toBe('CBOR_INVALID');
  });

  it('answers a closed pool with VerificationFault WORKER_CLOSED (a fault, never a verdict), never a hang', async () => {
    const other = new OffThreadVerifyData();
    const { credential, proof } = decodeDivoc(sample('divoc-cowin'));
    const outcome = other.run(credential, proof).catch((e: unknown) => e);
    await other.close();
    const err = await outcome;
    expect(err).toBeInstanceOf(VerificationFault);
    expect((err as VerificationFault).reason).toBe('WORKER_CLOSED');
  });

  it('a real worker that overruns its deadline is ended and the next job runs on a fresh one', async () => {
    const tight = new OffThreadVerifyData({ workers: 1, timeoutMs: 1 });
    const { credential, proof } = decodeDivoc(sample('divoc-cowin'));
    // 1 ms cannot hold a worker's start-up and two canonicalisations: a WORKER_TIMEOUT fault.
    const err = await tight.run(credential, proof).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationFault);
    expect((err as VerificationFault).reason).toBe('WORKER_TIMEOUT');
    await tight.close();
    const roomy = new OffThreadVerifyData({ workers: 1, timeoutMs: 10_000 });
    expect(Buffer.from(await roomy.run(credential, proof)).equals(await createVerifyData(credential, proof))).toBe(true);
    await roomy.close();
  });
});

describe('the service with off-thread JSON-LD', () => {
  it('answers the DIVOC samples exactly as in-thread', async () => {
    const make = (offThreadJsonLd: boolean) =>
      createService({
        trustListsDir: 'trust-lists',
        dataDir: mkdtempSync(join(tmpdir(), 'lintas-offthread-')),
        logger: createLogger({ level: 'silent' }),
        trustRefresh: false,
        offThreadJsonLd,
        now: () => generatedAt,
      });
    const [on, off] = await Promise.all([make(true), make(false)]);
    try {
      for (const id of ['divoc-pedulilindungi', 'divoc-cowin']) {
        const body = { qr: sample(id), at: new Date(generatedAt.getTime() + 3600_000).toISOString() };
        const a = (await request(on.app).post('/v1/verify').send(body)).body;
        const b = (await request(off.app).post('/v1/verify').send(body)).body;
        expect(a.outcome).toBe('VALID');
        expect({ ...a, checkedAt: 0 }).toEqual({ ...b, checkedAt: 0 });
      }
    } finally {
      await on.close();
      await off.close();
    }
  });
});
