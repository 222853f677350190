/**
 * Checks of Kubernetes manifests, shared by the tests of k8s/ and of the rendered Helm chart:
 *
 * - `schemaErrors`: the Kubernetes API schema of each kind (types, enums, required fields,
 *   formats), through the validators that kubernetes-models generates from Kubernetes' OpenAPI.
 * - `unknownFieldErrors`: fields the API does not have (a typo such as `fsGroupChangePolicyy`
 *   would otherwise be dropped silently by a lenient apply). Those validators allow extra
 *   fields, so each object is type-checked as an object literal against kubernetes-models'
 *   TypeScript types, whose excess-property check names any unknown field.
 * - `restrictedViolations`: the Restricted Pod Security Standard, rule by rule.
 * - `podProblems`: what this job needs on top of it.
 */
import path from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { repoRoot } from '../helpers/cli.ts';

/** A parsed manifest; fields are read loosely and checked by the functions below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

/** Every non-empty YAML document of `text`; throws on a YAML error. */
export function parseManifests(text: string, source = 'manifest'): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${source}: not a map`);
    out.push(value as K8sObject);
  }
  return out;
}

export const kindKey = (o: K8sObject): string => `${o.apiVersion}/${o.kind}`;
export const label = (o: K8sObject): string => `${o.kind}/${o.metadata?.name}`;

interface Kind {
  validate(o: K8sObject): void;
  module: string;
  type: string;
}

const KINDS: Record<string, Kind> = {
  'v1/Namespace': {
    validate: (o) => new Namespace(o as Namespace).validate(),
    module: 'kubernetes-models/v1/Namespace',
    type: 'INamespace',
  },
  'v1/ServiceAccount': {
    validate: (o) => new ServiceAccount(o as ServiceAccount).validate(),
    module: 'kubernetes-models/v1/ServiceAccount',
    type: 'IServiceAccount',
  },
  'v1/ConfigMap': {
    validate: (o) => new ConfigMap(o as ConfigMap).validate(),
    module: 'kubernetes-models/v1/ConfigMap',
    type: 'IConfigMap',
  },
  'v1/Secret': {
    validate: (o) => new Secret(o as Secret).validate(),
    module: 'kubernetes-models/v1/Secret',
    type: 'ISecret',
  },
  'v1/PersistentVolumeClaim': {
    validate: (o) => new PersistentVolumeClaim(o as PersistentVolumeClaim).validate(),
    module: 'kubernetes-models/v1/PersistentVolumeClaim',
    type: 'IPersistentVolumeClaim',
  },
  'v1/Pod': {
    validate: (o) => new Pod(o as Pod).validate(),
    module: 'kubernetes-models/v1/Pod',
    type: 'IPod',
  },
  'batch/v1/CronJob': {
    validate: (o) => new CronJob(o as CronJob).validate(),
    module: 'kubernetes-models/batch/v1/CronJob',
    type: 'ICronJob',
  },
};

/** Problems of `o` against the API schema of its kind (an unknown kind is one). */
export function schemaErrors(o: K8sObject): string[] {
  const kind = KINDS[kindKey(o)];
  if (!kind) return [`${kindKey(o)}: a kind these tests do not know`];
  try {
    kind.validate(o);
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/**
 * Unknown fields (and type errors) of each object, by index, found by the TypeScript compiler:
 * each object becomes `export const oN: IKind = {...};` on its own line of a virtual module.
 */
export function unknownFieldErrors(objects: K8sObject[]): string[][] {
  const file = path.join(repoRoot, 'test/deploy/__k8s_typecheck__.ts');
  const used = [...new Set(objects.map(kindKey))];
  const header = used.map((k, i) => {
    const kind = KINDS[k];
    if (!kind) throw new Error(`${k}: a kind these tests do not know`);
    return `import type { ${kind.type} as T${i} } from '${kind.module}';`;
  });
  const lines = objects.map(
    (o, i) => `export const o${i}: T${used.indexOf(kindKey(o))} = ${JSON.stringify(o)};`,
  );
  const source = [...header, ...lines, ''].join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2023.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    path.resolve(name) === file
      ? ts.createSourceFile(name, source, version)
      : getSourceFile(name, version, ...rest);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  const out: string[][] = objects.map(() => []);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || path.resolve(d.file.fileName) !== file || d.start === undefined) {
      throw new Error(`type check of the manifests failed: ${message}`);
    }
    const line = d.file.getLineAndCharacterOfPosition(d.start).line - header.length;
    const bucket = out[line];
    if (!bucket) throw new Error(`type check: ${message}`);
    bucket.push(message);
  }
  return out;
}

/** Both schema checks, as `Kind/name: problem` lines (empty when all is well). */
export function apiProblems(objects: K8sObject[]): string[] {
  const strict = unknownFieldErrors(objects);
  return objects.flatMap((o, i) => [
    ...schemaErrors(o).map((e) => `${label(o)}: ${e}`),
    ...(strict[i] ?? []).map((e) => `${label(o)}: ${e}`),
  ]);
}

/** The pod spec inside a Pod, a Job or a CronJob. */
export function podSpecOf(o: K8sObject): K8sObject {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'Job') return o.spec.template.spec;
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template.spec;
  throw new Error(`${label(o)} has no pod`);
}

const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/**
 * Violations of the Restricted Pod Security Standard (kubernetes.io/docs/concepts/security/
 * pod-security-standards/, which includes Baseline), for the fields a pod spec states.
 */
export function restrictedViolations(spec: K8sObject): string[] {
  const v: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers: K8sObject[] = [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ];
  // Baseline.
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f]) v.push(`${f} is true`);
  for (const vol of spec.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (type === 'hostPath') v.push(`volume ${vol.name} is a hostPath`);
    if (!type || !RESTRICTED_VOLUMES.has(type)) v.push(`volume ${vol.name}: type ${type}`);
  }
  const safeSysctls =
    /^(kernel\.shm_rmid_forced|net\.ipv4\.ip_local_port_range|net\.ipv4\.ip_unprivileged_port_start|net\.ipv4\.tcp_syncookies|net\.ipv4\.ping_group_range|net\.ipv4\.ip_local_reserved_ports|net\.ipv4\.tcp_keepalive_time|net\.ipv4\.tcp_fin_timeout|net\.ipv4\.tcp_keepalive_intvl|net\.ipv4\.tcp_keepalive_probes)$/;
  for (const s of pod.sysctls ?? []) if (!safeSysctls.test(s.name)) v.push(`sysctl ${s.name}`);
  const seccompOk = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  if (pod.seccompProfile && !seccompOk(pod.seccompProfile.type)) v.push('pod seccompProfile');
  if (pod.runAsUser === 0) v.push('pod runAsUser is 0');
  if (pod.appArmorProfile?.type === 'Unconfined') v.push('pod appArmorProfile is Unconfined');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const n = `container ${c.name}`;
    if (sc.privileged) v.push(`${n}: privileged`);
    if (sc.procMount && sc.procMount !== 'Default') v.push(`${n}: procMount`);
    if (sc.appArmorProfile?.type === 'Unconfined') v.push(`${n}: appArmorProfile Unconfined`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${n}: hostPort ${p.hostPort}`);
    // Restricted.
    if (sc.allowPrivilegeEscalation !== false) v.push(`${n}: allowPrivilegeEscalation not false`);
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true) v.push(`${n}: runAsNonRoot not true`);
    if (sc.runAsUser === 0) v.push(`${n}: runAsUser is 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (!seccompOk(seccomp)) v.push(`${n}: seccompProfile ${seccomp ?? 'unset'}`);
    const drop: unknown[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) v.push(`${n}: capabilities do not drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') v.push(`${n}: adds capability ${cap}`);
    }
  }
  return v;
}

