// No Docker engine runs here, so the Dockerfile is checked by reading it: multi-stage, non-root,
// a health check, production dependencies only, and everything the service reads at run time
// copied into the image (contract "Starting it"; issue 2). The operator commands (`npm run trust`,
// `npm run audit:verify`) must run in that image, which has no tsx (a dev dependency): they are
// compiled with the service, and a build like the image's is run here without any loader
// (issue 12, "Done means").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKER_GLIBC_TUNABLES } from '../../src/cluster.js';

const text = readFileSync('Dockerfile', 'utf8');
const lines = text.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const stages = lines.filter((l) => /^FROM\s/i.test(l));
const runtime = lines.slice(lines.findIndex((l) => /^FROM\s.+\sAS\s+runtime$/i.test(l)));

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, on Node 20', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s).toMatch(/^FROM node:20[-.\w]*\s+AS\s+\w+/i);
    expect(runtime.length).toBeGreaterThan(1);
  });
  it('runs as a non-root user with a health check and node dist/main.js', () => {
    expect(runtime.some((l) => /^USER\s+(node|\d{3,})$/.test(l))).toBe(true);
    expect(runtime.some((l) => /^HEALTHCHECK\s/.test(l) && l.includes('/healthz'))).toBe(true);
    expect(runtime.at(-1)).toBe('CMD ["node", "dist/main.js"]');
  });
  it('runs node under tini as PID 1, installed in the runtime stage (signals forwarded, orphaned decoder processes reaped)', () => {
    expect(runtime.some((l) => /^RUN apt-get update && apt-get install -y --no-install-recommends tini\b/.test(l))).toBe(true);
    expect(runtime.at(-2)).toBe('ENTRYPOINT ["/usr/bin/tini", "--"]');
  });
  it('installs only production dependencies in the runtime image, from the lock file', () => {
    expect(runtime.some((l) => /^RUN npm ci --omit=dev/.test(l))).toBe(true);
    expect(lines.some((l) => /^COPY package\.json package-lock\.json/.test(l))).toBe(true);
  });
  it('copies every folder the service reads at run time, and each exists in the repository', () => {
    for (const dir of ['policies', 'trust-lists', 'samples', 'src/console']) {
      expect(runtime.some((l) => l.startsWith(`COPY ${dir} `)), dir).toBe(true);
      expect(existsSync(dir), dir).toBe(true);
    }
    expect(runtime.some((l) => /^COPY --from=build \/app\/dist/.test(l))).toBe(true);
  });
  it('gives every process of the image the malloc setting the cluster gives its workers', () => {
    // src/cluster.ts WORKER_GLIBC_TUNABLES: with WORKERS=1 there is no fork to pass it on.
    expect(runtime).toContain(`ENV GLIBC_TUNABLES=${WORKER_GLIBC_TUNABLES}`);
  });
  it('keeps node_modules, data and the git folder out of the build context', () => {
    const ignore = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['node_modules', 'data', '.git']) expect(ignore).toContain(entry);
  });
});

describe('operator commands in the production image', () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

  it('npm run trust and audit:verify run compiled files of the build, with no TypeScript loader', () => {
    for (const [name, src] of [['trust', 'src/cli/trust.ts'], ['audit:verify', 'src/cli/audit-verify.ts']] as const) {
      expect(scripts[name], name).toMatch(/^node dist\/cli\/[\w-]+\.js$/);
      expect(scripts[name], name).not.toMatch(/tsx/);
      // The compiled file is the build's output of a source under src/ (tsconfig.build.json: rootDir src).
      expect(existsSync(src), src).toBe(true);
      expect(scripts[name]!.replace(/^node dist\//, 'src/').replace(/\.js$/, '.ts')).toBe(src);
      // In a checkout the command builds first; in the image the build is already there.
      expect(scripts[`pre${name}`], name).toMatch(/^npm run build\b/);
    }
  });

  it('the runtime stage skips those pre-build scripts (ignore-scripts), set after its npm ci', () => {
    const ci = runtime.findIndex((l) => /^RUN npm ci --omit=dev/.test(l));
    const env = runtime.findIndex((l) => /^ENV\s.*NPM_CONFIG_IGNORE_SCRIPTS=true/.test(l));
    expect(env).toBeGreaterThan(ci);
  });

  // A fresh clone has no node_modules/.cache yet (npm ci makes none).
  mkdirSync(join(process.cwd(), 'node_modules', '.cache'), { recursive: true });
  const out = mkdtempSync(join(process.cwd(), 'node_modules', '.cache', 'lintas-image-build-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('a build like the image\'s runs both commands without tsx, and ships no demo code', () => {
    // Inside node_modules/.cache so the compiled files resolve the packages as dist/ does.
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out], { encoding: 'utf8' });
    expect(existsSync(join(out, 'main.js')), tsc.stdout).toBe(true);
    const env = { PATH: process.env['PATH'] ?? '', TRUST_LISTS_DIR: join(process.cwd(), 'trust-lists'), DATA_DIR: mkdtempSync(join(tmpdir(), 'lintas-cli-')) };
    const run = (file: string, ...args: string[]) => spawnSync(process.execPath, [join(out, 'cli', file), ...args], { env, encoding: 'utf8' });
    const help = run('trust.js', 'help');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('sources');
    const sources = run('trust.js', 'sources');
    expect(sources.status, sources.stderr).toBe(0);
    expect(sources.stdout).toMatch(/^local-demo\s+dgcg-trustlist\s+origin=file\s+signers=\d+/m);
    const unknown = run('trust.js', 'sources', '--no-such-flag');
    expect(unknown.status).toBe(1);
    const audit = run('audit-verify.js');
    expect(audit.status).toBe(2); // DATA_DIR from the environment, which has no audit log yet
    expect(audit.stderr).toContain(join(env.DATA_DIR, 'audit'));
    // Demo keys and sample signing stay development tools (scripts/demo-keys.ts).
    const files = readdirSync(out, { recursive: true }).map(String);
    expect(files.filter((f) => f.startsWith('demo'))).toEqual([]);
    // Nor do the certificate signers (scripts/demo/sign-*.ts): the service verifies, it never issues.
    expect(files.filter((f) => /(^|\/)(sign|encode)\.js$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.js') && readFileSync(join(out, f), 'utf8').includes('/demo/'))).toEqual([]);
  }, 180_000);
});
