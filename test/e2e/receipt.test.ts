// The console's receipt QR end to end (issue #14 item 4): the real service over the bundled demo
// trust list, listening on 127.0.0.1, driven by headless Chromium. Paste a valid demo certificate,
// press "Receipt QR": a QR code appears, drawn in the page (qrcode-generator from node_modules,
// CSP script-src 'self', nothing fetched from elsewhere); read back from the canvas and decoded
// here with jsQR (another library than the one that drew it), it is a compact JWS that verifies
// with jose against the service's /.well-known/jwks.json and states the verdict on the card.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { Browser, Page } from 'playwright-core';
import pngjs from 'pngjs';
import { CHROMIUM, HAVE_CHROMIUM, HAVE_SAMPLES, launchChromium, sample, startDemoService, waitFor } from './harness.js';

// jsqr ships CommonJS whose default export TypeScript does not see under NodeNext: required, as src/qr/decode-image.ts does.
const jsQR = createRequire(import.meta.url)('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

if (!HAVE_CHROMIUM) console.warn(`SKIPPED test/e2e/receipt.test.ts: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
if (!HAVE_SAMPLES) console.warn('SKIPPED test/e2e/receipt.test.ts: samples/index.json is missing (npm run demo:keys)');

/** The canvas as the page drew it, decoded with jsQR. */
async function readQr(page: Page): Promise<string | null> {
  const dataUrl = (await page.evaluate('document.getElementById("receipt-qr").toDataURL("image/png")')) as string;
  const png = pngjs.PNG.sync.read(Buffer.from(dataUrl.split(',')[1]!, 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

describe.skipIf(!HAVE_CHROMIUM || !HAVE_SAMPLES)('console receipt QR in headless Chromium against the real service', () => {
  let server: Server;
  let base = '';
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const foreign: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'lintas-e2e-receipt-'));

  beforeAll(async () => {
    ({ server, base } = await startDemoService({ dataDir: join(work, 'data') }));
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
    });
    await page.goto(`${base}/`);
    await page.waitForSelector('html[data-ready="true"]');
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('no receipt panel before a verdict', async () => {
    expect(await page.isHidden('#receipt-panel')).toBe(true);
  });

  it('Receipt QR → a QR appears that decodes to a JWS verifying with the served JWK set', async () => {
    await page.focus('#qr-text');
    await page.keyboard.insertText(sample('vaccination-complete'));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#card[data-status="GREEN"]');
    expect(await page.isVisible('#receipt-panel')).toBe(true);
    expect(await page.textContent('#receipt-button')).toBe('Receipt QR');
    expect(await page.isHidden('#receipt-qr')).toBe(true);

    await page.click('#receipt-button');
    await waitFor(page, 'document.getElementById("receipt-qr").dataset.ready === "true"');
    expect(await page.isVisible('#receipt-qr')).toBe(true);
    const jws = await readQr(page);
    expect(jws).not.toBeNull();
    expect(jws!.split('.')).toHaveLength(3);

    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await compactVerify(jws!, createLocalJWKSet(jwks));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: jwks.keys[0]!.kid });
    const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ outcome: 'VALID', format: 'EU_DCC', status: 'GREEN' });
    // No name of the card reached the QR.
    const name = (await page.textContent('#card .holder-name')) ?? '';
    expect(name.length).toBeGreaterThan(0);
    expect(jws).not.toContain(Buffer.from(name.split(',')[0]!).toString('base64url').slice(0, 8));
    expect(Buffer.from(jws!.split('.')[1]!, 'base64url').toString('utf8')).not.toContain(name.split(',')[0]!);
    // A changed byte no longer verifies: what the second desk scans cannot be edited.
    const [h, p, s] = jws!.split('.');
    await expect(compactVerify(`${h}.${p}.${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`, createLocalJWKSet(jwks))).rejects.toThrow();
  });

  it('the next traveller’s scan removes the previous receipt QR', async () => {
    await page.focus('#qr-text');
    await page.keyboard.insertText(sample('tampered'));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#card[data-status="INVALID"]');
    expect(await page.isHidden('#receipt-qr')).toBe(true);
    await page.click('#receipt-button');
    await waitFor(page, 'document.getElementById("receipt-qr").dataset.ready === "true"');
    const jws = await readQr(page);
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const claims = JSON.parse(Buffer.from((await compactVerify(jws!, createLocalJWKSet(jwks))).payload).toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ outcome: 'INVALID', status: 'INVALID' });
  });

  it('Indonesian texts for the receipt; no CSP violation, no request outside the service', async () => {
    await page.click('[data-lang="id"]');
    await waitFor(page, 'document.getElementById("receipt-button").textContent === "QR tanda terima"');
    expect(await page.getAttribute('#receipt-qr', 'aria-label')).toContain('tanda terima');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
