// Serving verifier apps and partners (contract "Serving verifier apps and partners"): the
// publishing key, the publication of the trust snapshot in force, the public routes (signed
// export, its key, the receipts' JWK set, the EU verifier-app backend) and the receipt signer.
// compose.ts builds it once; the app mounts `router` before the client guards (public routes).
import express from 'express';
import { dgcaRouter, tlsPins } from '../http/dgca.js';
import type { Rule } from '../rules/schema.js';
import type { TrustSnapshot } from '../trust/store.js';
import { exportRouter } from './export.js';
import { loadPublishingKey, type PublishingKey } from './key.js';
import { Publisher } from './publication.js';
import { receiptSigner, type ReceiptSigner } from './receipt.js';
import { PublicationRegistry, type RegistryLogger } from './registry.js';

export interface PublishingOptions {
  snapshot: () => TrustSnapshot;
  dataDir: string;
  /** PUBLISH_KEY_FILE */
  keyFile?: string;
  /** PUBLIC_BASE_URL (or http://HOST:PORT). */
  baseUrl: string;
  rules: readonly Rule[];
  valueSets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  valueSetIds: Readonly<Record<string, string>>;
  /** TLS_CERT's PEM, for the context's `pubKeys`. */
  tlsCertPem?: string | Uint8Array;
  logger?: RegistryLogger;
  now: () => Date;
}

export interface Publishing {
  key: PublishingKey;
  publisher: Publisher;
  router: express.Router;
  receipt: ReceiptSigner;
}

export async function createPublishing(opts: PublishingOptions): Promise<Publishing> {
  const key = await loadPublishingKey({ dataDir: opts.dataDir, ...(opts.keyFile !== undefined ? { keyFile: opts.keyFile } : {}) });
  const publisher = new Publisher({ snapshot: opts.snapshot, key, registry: new PublicationRegistry(opts.dataDir, opts.logger) });
  const router = express.Router();
  router.use(exportRouter(publisher, opts.now));
  // Under its prefix: a POST /v1/verify passes one prefix test here, not ten route patterns.
  router.use(
    '/dgca',
    dgcaRouter({
      publisher,
      rules: opts.rules,
      valueSets: opts.valueSets,
      valueSetIds: opts.valueSetIds,
      baseUrl: opts.baseUrl,
      ...(opts.tlsCertPem !== undefined ? { pubKeys: await tlsPins(opts.tlsCertPem) } : {}),
      now: opts.now,
    }),
  );
  return { key, publisher, router, receipt: receiptSigner(key, () => opts.snapshot().id) };
}

export type { ReceiptSigner } from './receipt.js';
export type { PublishingKey } from './key.js';
