// No Docker engine runs here, so the Dockerfile is checked by reading it: multi-stage, non-root,
// a health check, production dependencies only, and everything the service reads at run time
// copied into the image (contract "Starting it"; issue 2).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

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
  it('keeps node_modules, data and the git folder out of the build context', () => {
    const ignore = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['node_modules', 'data', '.git']) expect(ignore).toContain(entry);
  });
});
