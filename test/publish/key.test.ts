// The publishing key (contract PUBLISH_KEY_FILE): generated once in DATA_DIR with mode 0600 and
// reused across restarts, or read from PUBLISH_KEY_FILE; a key that is not P-256 stops start-up
// with one line naming the variable; the private key never reaches the logs or an answer.
// The PUBLISH_KEY_FILE fixture is made by node:crypto's own generator, not by the code under test.
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, publicBaseUrl } from '../../src/config.js';
import { createService } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import { GENERATED_KEY_FILE, loadPublishingKey } from '../../src/publish/key.js';
import { LogCapture, testPki, writeTrustDir } from '../helpers/service.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

describe('publish/key loadPublishingKey', () => {
  it('first start without PUBLISH_KEY_FILE: generates a P-256 key in DATA_DIR with mode 0600', async () => {
    const dataDir = tmp('lintas-key-');
    const key = await loadPublishingKey({ dataDir });
    const file = join(dataDir, GENERATED_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(key.origin).toBe('generated');
    expect(key.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // No temp file is left beside it.
    expect(readdirSync(dataDir)).toEqual([GENERATED_KEY_FILE]);
  });

  it('restart: the same key is reused, not replaced', async () => {
    const dataDir = tmp('lintas-key-');
    const first = await loadPublishingKey({ dataDir });
    const second = await loadPublishingKey({ dataDir });
    expect(second.origin).toBe('data-dir');
    expect(second.spkiPem).toBe(first.spkiPem);
    expect(second.kid).toBe(first.kid);
  });

  it('two processes starting at once end with one key (exclusive create)', async () => {
    const dataDir = tmp('lintas-key-');
    const keys = await Promise.all([loadPublishingKey({ dataDir }), loadPublishingKey({ dataDir }), loadPublishingKey({ dataDir })]);
    expect(new Set(keys.map((k) => k.spkiPem)).size).toBe(1);
  });

  it('PUBLISH_KEY_FILE: that key is used and nothing is generated', async () => {
    const dataDir = tmp('lintas-key-');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const file = join(tmp('lintas-keyfile-'), 'publish.pem');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const key = await loadPublishingKey({ dataDir, keyFile: file });
    expect(key.origin).toBe('file');
    expect(key.spkiPem).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('PUBLISH_KEY_FILE holding an RSA key, or missing: ConfigError naming the variable', async () => {
    const dataDir = tmp('lintas-key-');
    const rsa = join(tmp('lintas-keyfile-'), 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    for (const keyFile of [rsa, join(dataDir, 'absent.pem')]) {
      const err = await loadPublishingKey({ dataDir, keyFile }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^invalid configuration: PUBLISH_KEY_FILE: /);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('the JWK thumbprint kid is the RFC 7638 one (recomputed here from the public JWK members)', async () => {
    const key = await loadPublishingKey({ dataDir: tmp('lintas-key-') });
    const jwk = createPublicKey(key.spkiPem).export({ format: 'jwk' }) as { crv: string; kty: string; x: string; y: string };
    const { createHash } = await import('node:crypto');
    const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
    expect(key.kid).toBe(createHash('sha256').update(canonical).digest('base64url'));
    expect(key.jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: key.kid });
    expect(key.jwk).not.toHaveProperty('d');
  });
});

describe('config PUBLISH_KEY_FILE / PUBLIC_BASE_URL', () => {
  it('PUBLIC_BASE_URL that is not an http(s) URL: one line naming the variable', () => {
    for (const bad of ['ftp://x.example', 'not a url', 'https://x.example/?q=1']) {
      expect(() => parseConfig({ PUBLIC_BASE_URL: bad })).toThrow(/^invalid configuration: PUBLIC_BASE_URL: /);
    }
  });

  it('PUBLIC_BASE_URL defaults to http://HOST:PORT and loses a trailing slash', () => {
    expect(publicBaseUrl(parseConfig({ HOST: '127.0.0.1', PORT: '9000' }))).toBe('http://127.0.0.1:9000');
    expect(publicBaseUrl(parseConfig({ HOST: '::1', PORT: '9000' }))).toBe('http://[::1]:9000');
    expect(publicBaseUrl(parseConfig({ PUBLIC_BASE_URL: 'https://lintas.example/api/' }))).toBe('https://lintas.example/api');
    expect(parseConfig({ PUBLISH_KEY_FILE: '/etc/lintas/publish.pem' }).PUBLISH_KEY_FILE).toBe('/etc/lintas/publish.pem');
  });
});

describe('service publishing key across restarts', () => {
  async function start(dataDir: string, logs: LogCapture, keyFile?: string) {
    return createService({
      trustListsDir: writeTrustDir(await testPki()),
      dataDir,
      logger: createLogger({ level: 'debug', destination: logs }),
      trustRefresh: false,
      ...(keyFile ? { publish: { keyFile } } : {}),
    });
  }

  it('a restart over the same DATA_DIR serves the same export key; the private key is never logged', async () => {
    const dataDir = tmp('lintas-data-');
    const logs = new LogCapture();
    const a = await start(dataDir, logs);
    const keyA = (await request(a.app).get('/v1/trust/export/key')).text;
    await request(a.app).get('/v1/trust/export');
    await a.close();
    const b = await start(dataDir, logs);
    const keyB = (await request(b.app).get('/v1/trust/export/key')).text;
    await b.close();
    expect(keyA).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keyB).toBe(keyA);
    const privatePem = readFileSync(join(dataDir, GENERATED_KEY_FILE), 'utf8');
    const body = privatePem.split('\n')[1]!;
    expect(logs.text()).not.toContain(body);
    expect(logs.text()).not.toContain('PRIVATE KEY');
  });

  it('PUBLISH_KEY_FILE given to the service: the export key is its public half', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const file = join(tmp('lintas-keyfile-'), 'publish.pem');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const svc = await start(tmp('lintas-data-'), new LogCapture(), file);
    const served = (await request(svc.app).get('/v1/trust/export/key')).text;
    await svc.close();
    expect(served).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  });
});
