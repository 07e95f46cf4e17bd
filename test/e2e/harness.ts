// What the console's end-to-end tests share: the real service over the shipped trust-lists/ and
// samples/, listening on 127.0.0.1 at the samples' own time, and Debian's Chromium driven by
// playwright-core (headless, no sandbox, no background networking: this machine has no network).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createService, type Service, type ServiceOptions } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import { LogCapture } from '../helpers/service.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const SAMPLES = join(ROOT, 'samples');
export const HAVE_SAMPLES = existsSync(join(SAMPLES, 'index.json'));

export const sample = (id: string): string => readFileSync(join(SAMPLES, `${id}.txt`), 'utf8').trim();

/** The samples are signed at `generatedAt`; check them an hour later, whatever today is. */
export function sampleClock(): Date {
  const index = JSON.parse(readFileSync(join(SAMPLES, 'index.json'), 'utf8')) as { generatedAt?: string };
  return new Date((index.generatedAt ? Date.parse(index.generatedAt) : Date.now()) + 60 * 60 * 1000);
}

export interface DemoServer {
  service: Service;
  server: Server;
  base: string;
  logs: LogCapture;
  close(): Promise<void>;
}

/** The service as `npm start` builds it over the demo, on an ephemeral loopback port. */
export async function startDemoService(opts: Partial<ServiceOptions> = {}, logs = new LogCapture()): Promise<DemoServer> {
  const clock = sampleClock();
  const service = await createService({
    trustListsDir: join(ROOT, 'trust-lists'),
    dataDir: join(mkdtempSync(join(tmpdir(), 'lintas-e2e-')), 'data'),
    samplesDir: SAMPLES,
    now: () => clock,
    logger: createLogger({ level: 'info', destination: logs }),
    trustRefresh: false,
    ...opts,
  });
  const server = createServer(service.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    service,
    server,
    base,
    logs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Polls a browser-side expression (strings only: the test files are typed without the DOM lib). */
export async function waitFor(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Serious and critical axe-core findings. axe runs under the page's own CSP (script-src 'self'),
 * so it is served from the page's origin through a route rather than injected inline.
 */
export async function seriousViolations(page: Page, tags: readonly string[] = [...WCAG, 'best-practice']): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) {
    const url = `${new URL(page.url()).origin}/__test__/axe.min.js`;
    await page.route(url, (route) => route.fulfill({ path: AXE_PATH, contentType: 'text/javascript' }));
    await page.addScriptTag({ url });
  }
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ["violations"], runOnly: { type: "tag", values: ${JSON.stringify(tags)} } }).then(r => r.violations)`,
  )) as { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} @ ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export const WCAG_TAGS = WCAG;
