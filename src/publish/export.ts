// GET /v1/trust/export, /v1/trust/export/key and /.well-known/jwks.json (contract "Endpoints",
// "Re-publication"): public, signed trust material, so no client or rate guard; each answer is
// precomputed per trust snapshot (publication.ts) and served with an ETag, so a partner that
// polls gets 304 until the snapshot in force changes.
import express from 'express';
import type { Publisher } from './publication.js';
import { jwksOf } from './receipt.js';

/** Partners poll; a few minutes of caching is harmless for a list refreshed every few hours. */
export const EXPORT_CACHE_CONTROL = 'public, max-age=300';
const KEY_CACHE_CONTROL = 'public, max-age=3600';

/** RFC 9110 §13.1.2: If-None-Match matches with the weak comparison. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

export function exportRouter(publisher: Publisher, now: () => Date): express.Router {
  const router = express.Router();
  const keyPem = publisher.key.spkiPem;
  const jwks = JSON.stringify(jwksOf(publisher.key));

  router.get('/v1/trust/export', async (req, res) => {
    const publication = await publisher.current(now());
    res.setHeader('ETag', publication.exportEtag);
    res.setHeader('Cache-Control', EXPORT_CACHE_CONTROL);
    res.setHeader('X-Trust-Snapshot', publication.snapshot);
    if (matches(req.headers['if-none-match'], publication.exportEtag)) return void res.status(304).end();
    res.type('text/plain; charset=utf-8').send(publication.exportBody);
  });

  router.get('/v1/trust/export/key', (_req, res) => {
    res.setHeader('Cache-Control', KEY_CACHE_CONTROL);
    res.type('application/x-pem-file').send(keyPem);
  });

  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', KEY_CACHE_CONTROL);
    res.type('application/jwk-set+json').send(jwks);
  });
  return router;
}
