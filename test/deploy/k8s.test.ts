// Static checks of the Kubernetes manifests (deploy/kubernetes): probes on the contract's
// health routes, resources, non-root with a read-only root filesystem, a writable DATA_DIR,
// an autoscaler aimed at the Deployment, a Service that selects its pods, and only
// environment variables the service knows (src/config.ts), so config drift fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config.js';

const DIR = join(process.cwd(), 'deploy', 'kubernetes');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const docs: Obj[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => {
      expect(d.errors, f).toEqual([]);
      return d.toJS() as Obj;
    }),
  )
  .filter(Boolean);
const one = (kind: string) => {
  const found = docs.filter((d) => d['kind'] === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

describe('deploy/kubernetes', () => {
  const deployment = one('Deployment');
  const pod = deployment['spec']['template']['spec'];
  const container = pod['containers'][0];
  const port = container['ports'].find((p: Obj) => p['name'] === 'http');

  it('parses, and kustomization lists every manifest', () => {
    const kustom = one('Kustomization');
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustom['resources']].sort()).toEqual(files.sort());
  });

  it('probes: startup and liveness on /healthz, readiness on /readyz, on the container port', () => {
    expect(container['livenessProbe']['httpGet']).toMatchObject({ path: '/healthz', port: 'http' });
    expect(container['readinessProbe']['httpGet']).toMatchObject({ path: '/readyz', port: 'http' });
    expect(container['startupProbe']['httpGet']).toMatchObject({ path: '/healthz', port: 'http' });
    const env = Object.fromEntries(container['env'].map((e: Obj) => [e['name'], e['value']]));
    expect(Number(env['PORT'])).toBe(port['containerPort']);
  });

  it('resources: requests and limits for cpu and memory, limits ≥ requests', () => {
    const { requests, limits } = container['resources'];
    for (const k of ['cpu', 'memory']) {
      expect(requests[k], k).toBeDefined();
      expect(limits[k], k).toBeDefined();
    }
    const cpu = (v: string) => (String(v).endsWith('m') ? parseInt(v, 10) / 1000 : Number(v));
    const mem = (v: string) => parseInt(v, 10) * (String(v).endsWith('Gi') ? 1024 : 1);
    expect(cpu(limits.cpu)).toBeGreaterThanOrEqual(cpu(requests.cpu));
    expect(mem(limits.memory)).toBeGreaterThanOrEqual(mem(requests.memory));
    // WORKERS must not exceed the CPU limit's cores.
    const workers = Number(container['env'].find((e: Obj) => e['name'] === 'WORKERS')?.['value'] ?? 1);
    expect(workers).toBeLessThanOrEqual(Math.max(1, Math.floor(cpu(limits.cpu))));
  });

  it('non-root, read-only root filesystem, no privilege escalation, all capabilities dropped', () => {
    expect(pod['securityContext']).toMatchObject({ runAsNonRoot: true });
    expect(pod['securityContext']['runAsUser']).toBeGreaterThan(0);
    expect(container['securityContext']).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false });
    expect(container['securityContext']['capabilities']['drop']).toContain('ALL');
    expect(pod['automountServiceAccountToken']).toBe(false);
    expect(container['image']).not.toMatch(/:latest$|^[^:]+$/);
  });

  it('DATA_DIR and /tmp are writable volumes; secrets are mounted read-only', () => {
    const env = Object.fromEntries(container['env'].map((e: Obj) => [e['name'], e['value']]));
    const mounts: Obj[] = container['volumeMounts'];
    const writable = mounts.filter((m) => !m['readOnly']).map((m) => m['mountPath']);
    expect(writable).toContain(env['DATA_DIR']);
    expect(writable).toContain('/tmp');
    const clients = mounts.find((m) => String(env['CLIENTS_FILE']).startsWith(`${m['mountPath']}/`));
    expect(clients?.['readOnly']).toBe(true);
    for (const m of mounts) expect(pod['volumes'].map((v: Obj) => v['name'])).toContain(m['name']);
  });

  it('only variables the service reads (src/config.ts) are set', () => {
    for (const e of container['env']) expect(CONFIG_KEYS as readonly string[]).toContain(e['name']);
  });

  it('drains within the grace period the contract needs (exit within 10 s of SIGTERM)', () => {
    expect(pod['terminationGracePeriodSeconds']).toBeGreaterThanOrEqual(10);
  });

  it('the HorizontalPodAutoscaler targets this Deployment with at least 2 replicas', () => {
    const hpa = one('HorizontalPodAutoscaler');
    expect(hpa['apiVersion']).toBe('autoscaling/v2');
    expect(hpa['spec']['scaleTargetRef']).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment['metadata']['name'] });
    expect(hpa['spec']['minReplicas']).toBeGreaterThanOrEqual(2);
    expect(hpa['spec']['maxReplicas']).toBeGreaterThan(hpa['spec']['minReplicas']);
    expect(hpa['spec']['metrics'][0]['resource']['name']).toBe('cpu');
  });

  it('the Service selects the pods and targets the named container port', () => {
    const svc = one('Service');
    const labels = deployment['spec']['template']['metadata']['labels'];
    for (const [k, v] of Object.entries(svc['spec']['selector'])) expect(labels[k]).toBe(v);
    for (const [k, v] of Object.entries(deployment['spec']['selector']['matchLabels'])) expect(labels[k]).toBe(v);
    expect(svc['spec']['ports'][0]['targetPort']).toBe(port['name']);
  });
});
