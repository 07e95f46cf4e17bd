// What the service publishes for one trust snapshot: the DCC signers it trusts, numbered (the
// EU verifier app's resume tokens), and the signed export built from them. Built once per
// snapshot (TrustSnapshot.id) on first use and cached, so the public routes cost a Map lookup.
import { createHash, sign } from 'node:crypto';
import type { TrustSnapshot } from '../trust/store.js';
import type { Signer } from '../trust/types.js';
import type { PublishingKey } from './key.js';
import { PublicationRegistry, type Generation } from './registry.js';
import { thumbprintOf } from '../trust/signer.js';

export interface PublishedSigner {
  /** Sequence number: the X-RESUME-TOKEN of /dgca/signercertificateUpdate. */
  readonly seq: number;
  readonly kid: string;
  /** ISO alpha-2, or '' when no list and no subject names one. */
  readonly country: string;
  /** base64 DER of the signer certificate. */
  readonly rawData: string;
  /** hex SHA-256 of the DER. */
  readonly thumbprint: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface Publication {
  /** The trust snapshot it was built from (TrustSnapshot.id). */
  readonly snapshot: string;
  readonly generation: Generation;
  /** Every published signer, by sequence number. */
  readonly signers: readonly PublishedSigner[];
  /** GET /v1/trust/export: base64 r‖s signature line, LF, the JSON it signs. */
  readonly exportBody: Buffer;
  /** Weak ETag over the signed JSON (the signature line differs per signing: ECDSA is randomised). */
  readonly exportEtag: string;
}

/**
 * A signer the export and the verifier-app backend may hand out: a DCC document signer with its
 * certificate, from a source whose list is in force and not past its maximum age (a source that
 * never loaded has no signers), not revoked by kid, and — for a GDHCN key published for named
 * trust domains — published for the EU DCC domain (the `de-dsc-list` format has no domains, so a
 * key listed only for another domain would sign everything once re-published).
 */
function publishable(snapshot: TrustSnapshot, at: Date): { signer: Signer; der: Uint8Array }[] {
  const out: { signer: Signer; der: Uint8Array }[] = [];
  for (const state of snapshot.states) {
    if (state.kind !== 'dcc' || state.status.expired || state.status.lastSuccess === null) continue;
    for (const signer of state.signers) {
      const der = signer.certificateDer;
      if (!der) continue;
      if (signer.domains !== undefined && !signer.domains.includes('DCC')) continue;
      if (revokedByKid(snapshot, signer.kid, at)) continue;
      out.push({ signer, der });
    }
  }
  return out;
}

/** Whether a revocation list in force revokes the signer itself (its kid: the operator's blocklist), not one certificate. */
function revokedByKid(snapshot: TrustSnapshot, kid: string, at: Date): boolean {
  const verdict = snapshot.resolver.revocation({ kind: 'dcc', kid, hashes: () => [] }, at);
  return verdict.data && verdict.hit?.by === 'KID';
}

/** The German list's JSON (covpass DscList): what the first line's signature covers. */
function exportPayload(signers: readonly PublishedSigner[], publishedAt: string): Buffer {
  // Sorted by thumbprint, not by sequence number: the same signers give the same bytes on every
  // instance, whatever order they were first seen in.
  const certificates = [...signers]
    .sort((a, b) => (a.thumbprint < b.thumbprint ? -1 : a.thumbprint > b.thumbprint ? 1 : 0))
    .map((s) => ({
      certificateType: 'DSC',
      ...(s.country ? { country: s.country } : {}),
      kid: s.kid,
      rawData: s.rawData,
      thumbprint: s.thumbprint,
      timestamp: publishedAt,
    }));
  return Buffer.from(JSON.stringify({ certificates }), 'utf8');
}

/** Signs the payload as the `de-dsc-list` reader checks it: ECDSA P-256/SHA-256, raw r‖s, base64. */
export function signedList(payload: Buffer, key: PublishingKey): Buffer {
  const signature = sign('sha256', payload, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return Buffer.concat([Buffer.from(`${signature.toString('base64')}\n`, 'latin1'), payload]);
}

export interface PublisherOptions {
  snapshot: () => TrustSnapshot;
  key: PublishingKey;
  registry: PublicationRegistry;
}

export class Publisher {
  readonly key: PublishingKey;
  readonly #opts: PublisherOptions;
  #cached: { id: string; publication: Promise<Publication> } | undefined;

  constructor(opts: PublisherOptions) {
    this.#opts = opts;
    this.key = opts.key;
  }

  /** The publication of the snapshot in force; `at` dates a new generation (the edge's clock). */
  current(at: Date): Promise<Publication> {
    const snapshot = this.#opts.snapshot();
    if (this.#cached?.id !== snapshot.id) {
      const publication = this.#build(snapshot, at);
      this.#cached = { id: snapshot.id, publication };
      // A failed build is not cached: the next request tries again.
      publication.catch(() => {
        if (this.#cached?.publication === publication) this.#cached = undefined;
      });
    }
    return this.#cached!.publication;
  }

  async #build(snapshot: TrustSnapshot, at: Date): Promise<Publication> {
    // Deduplicated by certificate (two sources listing one DSC publish it once); the first
    // source in sources.json order names its country.
    const byThumbprint = new Map<string, { signer: Signer; der: Uint8Array }>();
    for (const entry of publishable(snapshot, at)) {
      const t = thumbprintOf(entry.der);
      if (!byThumbprint.has(t)) byThumbprint.set(t, entry);
    }
    const generation = await this.#opts.registry.settle([...byThumbprint.keys()], at);
    const signers: PublishedSigner[] = [...byThumbprint].map(([thumbprint, { signer, der }]) => ({
      seq: generation.seqs[thumbprint]!,
      kid: signer.kid,
      country: signer.country,
      rawData: Buffer.from(der).toString('base64'),
      thumbprint,
      ...(signer.notBefore ? { notBefore: signer.notBefore } : {}),
      ...(signer.notAfter ? { notAfter: signer.notAfter } : {}),
    }));
    signers.sort((a, b) => a.seq - b.seq);
    const payload = exportPayload(signers, generation.publishedAt);
    return Object.freeze({
      snapshot: snapshot.id,
      generation,
      signers: Object.freeze(signers),
      exportBody: signedList(payload, this.#opts.key),
      exportEtag: `W/"${createHash('sha256').update(payload).digest('base64url')}"`,
    });
  }
}
