// The officer console's WHO digital ICVP card end to end (issue 13 item 5): the real service from
// createService over the shipped trust-lists/ and samples/ (npm run demo:keys writes the two
// icvp-* samples), on 127.0.0.1, driven by headless Chromium (playwright-core + Debian chromium,
// as test/e2e/console.test.ts). The card shows the disease, the product, the vaccination date,
// "valid from" for yellow fever and the issuing country, in Bahasa Indonesia and English.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LogCapture } from '../helpers/service.js';
import { CHROMIUM, launchChromium, ROOT, SAMPLES, seriousViolations, startDemoService, waitFor, WCAG_TAGS } from './harness.js';

const INDEX = join(SAMPLES, 'index.json');
const index = existsSync(INDEX) ? (JSON.parse(readFileSync(INDEX, 'utf8')) as { generatedAt: string; samples: { id: string }[] }) : undefined;
const HAVE = existsSync(CHROMIUM) && index !== undefined && ['icvp-yellow-fever', 'icvp-yellow-fever-day-4'].every((id) => index.samples.some((s) => s.id === id));
if (!HAVE) console.warn(`SKIPPED test/e2e/dvc.test.ts: needs Chromium at ${CHROMIUM} and the icvp-* samples (npm run demo:keys -- --only-icvp)`);

const SHOTS = join(ROOT, 'test-results', 'screenshots');

const DAY_MS = 86_400_000;
/** The day a sample's vaccination falls on: generatedAt minus `days`, as scripts/demo-keys.ts computes it. */
const vaccinated = (days: number) => new Date(Date.parse(index!.generatedAt) - days * DAY_MS).toISOString().slice(0, 10);
const longDate = (day: string, locale: string) =>
  new Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' }).format(new Date(`${day}T00:00:00Z`));
const plus10 = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 10 * DAY_MS).toISOString().slice(0, 10);

const serious = (page: Page) => seriousViolations(page, WCAG_TAGS);

describe.skipIf(!HAVE)('officer console: the WHO digital ICVP card in headless Chromium', () => {
  let server: Server;
  let base = '';
  let browser: Browser;
  let page: Page;
  const logs = new LogCapture();
  const errors: string[] = [];

  beforeAll(async () => {
    ({ server, base } = await startDemoService({}, logs));
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Asia/Jakarta' });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${base}/`);
    await page.waitForSelector('html[data-ready="true"]');
    await page.waitForSelector('#samples-form:not([hidden])');
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  const card = () => page.locator('#card');
  const load = async (id: string, status: string) => {
    await page.selectOption('#sample-select', id);
    await page.click('#sample-submit');
    await page.waitForSelector(`#card[data-status="${status}"]`);
  };

  it('a yellow-fever ICVP vaccinated 4 days before: YELLOW card with disease, product, date, "valid from" day 10 and the issuing country', async () => {
    await load('icvp-yellow-fever-day-4', 'YELLOW');
    const dt = vaccinated(4);
    expect(await card().locator('.verdict-status').textContent()).toBe('YELLOW');
    expect(await card().locator('.verdict-reasons').innerText()).toContain('not yet valid');
    expect(await card().locator('.dvc-disease').textContent()).toBe('Yellow fever');
    expect(await card().locator('.dvc-product').textContent()).toContain('STAMARIL');
    expect(await card().locator('.dvc-date').textContent()).toBe(longDate(dt, 'en-GB'));
    expect(await card().locator('.dvc-valid-from').textContent()).toBe(longDate(plus10(dt), 'en-GB'));
    expect(await card().locator('.dvc-country').textContent()).toBe('XA');
    expect(await card().locator('.holder-name').textContent()).toBe('Ayu Lestari Pratama-Müller');
    const text = await card().innerText();
    expect(text).toContain('WHO digital ICVP');
    expect(text).toContain('Valid from');
    expect(text).toContain('WHO_DVC');
    expect(await card().locator('.check.fail').count()).toBe(0);
    expect(await serious(page)).toEqual([]);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'console-icvp-yellow-en.png'), fullPage: true, animations: 'disabled' });
  });

  it('switching to Bahasa Indonesia: the same card in Indonesian (KUNING, Penyakit, Berlaku dari, the date in Indonesian)', async () => {
    await page.click('[data-lang="id"]');
    // Polled with page.evaluate: waitForFunction evaluates a string the page's CSP forbids (no unsafe-eval).
    await waitFor(page, 'document.querySelector("#card .verdict-status")?.textContent === "KUNING"');
    const text = await card().innerText();
    expect(text).toContain('Penyakit');
    expect(text).toContain('Berlaku dari');
    expect(text).toContain('demam kuning'); // the policy's reason, in Indonesian
    expect(await card().locator('.dvc-valid-from').textContent()).toBe(longDate(plus10(vaccinated(4)), 'id-ID'));
  });

  it('vaccinated 400 days before: GREEN, valid with no end date, "valid from" shown', async () => {
    await page.click('[data-lang="en"]');
    await waitFor(page, 'document.documentElement.lang === "en"');
    await load('icvp-yellow-fever', 'GREEN');
    expect(await card().locator('.verdict-reasons').innerText()).toContain('for life');
    expect(await card().locator('.verdict-until').innerText()).toContain('no end date');
    expect(await card().locator('.dvc-valid-from').textContent()).toBe(longDate(plus10(vaccinated(400)), 'en-GB'));
    expect(await serious(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-icvp-green-en.png'), fullPage: true, animations: 'disabled' });
  });

  it('broke no page script, and logged no name or birth date', () => {
    expect(errors).toEqual([]);
    for (const secret of ['Pratama', 'Ayu Lestari', '1990-04-12']) expect(logs.text()).not.toContain(secret);
  });
});
