/**
 * The plain manifests of k8s/: valid against the Kubernetes API schemas (no unknown field), the
 * Restricted Pod Security Standard, the CronJob's safety fields, names that refer to each other,
 * and the container run as the Dockerfile means it. The checks themselves are tested on broken
 * copies, so a check that can no longer fail is noticed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/cli.ts';
import {
  apiProblems,
  cronJobProblems,
  label,
  parseManifests,
  podProblems,
  podSpecOf,
  restrictedViolations,
  unknownFieldErrors,
  type K8sObject,
} from './k8s.ts';

const dir = path.join(repoRoot, 'k8s');
const yamlIn = (d: string) =>
  readdirSync(d)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const load = (d: string) =>
  yamlIn(d).flatMap((f) => parseManifests(readFileSync(path.join(d, f), 'utf8'), f));

const applied = load(dir); // what `kubectl apply -f k8s/` applies, in that order
const secrets = load(path.join(dir, 'secrets'));
const all = [...applied, ...secrets];
const find = (kind: string) => all.filter((o) => o.kind === kind);
const one = (kind: string): K8sObject => {
  const list = find(kind);
  assert.equal(list.length, 1, `one ${kind}`);
  return list[0] as K8sObject;
};

describe('k8s/ manifests', () => {
  it('are the expected objects, the Namespace first, the Secrets apart', () => {
    assert.deepEqual(
      applied.map((o) => o.kind),
      ['Namespace', 'ServiceAccount', 'ConfigMap', 'PersistentVolumeClaim', 'CronJob'],
    );
    assert.deepEqual(secrets.map((o) => o.kind).sort(), ['Secret', 'Secret']);
    const ns = one('Namespace').metadata.name;
    for (const o of all.filter((x) => x.kind !== 'Namespace')) {
      assert.equal(o.metadata.namespace, ns, `${label(o)} is in namespace ${ns}`);
    }
  });

  it('validate against the Kubernetes API schemas, with no unknown field', () => {
    assert.deepEqual(apiProblems(all), []);
  });

  it('the namespace enforces the Restricted Pod Security Standard', () => {
    const labels = one('Namespace').metadata.labels;
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'restricted');
  });

  it('the pod meets the Restricted Pod Security Standard and what the job needs', () => {
    const spec = podSpecOf(one('CronJob'));
    assert.deepEqual(restrictedViolations(spec), []);
    assert.deepEqual(podProblems(spec, ['sync', '/data']), []);
  });

  it('the CronJob runs one pass at a time, and fails at once on exit codes 2, 4 and 5', () => {
    const cj = one('CronJob');
    assert.deepEqual(cronJobProblems(cj), []);
    assert.equal(cj.spec.jobTemplate.spec.backoffLimit, 2);
    assert.ok(cj.spec.startingDeadlineSeconds > 0);
    assert.ok(cj.spec.jobTemplate.spec.activeDeadlineSeconds < 24 * 3600);
  });

  it('memory: a request above the measured peak and a limit above the request', () => {
    const r = podSpecOf(one('CronJob')).containers[0].resources;
    const mib = (q: string) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(q);
      assert.ok(m, `quantity ${q}`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    // The README's figure is under 300 MiB peak RSS at 100,000 items on the embedded index
    // (bench); requests keep the 410 MB of earlier versions with a fifth more, for larger libraries.
    assert.ok(mib(r.requests.memory) >= 410 * 1.2, r.requests.memory);
    assert.ok(mib(r.limits.memory) >= mib(r.requests.memory), r.limits.memory);
  });

  it('names refer to objects that exist, and the secrets stay out of the ConfigMap', () => {
    const cj = one('CronJob');
    const spec = podSpecOf(cj);
    const c = spec.containers[0];
    assert.equal(spec.serviceAccountName, one('ServiceAccount').metadata.name);
    assert.equal(one('ServiceAccount').automountServiceAccountToken, false);
    assert.equal(c.envFrom[0].configMapRef.name, one('ConfigMap').metadata.name);
    const claim = spec.volumes.find((v: K8sObject) => v.persistentVolumeClaim);
    assert.equal(claim.persistentVolumeClaim.claimName, one('PersistentVolumeClaim').metadata.name);
    const tokenVolume = spec.volumes.find((v: K8sObject) => v.secret);
    const tokenSecret = find('Secret').find(
      (s) => s.metadata.name === tokenVolume.secret.secretName,
    );
    assert.ok(tokenSecret, 'the token Secret of k8s/secrets/');
    const tokenFile = c.env.find((e: K8sObject) => e.name === 'GPHOTOS_TOKEN_FILE').value;
    assert.ok(Object.keys(tokenSecret.stringData).includes(path.posix.basename(tokenFile)));
    const token = JSON.parse(tokenSecret.stringData[path.posix.basename(tokenFile)]);
    assert.equal(token.type, 'authorized_user');
    const db = c.env.find((e: K8sObject) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef;
    assert.equal(db.optional, true, 'without the database Secret: the embedded index');
    const dbSecret = find('Secret').find((s) => s.metadata.name === db.name);
    assert.ok(dbSecret && db.key in dbSecret.stringData, 'the database Secret has the key');
    for (const key of Object.keys(one('ConfigMap').data)) {
      assert.match(key, /^GPHOTOS_[A-Z0-9_]+$/);
      assert.doesNotMatch(key, /^GPHOTOS_TOKEN(_FILE)?$/);
    }
  });

  it('the image runs gphotos-sync as the Dockerfile does: its entrypoint, with `sync /data`', () => {
    const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
    const c = podSpecOf(one('CronJob')).containers[0];
    assert.deepEqual(c.args, JSON.parse(cmd[1] as string));
    assert.equal(c.command, undefined);
    assert.match(c.image, /\/gphotos-sync:[\w.-]+$/);
  });
});

describe('the manifest checks catch what they are for', () => {
  const cronJob = () => structuredClone(one('CronJob'));

  it('an unknown field, a wrong type, a bad enum', () => {
    const typo = cronJob();
    podSpecOf(typo).securityContext.fsGroupChangePolicyy = 'OnRootMismatch';
    assert.match(unknownFieldErrors([typo])[0]?.join() ?? '', /fsGroupChangePolicyy/);
    const top = cronJob();
    top.spec.concurrency = 'Forbid';
    assert.match(unknownFieldErrors([top])[0]?.join() ?? '', /concurrency/);
    const type = cronJob();
    type.spec.jobTemplate.spec.backoffLimit = '2';
    assert.notDeepEqual(apiProblems([type]), []);
    const value = cronJob();
    value.spec.concurrencyPolicy = 'Never';
    assert.match(apiProblems([value]).join(), /concurrencyPolicy/);
  });

  it('each Restricted rule', () => {
    const cases: Array<[string, (s: K8sObject) => void]> = [
      ['privileged', (s) => (s.containers[0].securityContext.privileged = true)],
      [
        'allowPrivilegeEscalation',
        (s) => delete s.containers[0].securityContext.allowPrivilegeEscalation,
      ],
      [
        'runAsNonRoot',
        (s) => {
          delete s.securityContext.runAsNonRoot;
          delete s.containers[0].securityContext.runAsNonRoot;
        },
      ],
      [
        'seccompProfile',
        (s) => {
          s.securityContext.seccompProfile.type = 'Unconfined';
          delete s.containers[0].securityContext.seccompProfile;
        },
      ],
      ['drop ALL', (s) => (s.containers[0].securityContext.capabilities.drop = ['NET_RAW'])],
      [
        'adds capability',
        (s) => (s.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']),
      ],
      ['hostPath', (s) => s.volumes.push({ name: 'h', hostPath: { path: '/' } })],
      ['hostNetwork', (s) => (s.hostNetwork = true)],
      ['runAsUser is 0', (s) => (s.containers[0].securityContext.runAsUser = 0)],
    ];
    for (const [what, breakIt] of cases) {
      const s = podSpecOf(cronJob());
      breakIt(s);
      assert.match(restrictedViolations(s).join('\n'), new RegExp(what), what);
    }
  });

  it('the job-specific rules', () => {
    const cases: Array<[string, (o: K8sObject) => void]> = [
      ['concurrencyPolicy', (o) => (o.spec.concurrencyPolicy = 'Allow')],
      [
        'FailJob',
        (o) => (o.spec.jobTemplate.spec.podFailurePolicy.rules[0].onExitCodes.values = [2, 4]),
      ],
      ['restartPolicy', (o) => (podSpecOf(o).restartPolicy = 'OnFailure')],
      ['backoffLimit', (o) => (o.spec.jobTemplate.spec.backoffLimit = 6)],
      ['timeZone', (o) => delete o.spec.timeZone],
      ['ttlSecondsAfterFinished', (o) => delete o.spec.jobTemplate.spec.ttlSecondsAfterFinished],
    ];
    for (const [what, breakIt] of cases) {
      const o = cronJob();
      breakIt(o);
      assert.match(cronJobProblems(o).join('\n'), new RegExp(what), what);
    }
    const pod: Array<[string, (s: K8sObject) => void]> = [
      [
        'readOnlyRootFilesystem',
        (s) => (s.containers[0].securityContext.readOnlyRootFilesystem = false),
      ],
      [
        '/tmp is an emptyDir',
        (s) =>
          (s.containers[0].volumeMounts = s.containers[0].volumeMounts.filter(
            (m: K8sObject) => m.mountPath !== '/tmp',
          )),
      ],
      ['no command', (s) => (s.containers[0].command = ['node', 'dist/cli/main.js'])],
      ['fsGroupChangePolicy', (s) => delete s.securityContext.fsGroupChangePolicy],
      ['memory limit', (s) => delete s.containers[0].resources.limits.memory],
      [
        'token is mounted read-only',
        (s) =>
          delete s.containers[0].volumeMounts.find((m: K8sObject) => m.name === 'token').readOnly,
      ],
      [
        'literal value',
        (s) => s.containers[0].env.push({ name: 'DATABASE_URL', value: 'postgres://x' }),
      ],
      ['terminationGracePeriodSeconds', (s) => (s.terminationGracePeriodSeconds = 5)],
    ];
    for (const [what, breakIt] of pod) {
      const s = podSpecOf(cronJob());
      breakIt(s);
      assert.match(podProblems(s, ['sync', '/data']).join('\n'), new RegExp(what), what);
    }
  });
});
