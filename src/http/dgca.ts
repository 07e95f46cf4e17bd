// The EU verifier-app backend protocol (contract "Serving verifier apps and partners"; formats.md
// "The EU verifier-app backend"), so an unmodified DCC verifier app or SDK can use this service as
// its national backend. As the EU's dgca-verifier-service serves it:
//   GET /dgca/context                   the app's one configured URL: where status and update are
//   GET /dgca/signercertificateStatus   base64 kids of the DCC signers in force (not expired, not revoked)
//   GET /dgca/signercertificateUpdate   one certificate per call (base64 DER, text/plain) with X-KID and
//                                       X-RESUME-TOKEN; called again with that token until 204
// and as dgca-businessrule-service serves them: /dgca/rules[/{country}[/{hash}]], /dgca/valuesets[/{hash}],
// /dgca/countrylist, where `hash` is the hex SHA-256 of the body the hash path serves.
//
// How the app's client uses it (dgca-verifier-app-android TrustListCertificateRepository): it reads
// the status list first, then pages the updates from the token it kept since its last sync, keeps
// a certificate only when its kid is in the status list and matches SHA-256(DER)[0..8], stops
// paging at the first certificate that fails that, and finally deletes every key whose kid the
// status list no longer names. So the update pages list only signers of the status list, and
// their tokens are sequence numbers that a signer keeps and a newcomer exceeds (publish/registry.ts).
//
// Public routes (no client, as the EU backend serves them), answered from data precomputed per
// trust snapshot: a request costs a lookup, plus one filter of the signers by validity when the
// cached status list's earliest expiry has passed.
import { createHash } from 'node:crypto';
import express, { type Request } from 'express';
import type { Rule } from '../rules/schema.js';
import type { Publication, PublishedSigner, Publisher } from '../publish/publication.js';
import { HttpProblem } from './problems.js';
import { sha256Hex } from './auth.js';

export interface DgcaOptions {
  publisher: Publisher;
  rules: readonly Rule[];
  /** Schema set name → code → display (formats/dcc/valuesets.ts VALUE_SETS). */
  valueSets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Schema set name → official valueSetId (VALUE_SET_IDS). */
  valueSetIds: Readonly<Record<string, string>>;
  /** PUBLIC_BASE_URL (no trailing slash). */
  baseUrl: string;
  /** `origin` of the context (ISO alpha-2 of the operating country). */
  origin?: string;
  /** base64 SHA-256 of the TLS certificates' SubjectPublicKeyInfo, when the service serves TLS. */
  pubKeys?: readonly string[];
  now: () => Date;
}

const HASH = /^[0-9a-f]{64}$/;
const COUNTRY = /^[A-Za-z]{2}$/;
/** The app parses the token as a Long; ours are positive integers. */
const TOKEN = /^\d{1,15}$/;
/** Status and update change with the trust snapshot; the app syncs about daily. */
const CACHE_SIGNERS = 'public, max-age=60';
const CACHE_STATIC = 'public, max-age=3600';

interface Body {
  text: string;
  hash: string;
}

function bodyOf(value: unknown): Body {
  const text = JSON.stringify(value);
  return { text, hash: sha256Hex(text) };
}

interface SignerView {
  id: string;
  /** Valid at `at` per certificate dates, by sequence number. */
  valid: readonly PublishedSigner[];
  statusBody: string;
  /** The view holds until this instant (ms): the next notAfter passing or notBefore arriving. */
  until: number;
  countryBody: string;
}

/** Signers not expired at `at` (a not-yet-valid signer is in force: it may sign soon). */
function signerView(p: Publication, at: number, ruleCountries: readonly string[]): SignerView {
  let until = Number.POSITIVE_INFINITY;
  const valid: PublishedSigner[] = [];
  for (const s of p.signers) {
    const end = s.notAfter?.getTime();
    if (end !== undefined && end < at) continue;
    if (end !== undefined) until = Math.min(until, end);
    valid.push(s);
  }
  const kids = [...new Set(valid.map((s) => s.kid))].sort();
  const countries = [...new Set([...ruleCountries, ...valid.map((s) => s.country).filter((c) => COUNTRY.test(c))])].sort();
  return { id: p.snapshot, valid, statusBody: JSON.stringify(kids), until, countryBody: JSON.stringify(countries) };
}

