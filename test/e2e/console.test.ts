// The officer console end to end (issue 5 "Done means"): the real service from createService
// over the bundled demo trust list, listening on 127.0.0.1, driven by headless Chromium.
// Upload a PNG of a valid demo certificate → GREEN with the holder's name; paste a tampered
// one → INVALID naming the signature failure; switch language → texts change; axe-core finds
// no serious or critical violations; nothing personal is kept in the browser or the logs.
//
// Screenshots go to test-results/screenshots/ on every run (artifacts) and to
// docs/screenshots/ when missing or when UPDATE_SCREENSHOTS=1 (they carry a request id and a
// time, so rewriting them on every run would dirty the tree for nothing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import pngjs from 'pngjs';
import QRCode from 'qrcode';
import { createHash } from 'node:crypto';
import { createService } from '../../src/compose.js';
import { ClientRegistry } from '../../src/http/auth.js';
import { createLogger } from '../../src/logger.js';
import { LogCapture } from '../helpers/service.js';
import { CHROMIUM, HAVE_CHROMIUM, HAVE_SAMPLES, launchChromium, ROOT, sample, SAMPLES, sampleClock, seriousViolations, startDemoService, waitFor } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(`SKIPPED test/e2e/console.test.ts: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
if (!HAVE_SAMPLES) console.warn('SKIPPED test/e2e/console.test.ts: samples/index.json is missing (npm run demo:keys)');

const ARTIFACTS = join(ROOT, 'test-results', 'screenshots');
const DOCS = join(ROOT, 'docs', 'screenshots');
const UPDATE_DOCS = process.env['UPDATE_SCREENSHOTS'] === '1';

async function shot(page: Page, name: string, opts: { fullPage?: boolean; selector?: string } = {}): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  if (opts.selector) await page.locator(opts.selector).screenshot({ path: file, animations: 'disabled' });
  else await page.screenshot({ path: file, fullPage: opts.fullPage ?? true, animations: 'disabled' });
  const doc = join(DOCS, `${name}.png`);
  if (UPDATE_DOCS || !existsSync(doc)) {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(file, doc);
  }
}

describe.skipIf(!HAVE_CHROMIUM || !HAVE_SAMPLES)('officer console in headless Chromium against the real service', () => {
  let server: Server;
  let base = '';
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const logs = new LogCapture();
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'lintas-e2e-'));

  beforeAll(async () => {
    ({ server, base } = await startDemoService({ dataDir: join(work, 'data') }, logs));
    const page0 = await fetch(`${base}/`);
    if (page0.status !== 200) {
      throw new Error(`GET / answered ${page0.status}: createService (src/compose.ts) must give createApp the console and the image decoder`);
    }

    browser = await launchChromium();
    // An Indonesian browser: the console opens in Bahasa Indonesia.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
    page = await context.newPage();
    page.on('console', (m) => {
      // A 422 for the blank image is expected and logged by Chromium as a failed resource.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
      if (/Content Security Policy/i.test(m.text())) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')) foreignRequests.push(url);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  const open = async (p: Page = page) => {
    const res = await p.goto(`${base}/`);
    await p.waitForSelector('html[data-ready="true"]');
    return res;
  };
  const card = (p: Page = page) => p.locator('#card');

  it('serves the page under a strict CSP and camera-only Permissions-Policy, in Bahasa Indonesia by default', async () => {
    const res = await open();
    const headers = res!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("style-src 'self'");
    expect(headers['permissions-policy']).toContain('camera=(self)');
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    expect(await page.textContent('h1')).toBe('Verifikasi sertifikat kesehatan');
    await page.waitForSelector('#samples-form:not([hidden])');
    expect(await page.locator('#sample-select option').count()).toBeGreaterThanOrEqual(5);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'console-empty-id');
  });

  it('upload a PNG of a valid demo certificate → GREEN card with the holder’s name', async () => {
    const png = join(work, 'vaccination-complete.png');
    writeFileSync(png, await QRCode.toBuffer(sample('vaccination-complete'), { type: 'png', margin: 4, scale: 5 }));
    await page.setInputFiles('#qr-file', png);
    await page.waitForSelector('#card[data-status="GREEN"]');
    expect(await card().locator('.verdict-status').textContent()).toBe('HIJAU');
    expect(await card().locator('.holder-name').textContent()).toBe('Pratama-Müller, Ayu Lestari');
    expect(await card().locator('.holder-icao').textContent()).toBe('PRATAMA<MUELLER<<AYU<LESTARI');
    const text = await card().innerText();
    expect(text).toContain('12 April 1990'); // date of birth, Indonesian format
    expect(text).toContain('Comirnaty');
    expect(text).toContain('2/2');
    expect(text).toContain('Vaksinasi dosis primer lengkap'); // the policy's reason, in Indonesian
    expect(await card().locator('.check.pass').count()).toBeGreaterThanOrEqual(5);
    expect(await card().locator('.check.fail').count()).toBe(0);
    expect(await page.inputValue('#qr-file')).toBe(''); // the file input is cleared
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'console-green-upload-id');
  });

  it('paste a tampered certificate with the keyboard → INVALID card naming the signature failure', async () => {
    await page.focus('#qr-text');
    await page.keyboard.insertText(sample('tampered'));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#card[data-status="INVALID"]');
    // The previous traveller's card is gone; the text box is emptied.
    expect(await page.locator('#card').count()).toBe(1);
    expect(await page.locator('.holder-name').count()).toBe(0);
    expect(await page.inputValue('#qr-text')).toBe('');
    expect(await card().locator('.verdict-status').textContent()).toBe('TIDAK SAH');
    const reasons = await card().locator('.verdict-reasons').innerText();
    expect(reasons).toContain('Tanda tangan tidak cocok');
    expect(await card().locator('.errors').innerText()).toContain('SIGNATURE_INVALID');
    // Focus stays in the text box so that a handheld scanner can type the next code.
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('qr-text');
    expect(await page.locator('#announce').textContent()).toContain('TIDAK SAH');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'console-invalid-id');
  });

  it('switching the language changes the texts, asks the server again, and remembers only the language', async () => {
    await page.click('[data-lang="en"]');
    await waitFor(page, 'document.querySelector("#card .verdict-status")?.textContent === "NOT VALID"');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getAttribute('[data-lang="en"]', 'aria-pressed')).toBe('true');
    expect(await page.textContent('h1')).toBe('Health certificate verification');
    expect(await card().locator('.verdict-reasons').innerText()).toContain('The signature does not match');
    expect(await card().locator('.verdict-meaning').textContent()).toBe('Do not accept this certificate');
    await shot(page, 'console-invalid-en');

    const storage = (await page.evaluate('JSON.stringify(Object.assign({}, localStorage))')) as string;
    expect(JSON.parse(storage)).toEqual({ 'lintas.console.lang': 'en' });
    const session = (await page.evaluate('sessionStorage.length')) as number;
    expect(session).toBe(0);

    await open();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('#card').count()).toBe(0); // nothing of the last traveller survives a reload
  });

  it('a check the format cannot make reads "Not applicable" with its reason, never "Passed" (SHC: key usage, revocation)', async () => {
    await page.focus('#qr-text');
    await page.keyboard.insertText(sample('shc-vaccination'));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#card[data-status="GREEN"]');
    const usage = card().locator('[data-check="keyUsage"]');
    expect(await usage.getAttribute('data-state')).toBe('na');
    expect(await usage.innerText()).toContain('Not applicable');
    expect(await usage.innerText()).toContain('keys of this kind state no usage');
    expect(await card().locator('[data-check="signature"]').getAttribute('data-state')).toBe('pass');
    expect(await card().locator('[data-check]').count()).toBe(7);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'console-not-applicable-en');
  });

  it('sample certificates load from the page: YELLOW and BLACK cards with words and icons', async () => {
    await page.waitForSelector('#samples-form:not([hidden])');
    await page.selectOption('#sample-select', 'vaccination-partial');
    await page.click('#sample-submit');
    await page.waitForSelector('#card[data-status="YELLOW"]');
    expect(await card().locator('.verdict-status').textContent()).toBe('YELLOW');
    expect(await card().locator('.verdict-icon').count()).toBe(1);
    expect(await card().innerText()).toContain('1/2');
    await shot(page, 'console-yellow-en');

    await page.selectOption('#sample-select', 'test-positive');
    await page.click('#sample-submit');
    await page.waitForSelector('#card[data-status="BLACK"]');
    expect(await card().locator('.verdict-meaning').textContent()).toBe('Must isolate');
    expect(await card().innerText()).toContain('POSITIVE');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('an image without a QR code gets a plain-words message, and Clear empties the result', async () => {
    const blank = new pngjs.PNG({ width: 240, height: 160 });
    blank.data.fill(255);
    const file = join(work, 'blank.png');
    writeFileSync(file, pngjs.PNG.sync.write(blank));
    await page.setInputFiles('#qr-file', file);
    await page.waitForSelector('#problem:not([hidden])');
    expect(await page.locator('#problem').innerText()).toContain('No QR code was found');
    expect(await page.locator('#card').count()).toBe(0);
    await page.click('#clear');
    expect(await page.locator('#problem').isHidden()).toBe(true);
    expect(await page.locator('#placeholder').isVisible()).toBe(true);
  });

  it('is usable with the keyboard alone, with a visible focus ring', async () => {
    await open();
    const seen: { id: string; outline: string }[] = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      seen.push(
        (await page.evaluate(
          '(() => { const a = document.activeElement; if (!a || a === document.body) return { id: "BODY", outline: "n/a" }; const cs = getComputedStyle(a); return { id: a.id || a.dataset.lang || a.className, outline: cs.outlineStyle + " " + cs.outlineWidth }; })()',
        )) as { id: string; outline: string },
      );
    }
    const ids = seen.map((s) => s.id);
    for (const id of ['skip', 'id', 'en', 'camera-start', 'qr-text', 'paste-submit', 'qr-file', 'sample-select', 'sample-submit', 'clear']) {
      expect(ids, `tab order ${ids.join(' → ')}`).toContain(id);
    }
    for (const s of seen.filter((x) => x.id !== 'BODY')) expect(s.outline, `${s.id} in ${JSON.stringify(seen)}`).not.toMatch(/^none|\s0px$/);
  });

  it('reads well on a phone: the card comes into view and passes the same checks', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta', isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    try {
      await open(p);
      await p.waitForSelector('#samples-form:not([hidden])');
      await p.selectOption('#sample-select', 'vaccination-complete');
      await p.click('#sample-submit');
      await p.waitForSelector('#card[data-status="GREEN"]');
      await waitFor(p, 'Math.abs(document.querySelector("#result").getBoundingClientRect().top) < 80');
      const width = (await p.evaluate('document.documentElement.scrollWidth')) as number;
      expect(width).toBeLessThanOrEqual(390); // no sideways scrolling
      expect(await seriousViolations(p)).toEqual([]);
      await shot(p, 'console-green-phone-id', { fullPage: false });
    } finally {
      await phone.close();
    }
  });

  it('with CLIENTS_FILE set, the page asks for an access key, keeps it in memory only, and then verifies', async () => {
    const key = 'officer-console-key-0123456789abcdef';
    const clients = ClientRegistry.parse({ clients: [{ id: 'border-post', keySha256: createHash('sha256').update(key).digest('hex'), scopes: ['verify'] }] });
    const locked = await createService({
      trustListsDir: join(ROOT, 'trust-lists'),
      dataDir: join(work, 'data-locked'),
      samplesDir: SAMPLES,
      now: sampleClock,
      logger: createLogger({ level: 'silent' }),
      trustRefresh: false,
      edge: { clients },
    });
    const lockedServer = createServer(locked.app);
    await new Promise<void>((resolve) => lockedServer.listen(0, '127.0.0.1', resolve));
    const ctx = await browser.newContext({ locale: 'en-GB' });
    const p = await ctx.newPage();
    try {
      await p.goto(`http://127.0.0.1:${(lockedServer.address() as AddressInfo).port}/`);
      await p.waitForSelector('html[data-ready="true"]');
      await p.fill('#qr-text', sample('vaccination-complete'));
      await p.click('#paste-submit');
      await p.waitForSelector('#problem:not([hidden])');
      expect(await p.textContent('#problem')).toContain('access key');
      await p.fill('#api-key', key);
      await p.click('#key-submit');
      expect(await p.inputValue('#api-key')).toBe('');
      await p.fill('#qr-text', sample('vaccination-complete'));
      await p.click('#paste-submit');
      await p.waitForSelector('#card[data-status="GREEN"]');
      const stored = (await p.evaluate('JSON.stringify([Object.keys(localStorage), sessionStorage.length, document.cookie])')) as string;
      expect(stored).not.toContain(key);
      expect(JSON.parse(stored)[1]).toBe(0);
    } finally {
      await ctx.close();
      await new Promise<void>((resolve) => lockedServer.close(() => resolve()));
      await locked.close();
    }
  });

  it('loaded nothing from other origins, broke no CSP rule, and logged no name, birth date or QR text', () => {
    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of ['Pratama', 'Ayu', 'MUELLER', '1990-04-12', 'HC1:', sample('tampered').slice(4, 40)]) {
      expect(text).not.toContain(secret);
    }
  });
});
