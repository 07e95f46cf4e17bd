// DIVOC verify data computed in a worker thread equals the in-thread computation, errors keep
// their codes, and the service answers the same with the worker on (main.ts turns it on).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../../src/errors.js';
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

  it('answers a closed pool with SIGNATURE_INVALID, never a hang', async () => {
    const other = new OffThreadVerifyData();
    const { credential, proof } = decodeDivoc(sample('divoc-cowin'));
    const outcome = expect(other.run(credential, proof)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    await other.close();
    await outcome;
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
