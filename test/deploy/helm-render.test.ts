/**
 * The chart rendered by the real helm (3.8.1, see helm.ts) with the example values of ci/: lint
 * clean, every object valid against the Kubernetes API schemas with no unknown field, the pods
 * Restricted and set up as in k8s/, one CronJob per account with its own GPHOTOS_ACCOUNT and
 * folder and one shared database, the helm test hook, and NOTES.txt. Values that cannot work
 * are refused by helm itself: by the schema, or by templates/checks.yaml.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../helpers/cli.ts';
import { chartDir, helm, helmCleanup, type Values } from './helm.ts';
import {
  apiProblems,
  cronJobProblems,
  IMAGE_IDS,
  parseManifests,
  type PodIds,
  podProblems,
  podSpecOf,
  restrictedViolations,
  type K8sObject,
} from './k8s.ts';

const KUBE_VERSION = '1.31.0';
const NS = 'gphotos';

let scratch: string;

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'gphotos-chart-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
  await helmCleanup();
});

let n = 0;
/** `helm template` of the chart with the given values files (paths) and inline values. */
async function render(files: string[], inline: Values = {}) {
  const extra = path.join(scratch, `values-${n++}.yaml`);
  await writeFile(extra, stringify(inline));
  const args = ['template', 'rel', chartDir, '--namespace', NS, '--kube-version', KUBE_VERSION];
  for (const f of [...files, extra]) args.push('-f', f);
  return helm(args);
}

async function renderOk(files: string[], inline: Values = {}): Promise<K8sObject[]> {
  const r = await render(files, inline);
  assert.equal(r.code, 0, r.stderr);
  return parseManifests(r.stdout, 'helm template');
}

const ci = (name: string) => path.join(chartDir, 'ci', name);
const of = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const env = (spec: K8sObject, name: string): K8sObject | undefined =>
  spec.containers[0].env.find((e: K8sObject) => e.name === name);

function k8sCronJob(): K8sObject {
  const text = readFileSync(path.join(repoRoot, 'k8s/40-cronjob.yaml'), 'utf8');
  return parseManifests(text)[0] as K8sObject;
}

/** The pods' user and groups that `values` (over values.yaml) ask for. */
function idsOf(values: Values): PodIds {
  const sc = (values.podSecurityContext ?? {}) as Partial<PodIds>;
  return { ...IMAGE_IDS, ...sc };
}

/** Every object valid, labelled, and every pod and CronJob as the job needs them. */
function checkAll(objs: K8sObject[], ids: PodIds = IMAGE_IDS) {
  assert.deepEqual(apiProblems(objs), []);
  for (const o of objs) {
    const l = o.metadata.labels ?? {};
    for (const k of ['name', 'instance', 'version', 'component', 'part-of', 'managed-by']) {
      assert.ok(l[`app.kubernetes.io/${k}`], `${o.kind}/${o.metadata.name}: label ${k}`);
    }
    assert.equal(l['app.kubernetes.io/managed-by'], 'Helm');
    assert.equal(l['app.kubernetes.io/instance'], 'rel');
  }
  const k8s = podSpecOf(k8sCronJob());
  for (const o of [...of(objs, 'CronJob'), ...of(objs, 'Pod')]) {
    const spec = podSpecOf(o);
    const what = `${o.kind}/${o.metadata.name}`;
    assert.deepEqual(restrictedViolations(spec), [], what);
    const [verb, root] = spec.containers[0].args;
    assert.equal(verb, o.kind === 'CronJob' ? 'sync' : 'check', what);
    assert.match(root, /^\/data(\/[^/]+)?$/, what);
    assert.deepEqual(podProblems(spec, [verb, root], ids), [], what);
    // The same security settings as the plain manifests of k8s/, but the user and groups.
    assert.deepEqual(spec.securityContext, { ...k8s.securityContext, ...ids }, what);
    assert.deepEqual(spec.containers[0].securityContext, k8s.containers[0].securityContext, what);
  }
  for (const o of of(objs, 'CronJob')) {
    assert.deepEqual(cronJobProblems(o), []);
    assert.deepEqual(
      o.spec.jobTemplate.spec.podFailurePolicy,
      k8sCronJob().spec.jobTemplate.spec.podFailurePolicy,
    );
  }
}