/** The user and groups a pod runs with: the image's 1000:1000 unless a chart value says else. */
export interface PodIds {
  runAsUser: number;
  runAsGroup: number;
  fsGroup: number;
  fsGroupChangePolicy: 'OnRootMismatch' | 'Always';
}

export const IMAGE_IDS: PodIds = {
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  fsGroupChangePolicy: 'OnRootMismatch',
};

/**
 * What this job needs beyond the Restricted standard: the image's entrypoint (no `command`),
 * the expected UID/GID with the volume's group, a read-only root with /tmp on an emptyDir, the
 * token read-only, memory requests and limits, no API token, time to stop on SIGTERM.
 */
export function podProblems(spec: K8sObject, args: string[], ids: PodIds = IMAGE_IDS): string[] {
  const p: string[] = [];
  const pod = spec.securityContext ?? {};
  const want = (cond: boolean, what: string) => {
    if (!cond) p.push(what);
  };
  want(spec.restartPolicy === 'Never', 'restartPolicy is Never');
  want(spec.automountServiceAccountToken === false, 'automountServiceAccountToken is false');
  want((spec.terminationGracePeriodSeconds ?? 30) >= 30, 'terminationGracePeriodSeconds >= 30');
  want(pod.runAsNonRoot === true, 'pod runAsNonRoot');
  want(
    pod.runAsUser === ids.runAsUser && pod.runAsGroup === ids.runAsGroup,
    `pod runs as ${ids.runAsUser}:${ids.runAsGroup}`,
  );
  want(pod.fsGroup === ids.fsGroup, `fsGroup ${ids.fsGroup}`);
  want(
    pod.fsGroupChangePolicy === ids.fsGroupChangePolicy,
    `fsGroupChangePolicy ${ids.fsGroupChangePolicy}`,
  );
  want(pod.seccompProfile?.type === 'RuntimeDefault', 'pod seccompProfile RuntimeDefault');
  const containers: K8sObject[] = spec.containers ?? [];
  want(containers.length === 1 && !spec.initContainers, 'one container');
  const c = containers[0] ?? {};
  want(c.name === 'gphotos-sync', 'the container is named gphotos-sync');
  want(c.command === undefined, 'no command: the image entrypoint (tini + node flags) runs');
  want(JSON.stringify(c.args) === JSON.stringify(args), `args ${JSON.stringify(args)}`);
  const sc = c.securityContext ?? {};
  want(sc.readOnlyRootFilesystem === true, 'readOnlyRootFilesystem');
  want(sc.allowPrivilegeEscalation === false, 'allowPrivilegeEscalation false');
  want(JSON.stringify(sc.capabilities?.drop) === '["ALL"]', 'capabilities drop ["ALL"]');
  want(!sc.capabilities?.add, 'no capability added');
  const r = c.resources ?? {};
  want(!!r.requests?.memory && !!r.requests?.cpu, 'cpu and memory requests');
  want(!!r.limits?.memory, 'a memory limit');
  const mounts: K8sObject[] = c.volumeMounts ?? [];
  const volumes: K8sObject[] = spec.volumes ?? [];
  const volumeAt = (mountPath: string) => {
    const m = mounts.find((x) => x.mountPath === mountPath);
    return m ? { mount: m, volume: volumes.find((v) => v.name === m.name) } : undefined;
  };
  const tmp = volumeAt('/tmp');
  want(!!tmp?.volume?.emptyDir, '/tmp is an emptyDir');
  want(!!tmp?.volume?.emptyDir?.sizeLimit, '/tmp has a sizeLimit');
  const data = volumeAt('/data');
  want(!!data?.volume?.persistentVolumeClaim?.claimName, '/data is a PersistentVolumeClaim');
  want(!data?.mount.readOnly, '/data is writable');
  const env: K8sObject[] = c.env ?? [];
  const tokenFile = env.find((e) => e.name === 'GPHOTOS_TOKEN_FILE')?.value as string | undefined;
  const tokenSecret = env.find((e) => e.name === 'GPHOTOS_TOKEN_SECRET')?.value;
  want(!!tokenFile !== !!tokenSecret, 'exactly one of GPHOTOS_TOKEN_FILE, GPHOTOS_TOKEN_SECRET');
  want(!env.some((e) => e.name === 'GPHOTOS_TOKEN'), 'no inline GPHOTOS_TOKEN');
  if (tokenFile) {
    const t = volumeAt(path.posix.dirname(tokenFile));
    want(t?.mount.readOnly === true, 'the token is mounted read-only');
    want(!!t?.volume?.secret?.secretName, 'the token comes from a Secret');
    // 0440 at most: readable by the fsGroup, writable by nobody.
    want((t?.volume?.secret?.defaultMode ?? 0o644) <= 0o440, 'the token file mode is 0440');
  }
  for (const m of mounts) {
    if (m.mountPath !== '/data' && m.mountPath !== '/tmp') {
      want(m.readOnly === true, `${m.mountPath} is mounted read-only`);
    }
  }
  for (const e of env) {
    if (/TOKEN$|PASSWORD|DATABASE_URL/.test(e.name) && e.value !== undefined) {
      p.push(`${e.name} is a literal value, not from a Secret`);
    }
  }
  return p;
}

