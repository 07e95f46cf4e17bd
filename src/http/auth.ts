// Partner and app clients (contract "Clients: CLIENTS_FILE"). A client proves who it is with
// `Authorization: Bearer <api key>` (only the key's SHA-256 is stored) or, behind mutual TLS,
// with a client certificate whose SHA-256 fingerprint the file names (`certSha256`, an
// addition to the contract's fields). Scopes: `verify` (verify routes and /v1/trust), `admin`
// (/v1/admin/*). Deny by default: a route needs exactly the scope its guard names.
//
// Without a clients file verification stays open to anyone and admin routes do not exist
// (404), so an unconfigured service cannot be administered over HTTP at all.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { HttpProblem } from './problems.js';
import type { FailureLimiter } from './rate-limit.js';

export const SCOPES = ['verify', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Requests per minute when a client names none: a partner gateway's modest default. */
export const DEFAULT_REQUESTS_PER_MINUTE = 600;

const hex64 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (SHA-256)')
  .transform((s) => s.toLowerCase());

export const ClientSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1–64 of A–Z a–z 0–9 . _ : -'),
    keySha256: hex64.optional().describe('hex SHA-256 of the API key'),
    certSha256: hex64.optional().describe('hex SHA-256 fingerprint of the mutual-TLS client certificate (DER)'),
    scopes: z.array(z.enum(SCOPES)).min(1),
    requestsPerMinute: z.number().int().min(1).max(1_000_000).default(DEFAULT_REQUESTS_PER_MINUTE),
  })
  .refine((c) => c.keySha256 || c.certSha256, 'a client needs keySha256 or certSha256');

export const ClientsFileSchema = z
  .object({ clients: z.array(ClientSchema) })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    for (const [i, c] of f.clients.entries()) {
      for (const k of [`id:${c.id}`, c.keySha256 && `key:${c.keySha256}`, c.certSha256 && `cert:${c.certSha256}`]) {
        if (!k) continue;
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: ['clients', i], message: `duplicate ${k.split(':')[0]}` });
        seen.add(k);
      }
    }
  });

export interface Client {
  readonly id: string;
  readonly scopes: readonly Scope[];
  readonly requestsPerMinute: number;
  /** How it authenticated, for logs and audit. */
  readonly via?: 'key' | 'mtls';
}

interface StoredClient extends Client {
  readonly keyHash?: Buffer;
  readonly certSha256?: string;
}

export class ClientsFileError extends Error {}

/** Keys remembered per registry (issue #12 item 2); past it, a known key is simply hashed again. */
export const KNOWN_KEYS_MAX = 1_000;

export class ClientRegistry {
  private readonly clients: readonly StoredClient[];
  /**
   * Keys that already matched a client → that client, so a known key costs one Map lookup
   * instead of a SHA-256 and a compare against every stored hash (the hash showed in the
   * profile, issue #12 item 2). Only matches are remembered: an unknown key always takes the
   * constant-time path below, and a flood of wrong keys cannot grow the map. The map holds
   * keys that this process was shown and checked anyway; it is never logged or listed.
   */
  private readonly known = new Map<string, Client>();

  constructor(clients: readonly z.infer<typeof ClientSchema>[]) {
    this.clients = clients.map((c) => ({
      id: c.id,
      scopes: [...new Set(c.scopes)],
      requestsPerMinute: c.requestsPerMinute,
      ...(c.keySha256 ? { keyHash: Buffer.from(c.keySha256, 'hex') } : {}),
      ...(c.certSha256 ? { certSha256: c.certSha256 } : {}),
    }));
  }