/** The EU verifier-app backend, mounted at `/dgca` (src/publish/index.ts); its paths are relative to it. */
export function dgcaRouter(opts: DgcaOptions): express.Router {
  const router = express.Router();
  const base = opts.baseUrl.replace(/\/+$/, '');
  const pins = opts.pubKeys && opts.pubKeys.length > 0 ? { pubKeys: [...opts.pubKeys] } : {};
  const context = JSON.stringify({
    origin: opts.origin ?? 'ID',
    versions: {
      default: {
        context: { url: `${base}/dgca/context`, ...pins },
        endpoints: {
          status: { url: `${base}/dgca/signercertificateStatus`, ...pins },
          update: { url: `${base}/dgca/signercertificateUpdate`, ...pins },
        },
      },
    },
  });

  // Business rules: the body each hash path serves, and the list naming them.
  const ruleBodies = new Map<string, { country: string; body: Body }>();
  const ruleList = opts.rules
    .map((rule) => {
      const body = bodyOf(rule);
      ruleBodies.set(body.hash, { country: rule.Country, body });
      return { identifier: rule.Identifier, version: rule.Version, country: rule.Country, hash: body.hash };
    })
    .sort((a, b) => a.identifier.localeCompare(b.identifier) || a.version.localeCompare(b.version));
  const ruleListBody = JSON.stringify(ruleList);
  const ruleCountries = [...new Set(opts.rules.map((r) => r.Country))];

  // Value sets in the eu-dcc-valuesets shape the apps read (valueSetId, valueSetValues{code: {display, lang, active}}).
  const valueSetBodies = new Map<string, Body>();
  const valueSetList: { id: string; hash: string }[] = [];
  for (const [name, codes] of Object.entries(opts.valueSets)) {
    const id = opts.valueSetIds[name] ?? name;
    const values: Record<string, { display: string; lang: string; active: boolean }> = {};
    for (const code of Object.keys(codes).sort()) values[code] = { display: codes[code]!, lang: 'en', active: true };
    const body = bodyOf({ valueSetId: id, valueSetValues: values });
    valueSetBodies.set(body.hash, body);
    valueSetList.push({ id, hash: body.hash });
  }
  valueSetList.sort((a, b) => a.id.localeCompare(b.id));
  const valueSetListBody = JSON.stringify(valueSetList);

  let view: SignerView | undefined;
  const currentView = async (): Promise<SignerView> => {
    const at = opts.now();
    const publication = await opts.publisher.current(at);
    if (!view || view.id !== publication.snapshot || at.getTime() > view.until) {
      view = signerView(publication, at.getTime(), ruleCountries);
    }
    return view;
  };

  const json = (res: express.Response, text: string, cache: string) => {
    res.setHeader('Cache-Control', cache);
    res.type('application/json').send(text);
  };

  router.get('/context', (_req, res) => json(res, context, CACHE_STATIC));

  router.get('/signercertificateStatus', async (_req, res) => {
    json(res, (await currentView()).statusBody, CACHE_SIGNERS);
  });

  router.get('/signercertificateUpdate', async (req: Request, res) => {
    const raw = req.headers['x-resume-token'];
    if (Array.isArray(raw)) throw new HttpProblem('INVALID_REQUEST', 'X-RESUME-TOKEN: one value only');
    const text = (raw ?? '').trim();
    // The app sends an empty header on its first sync.
    if (text !== '' && !TOKEN.test(text)) throw new HttpProblem('INVALID_REQUEST', 'X-RESUME-TOKEN: must be the token of a previous answer');
    const after = text === '' ? 0 : Number(text);
    const { valid } = await currentView();
    // First signer with a sequence number above the token (binary search: `valid` is by seq).
    let lo = 0;
    let hi = valid.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (valid[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    res.setHeader('Cache-Control', 'no-store');
    const next = valid[lo];
    if (!next) return void res.status(204).end();
    res.setHeader('X-KID', next.kid);
    res.setHeader('X-RESUME-TOKEN', String(next.seq));
    res.type('text/plain').send(next.rawData);
  });

  router.get('/rules', (_req, res) => json(res, ruleListBody, CACHE_STATIC));

  router.get('/rules/:country', (req, res) => {
    const country = String(req.params['country']);
    if (!COUNTRY.test(country)) throw new HttpProblem('INVALID_REQUEST', 'country: an ISO 3166 alpha-2 code');
    json(res, JSON.stringify(ruleList.filter((r) => r.country === country.toUpperCase())), CACHE_STATIC);
  });

  router.get('/rules/:country/:hash', (req, res) => {
    const country = String(req.params['country']);
    const hash = String(req.params['hash']).toLowerCase();
    if (!COUNTRY.test(country)) throw new HttpProblem('INVALID_REQUEST', 'country: an ISO 3166 alpha-2 code');
    if (!HASH.test(hash)) throw new HttpProblem('INVALID_REQUEST', 'hash: hex SHA-256 of the rule');
    const found = ruleBodies.get(hash);
    if (!found || found.country !== country.toUpperCase()) throw new HttpProblem('NOT_FOUND', 'no rule of that country has this hash');
    json(res, found.body.text, CACHE_STATIC);
  });

  router.get('/valuesets', (_req, res) => json(res, valueSetListBody, CACHE_STATIC));

  router.get('/valuesets/:hash', (req, res) => {
    const hash = String(req.params['hash']).toLowerCase();
    if (!HASH.test(hash)) throw new HttpProblem('INVALID_REQUEST', 'hash: hex SHA-256 of the value set');
    const found = valueSetBodies.get(hash);
    if (!found) throw new HttpProblem('NOT_FOUND', 'no value set has this hash');
    json(res, found.text, CACHE_STATIC);
  });

  router.get('/countrylist', async (_req, res) => {
    json(res, (await currentView()).countryBody, CACHE_SIGNERS);
  });

  return router;
}

/** base64 SHA-256 of each certificate's SubjectPublicKeyInfo in a PEM bundle (the context's `pubKeys`). */
export async function tlsPins(pem: string | Uint8Array): Promise<string[]> {
  const { X509Certificate } = await import('node:crypto');
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => {
    const spki = new X509Certificate(b).publicKey.export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(spki).digest('base64');
  });
}