/** What a CronJob of this job needs: one pass at a time, bounded retries and history. */
export function cronJobProblems(o: K8sObject): string[] {
  const p: string[] = [];
  const want = (cond: boolean, what: string) => {
    if (!cond) p.push(`${label(o)}: ${what}`);
  };
  const s = o.spec ?? {};
  const job = s.jobTemplate?.spec ?? {};
  want(s.concurrencyPolicy === 'Forbid', 'concurrencyPolicy Forbid');
  want(typeof s.timeZone === 'string' && s.timeZone.length > 0, 'timeZone');
  want(typeof s.schedule === 'string' && !/TZ=/.test(s.schedule), 'a schedule without TZ=');
  want(Number.isInteger(s.startingDeadlineSeconds), 'startingDeadlineSeconds');
  want(Number.isInteger(s.successfulJobsHistoryLimit), 'successfulJobsHistoryLimit');
  want(Number.isInteger(s.failedJobsHistoryLimit), 'failedJobsHistoryLimit');
  want(Number.isInteger(job.backoffLimit) && job.backoffLimit <= 3, 'backoffLimit <= 3');
  want(Number.isInteger(job.activeDeadlineSeconds), 'activeDeadlineSeconds');
  want(Number.isInteger(job.ttlSecondsAfterFinished), 'ttlSecondsAfterFinished');
  // Exit codes 2, 4 and 5 cannot be fixed by a retry: the Job fails at once.
  const rules: K8sObject[] = job.podFailurePolicy?.rules ?? [];
  const failJob = rules.find(
    (r) =>
      r.action === 'FailJob' &&
      r.onExitCodes?.operator === 'In' &&
      JSON.stringify([...(r.onExitCodes.values ?? [])].sort()) === '[2,4,5]',
  );
  want(!!failJob, 'podFailurePolicy FailJob on exit codes [2, 4, 5]');
  want(
    !failJob?.onExitCodes?.containerName || failJob.onExitCodes.containerName === 'gphotos-sync',
    'the FailJob rule names the gphotos-sync container',
  );
  // The API server rejects a podFailurePolicy unless the pods never restart in place.
  want(job.template?.spec?.restartPolicy === 'Never', 'restartPolicy Never (podFailurePolicy)');
  return p;
}
