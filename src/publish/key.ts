// The publishing key (contract "Starting it": PUBLISH_KEY_FILE): one P-256 key that signs the
// trust export (raw r‖s over the list bytes, the `de-dsc-list` format) and the verification
// receipts (ES256 compact JWS). Partners pin its public half, so it must outlive restarts: when
// no file is configured it is generated once in DATA_DIR and reused. The private key is never
// logged, never served and never put in an error message.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { ConfigError } from '../config.js';
import { createExclusive } from './files.js';

/** Where the generated key lives inside DATA_DIR. */
export const GENERATED_KEY_FILE = 'publish-key.pem';

export interface PublishingKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo PEM: `GET /v1/trust/export/key`, and what a partner pins as `anchor`. */
  readonly spkiPem: string;
  /** RFC 7638 thumbprint (SHA-256, base64url) of the public JWK: the receipts' `kid`. */
  readonly kid: string;
  /** The public JWK with `kid`, `alg` and `use`, as `/.well-known/jwks.json` serves it. */
  readonly jwk: JWK;
  /** Where the key came from (for the start-up log line; never the key itself). */
  readonly origin: 'file' | 'generated' | 'data-dir';
}

function fail(variable: string, why: string): never {
  throw new ConfigError(`invalid configuration: ${variable}: ${why}`);
}

/** A P-256 private key from PKCS#8 (or SEC1) PEM, or a ConfigError naming `variable`. */
function parsePrivatePem(pem: string, variable: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message could quote the file; say only what is wrong.
    return fail(variable, 'not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return fail(variable, 'the key must be an EC P-256 private key (PKCS#8 PEM)');
  }
  return key;
}

async function describe(privateKey: KeyObject, origin: PublishingKey['origin']): Promise<PublishingKey> {
  const publicKey = createPublicKey(privateKey);
  const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const pub = await exportJWK(publicKey);
  const bare: JWK = { kty: pub.kty!, crv: pub.crv!, x: pub.x!, y: pub.y! };
  const kid = await calculateJwkThumbprint(bare, 'sha256');
  return Object.freeze({ privateKey, publicKey, spkiPem, kid, jwk: Object.freeze({ ...bare, kid, alg: 'ES256', use: 'sig' }), origin });
}


/**
 * The publishing key: `keyFile` (PUBLISH_KEY_FILE) when given, else `<dataDir>/publish-key.pem`,
 * generated on first start (mode 0600) and reused on every later one. Throws ConfigError (one
 * line naming the variable) when the key is unreadable or not P-256.
 */
export async function loadPublishingKey(opts: { keyFile?: string; dataDir: string }): Promise<PublishingKey> {
  if (opts.keyFile !== undefined) {
    let pem: string;
    try {
      pem = await readFile(opts.keyFile, 'utf8');
    } catch (e) {
      return fail('PUBLISH_KEY_FILE', `cannot read ${opts.keyFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return describe(parsePrivatePem(pem, 'PUBLISH_KEY_FILE'), 'file');
  }
  const file = join(opts.dataDir, GENERATED_KEY_FILE);
  try {
    await mkdir(opts.dataDir, { recursive: true });
    let origin: PublishingKey['origin'] = 'data-dir';
    try {
      await stat(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      if (await createExclusive(file, pem)) origin = 'generated';
    }
    // A copy restored from a backup may have lost its mode: the key is readable by its owner only.
    await chmod(file, 0o600);
    return describe(parsePrivatePem(await readFile(file, 'utf8'), 'DATA_DIR'), origin);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return fail('DATA_DIR', `cannot keep the publishing key in ${opts.dataDir} (${(e as NodeJS.ErrnoException).code ?? 'error'}); set PUBLISH_KEY_FILE or make DATA_DIR writable`);
  }
}