describe('helm chart', () => {
  it('Chart.yaml: apiVersion v2, appVersion is the package version', async () => {
    const chart = await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8');
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8'));
    assert.match(chart, /^apiVersion: v2$/m);
    assert.match(chart, new RegExp(`^appVersion: "${pkg.version.replace(/\./g, '\\.')}"$`, 'm'));
  });

  for (const file of [
    'default-values.yaml',
    'multi-account-values.yaml',
    'existing-secret-values.yaml',
    'nas-user-values.yaml',
  ]) {
    it(`lints clean with ci/${file}`, async () => {
      const r = await helm(['lint', chartDir, '--strict', '-f', ci(file)]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /\[(ERROR|WARNING)\]/, r.stdout);
    });

    it(`renders valid, Restricted objects with ci/${file}`, async () => {
      const values = parse(readFileSync(ci(file), 'utf8')) as Values;
      checkAll(await renderOk([ci(file)]), idsOf(values));
    });
  }

  it('one account: a Secret with its token, a PVC kept on uninstall, a CronJob, a test pod', async () => {
    const objs = await renderOk([ci('default-values.yaml')]);
    assert.deepEqual(objs.map((o) => o.kind).sort(), [
      'ConfigMap',
      'CronJob',
      'PersistentVolumeClaim',
      'Pod',
      'Secret',
      'ServiceAccount',
    ]);
    const [secret] = of(objs, 'Secret');
    assert.deepEqual(Object.keys(secret?.stringData), ['default.json']);
    assert.equal(JSON.parse(secret?.stringData['default.json']).type, 'authorized_user');
    const [pvc] = of(objs, 'PersistentVolumeClaim');
    assert.equal(pvc?.metadata.annotations['helm.sh/resource-policy'], 'keep');
    const [cj] = of(objs, 'CronJob');
    const spec = podSpecOf(cj as K8sObject);
    assert.equal(cj?.metadata.name, 'rel-gphotos-sync-default');
    assert.deepEqual(spec.containers[0].args, ['sync', '/data/default']);
    assert.equal(env(spec, 'GPHOTOS_ACCOUNT')?.value, 'default');
    assert.equal(env(spec, 'DATABASE_URL'), undefined, 'embedded index');
    assert.equal(spec.containers[0].image, 'ghcr.io/gphotos-sync/gphotos-sync:0.1.0');
    const token = spec.volumes.find((v: K8sObject) => v.name === 'token').secret;
    assert.equal(token.secretName, secret?.metadata.name);
    assert.deepEqual(token.items, [{ key: 'default.json', path: 'token.json' }]);
    const [test] = of(objs, 'Pod');
    assert.equal(test?.metadata.annotations['helm.sh/hook'], 'test');
    assert.deepEqual(podSpecOf(test as K8sObject).containers[0].args, ['check', '/data/default']);
    assert.equal(test?.metadata.labels['app.kubernetes.io/component'], 'check');
    const [cm] = of(objs, 'ConfigMap');
    assert.deepEqual(spec.containers[0].envFrom, [{ configMapRef: { name: cm?.metadata.name } }]);
    assert.equal(cm?.data.GPHOTOS_LOG_FORMAT, 'json');
  });

  it('three accounts: a CronJob each, own account, folder and token; one shared database', async () => {
    const objs = await renderOk([ci('multi-account-values.yaml')]);
    const cronJobs = of(objs, 'CronJob');
    assert.deepEqual(
      cronJobs.map((o) => o.metadata.name),
      ['rel-gphotos-sync-alice', 'rel-gphotos-sync-bob', 'rel-gphotos-sync-carol'],
    );
    const specs = cronJobs.map(podSpecOf);
    assert.deepEqual(
      specs.map((s) => env(s, 'GPHOTOS_ACCOUNT')?.value),
      ['alice', 'bob', 'carol'],
    );
    assert.deepEqual(
      specs.map((s) => s.containers[0].args[1]),
      ['/data/alice', '/data/bob-photos', '/data/carol'],
    );
    // One volume, one database for all.
    const claims = new Set(specs.map((s) => s.volumes[0].persistentVolumeClaim.claimName));
    assert.equal(claims.size, 1);
    const [secret] = of(objs, 'Secret');
    for (const s of specs) {
      assert.deepEqual(env(s, 'DATABASE_URL')?.valueFrom.secretKeyRef, {
        name: secret?.metadata.name,
        key: 'DATABASE_URL',
        optional: true,
      });
    }
    assert.match(secret?.stringData.DATABASE_URL, /^postgres:\/\//);
    assert.deepEqual(Object.keys(secret?.stringData).sort(), ['DATABASE_URL', 'alice.json']);
    const [alice, bob, carol] = specs as [K8sObject, K8sObject, K8sObject];
    const tokenOf = (s: K8sObject) => s.volumes.find((v: K8sObject) => v.name === 'token')?.secret;
    assert.deepEqual(tokenOf(alice).items, [{ key: 'alice.json', path: 'token.json' }]);
    assert.equal(tokenOf(bob).secretName, 'bob-google-token');
    assert.deepEqual(tokenOf(bob).items, [{ key: 'authorized_user.json', path: 'token.json' }]);
    assert.equal(tokenOf(carol), undefined, 'Secret Manager: no token volume');
    assert.equal(env(carol, 'GPHOTOS_TOKEN_FILE'), undefined);
    assert.equal(
      env(carol, 'GPHOTOS_TOKEN_SECRET')?.value,
      'projects/my-project/secrets/carol-token/versions/latest',
    );
    // Per-account settings and schedules; booleans and numbers become strings.
    assert.equal(env(bob, 'GPHOTOS_SKIP_VIDEO')?.value, 'true');
    assert.equal(env(bob, 'GPHOTOS_CONCURRENCY')?.value, '4');
    assert.deepEqual(
      cronJobs.map((o) => [o.spec.schedule, o.spec.timeZone, o.spec.suspend]),
      [
        ['0 3 * * *', 'Europe/Paris', false],
        ['15 4 * * 0', 'America/New_York', false],
        ['0 3 * * *', 'Europe/Paris', true],
      ],
    );
    assert.equal(cronJobs[0]?.metadata.labels['gphotos-sync/account'], 'alice');
    assert.equal(
      alice.containers[0].image,
      'ghcr.io/example/gphotos-sync@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    );
    assert.deepEqual(alice.imagePullSecrets, [{ name: 'ghcr-credentials' }]);
    assert.equal(cronJobs[0]?.spec.jobTemplate.spec.backoffLimit, 1);
    const [sa] = of(objs, 'ServiceAccount');
    assert.equal(
      sa?.metadata.annotations['iam.gke.io/gcp-service-account'],
      'gphotos-sync@my-project.iam.gserviceaccount.com',
    );
    const [pvc] = of(objs, 'PersistentVolumeClaim');
    assert.deepEqual(pvc?.spec.accessModes, ['ReadWriteMany']);
    assert.equal(pvc?.spec.storageClassName, 'nfs-client');
    assert.equal(of(objs, 'Pod').length, 3, 'a helm test pod per account');
    const [cm] = of(objs, 'ConfigMap');
    assert.equal(cm?.data.GPHOTOS_PROGRESS_INTERVAL, '300');
  });

  it('existing Secret, claim and service account: the chart makes none of them', async () => {
    const objs = await renderOk([ci('existing-secret-values.yaml')]);
    assert.deepEqual(objs.map((o) => o.kind).sort(), ['ConfigMap', 'CronJob']);
    const [cj] = of(objs, 'CronJob');
    const spec = podSpecOf(cj as K8sObject);
    assert.equal(cj?.metadata.name, 'photos-default');
    assert.deepEqual(spec.containers[0].args, ['sync', '/data']);
    assert.equal(spec.serviceAccountName, 'backup-jobs');
    assert.equal(spec.volumes[0].persistentVolumeClaim.claimName, 'nas-photos');
    const token = spec.volumes.find((v: K8sObject) => v.name === 'token').secret;
    assert.equal(token.secretName, 'gphotos-credentials');
    assert.deepEqual(token.items, [{ key: 'default.json', path: 'token.json' }]);
    assert.equal(env(spec, 'DATABASE_URL')?.valueFrom.secretKeyRef.name, 'gphotos-credentials');
  });

  it('a NAS user: its UID/GID, extra env and volumes, scheduling values, in every pod', async () => {
    const objs = await renderOk([ci('nas-user-values.yaml')]);
    const pods = [...of(objs, 'CronJob'), ...of(objs, 'Pod')];
    assert.equal(pods.length, 4, 'two CronJobs, two helm test pods');
    for (const o of pods) {
      const spec = podSpecOf(o);
      const what = `${o.kind}/${o.metadata.name}`;
      assert.deepEqual(
        spec.securityContext,
        {
          runAsNonRoot: true,
          runAsUser: 1026,
          runAsGroup: 100,
          fsGroup: 100,
          fsGroupChangePolicy: 'Always',
          seccompProfile: { type: 'RuntimeDefault' },
        },
        what,
      );
      const c = spec.containers[0];
      assert.equal(env(spec, 'NODE_EXTRA_CA_CERTS')?.value, '/etc/ssl/proxy/ca.pem', what);
      assert.deepEqual(env(spec, 'GPHOTOS_PING_URL')?.valueFrom, {
        secretKeyRef: { name: 'healthchecks', key: 'url' },
      });
      assert.deepEqual(
        c.volumeMounts.map((m: K8sObject) => m.name),
        ['data', 'token', 'tmp', 'proxy-ca'],
      );
      assert.equal(spec.volumes.at(-1).configMap.name, 'proxy-ca');
      assert.equal(spec.priorityClassName, 'backup-low');
      assert.deepEqual(spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
      assert.equal(spec.tolerations[0].value, 'batch');
      // The user's node affinity is kept; the same-node rule of a shared RWO volume is added.
      const arch = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
      assert.deepEqual(arch.nodeSelectorTerms[0].matchExpressions[0].values, ['arm64']);
      assert.deepEqual(spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution, [
        {
          labelSelector: {
            matchLabels: {
              'app.kubernetes.io/instance': 'rel',
              'app.kubernetes.io/name': 'gphotos-sync',
            },
          },
          topologyKey: 'kubernetes.io/hostname',
        },
      ]);
      // The pod matches its own term: the first one is placed anywhere, the others beside it.
      const own =
        o.kind === 'Pod' ? o.metadata.labels : o.spec.jobTemplate.spec.template.metadata.labels;
      assert.equal(own['app.kubernetes.io/instance'], 'rel', what);
      assert.equal(own['app.kubernetes.io/name'], 'gphotos-sync', what);
    }
  });

  // [what, values over ci/default-values.yaml, whether pods must share a node]
  const sameNode: Array<[string, Values, boolean]> = [
    ['one account on ReadWriteOnce', {}, false],
    [
      'two accounts on ReadWriteMany',
      {
        accounts: [{ name: 'default' }, { name: 'b', tokenSecret: { name: 's' } }],
        persistence: { accessModes: ['ReadWriteMany'] },
      },
      false,
    ],
    [
      'two accounts on ReadWriteOnce',
      { accounts: [{ name: 'default' }, { name: 'b', tokenSecret: { name: 's' } }] },
      true,
    ],
  ];
  for (const [what, values, want] of sameNode) {
    it(`${want ? 'schedules' : 'does not tie'} the pods to one node with ${what}`, async () => {
      const objs = await renderOk([ci('default-values.yaml')], values);
      for (const o of [...of(objs, 'CronJob'), ...of(objs, 'Pod')]) {
        const terms =
          podSpecOf(o).affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
        assert.equal(terms?.[0]?.topologyKey === 'kubernetes.io/hostname', want, o.metadata.name);
      }
    });
  }

  it('prints whole numbers of settings as such (helm reads them as floats)', async () => {
    const objs = await renderOk([ci('default-values.yaml')], {
      settings: { GPHOTOS_BACKOFF_MAX_MS: 1000000, GPHOTOS_X_RATIO: 0.5 },
      activeDeadlineSeconds: 1209600,
    });
    const [cm] = of(objs, 'ConfigMap');
    assert.equal(cm?.data.GPHOTOS_BACKOFF_MAX_MS, '1000000');
    assert.equal(cm?.data.GPHOTOS_X_RATIO, '0.5');
    assert.equal(of(objs, 'CronJob')[0]?.spec.jobTemplate.spec.activeDeadlineSeconds, 1209600);
  });

  // [what, values over ci/default-values.yaml, a part of helm's message]
  const refused: Array<[string, Values, RegExp]> = [
    ['an unknown key (the schema)', { schedulee: '@daily' }, /schedulee/],
    ['a schedule of the wrong type (the schema)', { schedule: 3 }, /schedule/],
    [
      'an account without a token',
      { accounts: [{ name: 'other' }], secret: { tokens: null } },
      /has no OAuth token/,
    ],
    [
      'two accounts of one name',
      { accounts: [{ name: 'default' }, { name: 'default', subPath: 'x' }] },
      /already used/,
    ],
    [
      'two accounts on one folder',
      {
        accounts: [
          { name: 'default' },
          { name: 'b', subPath: 'default', tokenSecret: { name: 's' } },
        ],
      },
      /overlaps/,
    ],
    [
      'the whole volume with two accounts',
      {
        accounts: [
          { name: 'default', subPath: '' },
          { name: 'b', tokenSecret: { name: 's' } },
        ],
      },
      /overlaps/,
    ],
    [
      'a token for no account',
      { secret: { tokens: { nobody: '{}' } } },
      /no account named "nobody"/,
    ],
    ['existingSecret and tokens', { secret: { existingSecret: 'mine' } }, /existingSecret/],
    [
      'several accounts on a ReadWriteOncePod volume, naming the choices',
      {
        accounts: [{ name: 'default' }, { name: 'b', tokenSecret: { name: 's' } }],
        persistence: { accessModes: ['ReadWriteOncePod'] },
      },
      /ReadWriteOncePod .* 2 accounts share it; choose ReadWriteOnce .* ReadWriteMany .* one release per account/,
    ],
    [
      'a mount of no volume',
      { extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ca' }] },
      /extraVolumeMounts\[0\]: no volume named "ca"/,
    ],
    [
      'a literal value for a secret-looking variable',
      { extraEnv: [{ name: 'HC_API_KEY', value: 'k' }] },
      /extraEnv\[0\] \(HC_API_KEY\).*valueFrom\.secretKeyRef/,
    ],
    ['root (the schema)', { podSecurityContext: { runAsUser: 0 } }, /runAsUser/],
    [
      'a hostPath volume (the schema)',
      { extraVolumes: [{ name: 'h', hostPath: { path: '/' } }] },
      /extraVolumes/,
    ],
    [
      'an extra variable the chart sets (the schema)',
      { extraEnv: [{ name: 'GPHOTOS_ACCOUNT', value: 'x' }] },
      /extraEnv/,
    ],
    [
      'a CronJob name over 52 characters',
      {
        fullnameOverride: 'a-rather-long-release-name-for-photos',
        accounts: [{ name: 'default-account-of-bob' }],
      },
      /52 characters/,
    ],
  ];
  for (const [what, values, message] of refused) {
    it(`refuses ${what}`, async () => {
      const r = await render([ci('default-values.yaml')], values);
      assert.notEqual(r.code, 0, `rendered:\n${r.stdout.slice(0, 500)}`);
      assert.match(r.stderr, message);
    });
  }

  it('NOTES.txt says how to run a pass by hand, follow it, and run the checks', async () => {
    // helm template leaves NOTES.txt out: render it through `tpl` in a copy of the chart.
    const copy = path.join(scratch, 'chart');
    await cp(chartDir, copy, { recursive: true });
    await cp(path.join(chartDir, 'templates/NOTES.txt'), path.join(copy, 'notes.txt'));
    await writeFile(
      path.join(copy, 'templates/zz-notes.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n' +
        '  notes: {{ tpl (.Files.Get "notes.txt") . | quote }}\n',
    );
    const r = await helm([
      'template',
      'rel',
      copy,
      '--namespace',
      NS,
      '--kube-version',
      KUBE_VERSION,
      '-f',
      ci('multi-account-values.yaml'),
      '--show-only',
      'templates/zz-notes.yaml',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const notes: string = (parseManifests(r.stdout)[0] as K8sObject).data.notes;
    assert.match(notes, new RegExp(`helm test rel -n ${NS} --logs`));
    for (const account of ['alice', 'bob', 'carol']) {
      const cronJob = `rel-gphotos-sync-${account}`;
      const name = new RegExp(`JOB=(${cronJob}\\S*)-\\$\\(date \\+%s\\)\\n`).exec(notes);
      assert.ok(name, `a Job name for ${account}:\n${notes}`);
      // A Job name is a label value: at most 63 characters, with the 10 digits of the date.
      assert.ok((name[1] as string).length + 11 <= 63, name[1]);
      const rest = notes.slice(name.index);
      assert.match(
        rest,
        new RegExp(`^\\s+kubectl -n ${NS} create job --from=cronjob/${cronJob} "\\$JOB"$`, 'm'),
      );
      assert.match(rest, new RegExp(`^\\s+kubectl -n ${NS} logs -f "job/\\$JOB"`, 'm'));
    }
    assert.match(notes, /get jobs -l app\.kubernetes\.io\/instance=rel/);
  });
});
