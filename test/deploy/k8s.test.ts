// Static checks of the Kubernetes manifests (deploy/kubernetes): probes on the contract's
// health routes, resources, non-root with a read-only root filesystem, a writable DATA_DIR that
// is each pod's own (a StatefulSet with a claim per pod, one writer: contract "One instance, one
// trust state", review round 1 §1.6), an autoscaler aimed at the StatefulSet, Services that
// select its pods, and only environment variables the service knows (src/config.ts), so config
// drift fails here.
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
  const deployment = one('StatefulSet');
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
    const claims = (deployment['spec']['volumeClaimTemplates'] ?? []).map((c: Obj) => c['metadata']['name']);
    for (const m of mounts) expect([...pod['volumes'].map((v: Obj) => v['name']), ...claims]).toContain(m['name']);
  });

  it('DATA_DIR is each pod’s own: a claim per pod (ReadWriteOnce) from volumeClaimTemplates, kept when pods go; nothing shared', () => {
    const env = Object.fromEntries(container['env'].map((e: Obj) => [e['name'], e['value']]));
    const dataMount = container['volumeMounts'].find((m: Obj) => m['mountPath'] === env['DATA_DIR']);
    const template = deployment['spec']['volumeClaimTemplates'].find((c: Obj) => c['metadata']['name'] === dataMount['name']);
    expect(template['spec']['accessModes']).toEqual(['ReadWriteOnce']);
    // Not a pod volume: a volume of the pod template would be one claim shared by every pod.
    expect(pod['volumes'].map((v: Obj) => v['name'])).not.toContain(dataMount['name']);
    // The audit log lives there: the claim outlives scale-down and deletion.
    expect(deployment['spec']['persistentVolumeClaimRetentionPolicy']).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(docs.filter((d) => d['kind'] === 'PersistentVolumeClaim')).toEqual([]);
    expect(JSON.stringify(docs)).not.toContain('ReadWriteMany');
  });

  it('every pod signs with one publishing key: PUBLISH_KEY_FILE from a read-only Secret, not a key per pod’s DATA_DIR', () => {
    const env = Object.fromEntries(container['env'].map((e: Obj) => [e['name'], e['value']]));
    const file = String(env['PUBLISH_KEY_FILE']);
    const mount = (container['volumeMounts'] as Obj[]).find((m) => file.startsWith(`${m['mountPath']}/`));
    expect(mount?.['readOnly']).toBe(true);
    const volume = (pod['volumes'] as Obj[]).find((v) => v['name'] === mount?.['name']);
    expect(volume?.['secret']?.['secretName']).toBeTruthy();
    expect(file.startsWith(String(env['DATA_DIR']))).toBe(false);
  });

  it('one instance per pod: the pod runs the service itself (its primary refreshes trust for its workers)', () => {
    // args (the image's CMD), so the image's ENTRYPOINT, tini, stays PID 1 (Dockerfile).
    expect(container['command']).toBeUndefined();
    expect(container['args']).toEqual(['node', 'dist/main.js']);
    const workers = Number(container['env'].find((e: Obj) => e['name'] === 'WORKERS')?.['value'] ?? 1);
    expect(workers).toBeGreaterThanOrEqual(1);
  });

  it('only variables the service reads (src/config.ts) are set', () => {
    for (const e of container['env']) expect(CONFIG_KEYS as readonly string[]).toContain(e['name']);
  });

  it('drains within the grace period the contract needs (exit within 10 s of SIGTERM)', () => {
    expect(pod['terminationGracePeriodSeconds']).toBeGreaterThanOrEqual(10);
  });

  it('the HorizontalPodAutoscaler targets this StatefulSet with at least 2 replicas', () => {
    const hpa = one('HorizontalPodAutoscaler');
    expect(hpa['apiVersion']).toBe('autoscaling/v2');
    expect(hpa['spec']['scaleTargetRef']).toMatchObject({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: deployment['metadata']['name'] });
    expect(hpa['spec']['minReplicas']).toBeGreaterThanOrEqual(2);
    expect(hpa['spec']['maxReplicas']).toBeGreaterThan(hpa['spec']['minReplicas']);
    expect(hpa['spec']['metrics'][0]['resource']['name']).toBe('cpu');
  });

  it('the Services select the pods and target the named container port; the headless one governs the StatefulSet', () => {
    const services = docs.filter((d) => d['kind'] === 'Service');
    const labels = deployment['spec']['template']['metadata']['labels'];
    for (const svc of services) {
      for (const [k, v] of Object.entries(svc['spec']['selector'])) expect(labels[k]).toBe(v);
      expect(svc['spec']['ports'][0]['targetPort']).toBe(port['name']);
    }
    for (const [k, v] of Object.entries(deployment['spec']['selector']['matchLabels'])) expect(labels[k]).toBe(v);
    const governing = services.find((s) => s['metadata']['name'] === deployment['spec']['serviceName']);
    expect(governing?.['spec']['clusterIP']).toBe('None');
    expect(services.filter((s) => s['spec']['clusterIP'] !== 'None')).toHaveLength(1);
  });
});
