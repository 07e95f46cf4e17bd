// The real process (src/main.ts) with WORKERS=2: both workers serve, a client's limit is one
// limit across them (counters in the primary), /metrics adds the workers up, each worker
// keeps its own audit chain, and SIGTERM drains and exits 0 within the contract's 10 s.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditFile } from '../../src/audit/log.js';
import { WORKER_GLIBC_TUNABLES, workerEnv } from '../../src/cluster.js';
import { bearer, KEYS, writeClientsFile } from './edge-helpers.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** This process's environment without GLIBC_TUNABLES (the workers' default is under test), plus `extra`. */
function primaryEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env['GLIBC_TUNABLES'];
  return env;
}

function childOf(pid: string, parent: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
  } catch {
    return false; // gone meanwhile
  }
}

const sample = readFileSync(join(process.cwd(), 'samples', 'vaccination-complete.txt'), 'utf8').trim();

describe('WORKERS=2 (node:cluster)', () => {
  let child: ChildProcess;
  let base: string;
  let dataDir: string;
  let output = '';
  beforeAll(async () => {
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'lintas-cluster-'));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: primaryEnv({ PORT: String(port), HOST: '127.0.0.1', WORKERS: '2', DATA_DIR: dataDir, CLIENTS_FILE: writeClientsFile(), LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      if ((output.match(/"msg":"listening"/g) ?? []).length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((output.match(/"msg":"listening"/g) ?? []).length).toBe(2);
  }, 60_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** A new connection per request (no keep-alive), so the cluster spreads them over workers. */
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    new Promise<{ status: number; text: string; json: () => any }>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const verify = (key: string) => call('POST', '/v1/verify', { 'content-type': 'application/json', authorization: bearer(key) }, JSON.stringify({ qr: sample }));

  it('both workers answer', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await verify(KEYS.partner);
      expect(res.status).toBe(200);
      expect(res.json().outcome).toBe('VALID');
    }
    // Each worker wrote audit records of its own (records are written before the answer).
    const perWorker = readdirSync(join(dataDir, 'audit'))
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(dataDir, 'audit', f), 'utf8').split('\n').filter((l) => l.includes('"type":"verification"')).length);
    expect(perWorker).toHaveLength(2);
    for (const n of perWorker) expect(n).toBeGreaterThan(0);
  });

  it.runIf(process.platform === 'linux')('workers start with the malloc setting that returns large buffers to the system', () => {
    // The primary's children, by the parent pid in /proc/<pid>/stat (field 4, after the name in
    // parentheses), that run main.ts: with a cold tsx cache the primary also runs esbuild's
    // `--service` helpers, which are not workers.
    const runsMain = (pid: string) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.endsWith('main.ts'));
      } catch {
        return false; // gone meanwhile
      }
    };
    const workers = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && childOf(d, child.pid!) && runsMain(d));
    expect(workers).toHaveLength(2);
    for (const pid of workers) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain(`GLIBC_TUNABLES=${WORKER_GLIBC_TUNABLES}`);
      expect(environ.some((v) => /^WORKER_SLOT=[01]$/.test(v))).toBe(true);
    }
    expect(WORKER_GLIBC_TUNABLES).toBe('glibc.malloc.mmap_threshold=131072');
  });

  it("an operator's own GLIBC_TUNABLES is left as it is", () => {
    expect(workerEnv(1, { A: 'b' }, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toEqual({ A: 'b', WORKER_SLOT: '1' });
    expect(workerEnv(0, {}, {})).toEqual({ GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES, WORKER_SLOT: '0' });
  });

  it('one limit per client across the workers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await verify(KEYS.slow)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('/metrics counts the verifications of both workers', async () => {
    const { text } = await call('GET', '/metrics');
    const m = /^verifications_total\{format="EU_DCC",outcome="VALID",code="none"\} (\d+)/m.exec(text);
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(13);
  });

  it('SIGTERM: exits 0 within 10 s, every worker’s audit chain verifies', async () => {
    const t = Date.now();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - t).toBeLessThan(10_000);
    const files = readdirSync(join(dataDir, 'audit')).filter((f) => f.endsWith('.jsonl'));
    expect(files.map((f) => f.replace(/^.*-(worker-\d)\.jsonl$/, '$1')).sort()).toEqual(['worker-0', 'worker-1']);
    let verifications = 0;
    for (const f of files) {
      const check = verifyAuditFile(join(dataDir, 'audit', f));
      expect(check.ok).toBe(true);
      verifications += readFileSync(join(dataDir, 'audit', f), 'utf8').split('\n').filter((l) => l.includes('"type":"verification"')).length;
    }
    expect(verifications).toBeGreaterThanOrEqual(13);
  }, 15_000);
});

describe('configuration errors', () => {
  it('a bad WORKERS, REDIS_URL or TLS pairing stops the process with one line naming the variable', () => {
    for (const [env, name] of [
      [{ WORKERS: 'lots' }, 'WORKERS'],
      [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
      [{ TLS_CERT: '/nonexistent.pem' }, 'TLS_KEY'],
      [{ CLIENTS_FILE: '/nonexistent.json', WORKERS: '1' }, 'CLIENTS_FILE'],
    ] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(tmpdir(), 'lintas-cfg-')), ...env }, encoding: 'utf8', timeout: 30_000 });
      expect(r.status, name).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(name);
    }
  }, 60_000);
});