  static parse(json: unknown): ClientRegistry {
    const result = ClientsFileSchema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ClientsFileError(`CLIENTS_FILE: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`);
    }
    return new ClientRegistry(result.data.clients);
  }

  static load(file: string): ClientRegistry {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ClientsFileError(`CLIENTS_FILE: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return ClientRegistry.parse(json);
  }

  get size(): number {
    return this.clients.length;
  }

  /** How many keys are remembered (a count only, for tests and metrics; never the keys). */
  get rememberedKeys(): number {
    return this.known.size;
  }

  /** Ids, scopes and limits (never hashes), for the admin route. */
  list(): Client[] {
    return this.clients.map((c) => ({ id: c.id, scopes: c.scopes, requestsPerMinute: c.requestsPerMinute }));
  }

  /**
   * The client holding this API key. The presented key is hashed, and the hash compared with
   * every stored hash in constant time, without stopping at a match, so neither the key's
   * content nor its position in the file shows in the timing. A key that matched before is
   * answered from `known`: faster, but only for a caller who already holds a valid key (a
   * wrong key never reaches the map's content unless its string hash collides with a
   * remembered key's, and even then only equality is tested).
   */
  byKey(key: string): Client | undefined {
    const remembered = this.known.get(key);
    if (remembered) return remembered;
    const presented = createHash('sha256').update(key, 'utf8').digest();
    let found: StoredClient | undefined;
    for (const c of this.clients) {
      if (c.keyHash && timingSafeEqual(c.keyHash, presented) && !found) found = c;
    }
    if (!found) return undefined;
    const client = Object.freeze(publicView(found, 'key'));
    if (this.known.size < KNOWN_KEYS_MAX) this.known.set(key, client);
    return client;
  }

  byCertFingerprint(sha256Hex: string): Client | undefined {
    const fp = sha256Hex.replace(/:/g, '').toLowerCase();
    const found = this.clients.find((c) => c.certSha256 === fp);
    return found ? publicView(found, 'mtls') : undefined;
  }
}

function publicView(c: StoredClient, via: 'key' | 'mtls'): Client {
  return { id: c.id, scopes: c.scopes, requestsPerMinute: c.requestsPerMinute, via };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The client of this request, once `authenticate` ran (undefined in open mode). */
export function clientOf(res: Response): Client | undefined {
  return res.locals['client'] as Client | undefined;
}

/**
 * The verified client certificate's fingerprint, or undefined. Only a certificate the TLS
 * layer itself verified against TLS_CLIENT_CA counts; `X-SSL-Client-*` style headers are never
 * read (research/security.md X-5: a client could set them).
 */
export function peerCertificateFingerprint(req: Request): { fingerprint?: string; presentedButUnverified: boolean } {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return { presentedButUnverified: false };
  const cert = socket.getPeerCertificate();
  const presented = Boolean(cert && Object.keys(cert).length > 0 && cert.raw);
  if (!presented) return { presentedButUnverified: false };
  if (!socket.authorized) return { presentedButUnverified: true };
  return { fingerprint: createHash('sha256').update(cert.raw).digest('hex'), presentedButUnverified: false };
}

// RFC 9110 §11.1: the authentication scheme is case-insensitive (`bearer …` is Bearer).
const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/i;

function unauthorized(res: Response, detail: string): HttpProblem {
  res.setHeader('WWW-Authenticate', 'Bearer realm="lintas-verifier"');
  return new HttpProblem('UNAUTHORIZED', detail);
}

/**
 * Resolves the request's client into `res.locals.client`: a verified client certificate
 * first, then a bearer key. With a registry, no or bad credentials → 401. A certificate that
 * verified but is not on the list is not enough on its own (401 unless a valid key follows).
 * With `failures`, an address that failed too often is refused (429), whether its key is
 * valid or not, so guessing keys costs the guesser time, not the service: a wrong key counts a
 * failure (or is refused) at once; for a valid one the check rides on the request's first trip
 * to the store (FailureLimiter.defer), and nothing is answered before it is made.
 */
export function authenticate(registry: ClientRegistry | undefined, failures?: FailureLimiter) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!registry) return next();
    const tls = peerCertificateFingerprint(req);
    if (tls.fingerprint) {
      const client = registry.byCertFingerprint(tls.fingerprint);
      if (client) {
        res.locals['client'] = client;
        return next();
      }
    }
    const header = req.headers.authorization;
    const m = header === undefined ? null : BEARER.exec(header);
    const client = m ? registry.byKey(m[1]!) : undefined;
    if (!client) {
      await failures?.failed(req);
      if (header === undefined) throw unauthorized(res, tls.presentedButUnverified ? 'the client certificate is not trusted' : 'credentials are required');
      throw unauthorized(res, 'the credentials are not valid');
    }
    res.locals['client'] = client;
    failures?.defer(req, res);
    next();
  };
}

/** 403 for a known client without the scope; in open mode only `verify` routes pass. */
export function requireScope(registry: ClientRegistry | undefined, scope: Scope) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (!registry) {
      if (scope === 'verify') return next();
      throw new HttpProblem('NOT_FOUND', 'no such resource');
    }
    const client = clientOf(res);
    if (!client) throw unauthorized(res, 'credentials are required');
    if (!client.scopes.includes(scope)) throw new HttpProblem('FORBIDDEN', `this client lacks the ${scope} scope`);
    next();
  };
}
