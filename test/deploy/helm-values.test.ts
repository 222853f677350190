/**
 * The chart's values.schema.json (JSON Schema draft-07, checked here with ajv; helm checks the
 * same schema on every install, see helm-render.test.ts): it accepts values.yaml and the example
 * values of ci/, and rejects unknown keys, wrong types and malformed values.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { chartDir, coalesce, isMap, type Values } from './helm.ts';

const schema = JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as {
  $schema: string;
};
const defaults = parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as Values;
const ciFiles = readdirSync(path.join(chartDir, 'ci')).filter((f) => f.endsWith('-values.yaml'));

// Strict, but `not: { required }` names properties that `properties` declares elsewhere.
const ajv = new Ajv({
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  allErrors: true,
});
const validate = ajv.compile(schema);

function errorsOf(values: Values): ErrorObject[] {
  return validate(values) ? [] : [...(validate.errors ?? [])];
}

const show = (errors: ErrorObject[]) =>
  errors.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join('\n');

describe('values.schema.json', () => {
  it('is draft-07 and closes every object: additionalProperties false at every level', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const open: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (!isMap(node)) return;
      const describesObject =
        node.type === 'object' ||
        (Array.isArray(node.type) && node.type.includes('object')) ||
        'properties' in node ||
        'patternProperties' in node;
      // `global` is the one exception: helm hands every chart the parent's globals.
      if (describesObject && node.additionalProperties !== false && at !== '/properties/global') {
        open.push(at);
      }
      for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
    };
    walk(schema, '');
    assert.deepEqual(open, []);
  });

  it('accepts values.yaml', () => {
    assert.equal(show(errorsOf(defaults)), '');
  });

  for (const file of ciFiles) {
    it(`accepts ci/${file} over values.yaml`, () => {
      const over = parse(readFileSync(path.join(chartDir, 'ci', file), 'utf8')) as Values;
      assert.equal(show(errorsOf(coalesce(defaults, over))), '');
    });
  }

  it('accepts a minimal account list, macros, time zones, Secret Manager and empty subPath', () => {
    const ok: Values[] = [
      { accounts: [{ name: 'a' }], schedule: '@daily' },
      {
        accounts: [
          {
            name: 'a-1',
            schedule: '*/30 1-5 * * MON-FRI',
            timeZone: 'America/Argentina/Buenos_Aires',
          },
        ],
      },
      { accounts: [{ name: 'x', subPath: '' }] },
      { accounts: [{ name: 'x', tokenSecretManager: 'projects/p-1/secrets/tok/versions/3' }] },
      {
        settings: {
          GPHOTOS_START_DATE: '2015-01-01',
          GPHOTOS_SKIP_VIDEO: false,
          GPHOTOS_CONCURRENCY: 16,
        },
      },
      {
        resources: {
          requests: { cpu: 1, memory: '1G' },
          limits: { memory: '4Gi', 'ephemeral-storage': '2Gi' },
        },
      },
      { podSecurityContext: { runAsUser: 1026, runAsGroup: 100, fsGroup: 100 } },
      { podSecurityContext: { runAsGroup: 0, fsGroup: 0, fsGroupChangePolicy: 'Always' } },
      {
        extraEnv: [
          { name: 'TZ', value: 'Europe/Paris' },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
        extraVolumes: [
          { name: 'a', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
          { name: 'b', secret: { secretName: 's', defaultMode: 288 } },
          { name: 'c', persistentVolumeClaim: { claimName: 'c', readOnly: true } },
          { name: 'd', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true } },
        ],
        extraVolumeMounts: [{ name: 'a', mountPath: '/cache' }],
      },
      {
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 50,
                podAffinityTerm: {
                  topologyKey: 'kubernetes.io/hostname',
                  labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
                },
              },
            ],
          },
        },
        priorityClassName: 'low',
      },
    ];
    for (const o of ok) assert.equal(show(errorsOf(coalesce(defaults, o))), '', JSON.stringify(o));
  });

  // [what, values over values.yaml, the instancePath of an expected error, its keyword]
  const bad: Array<[string, Values, string, string]> = [
    ['an unknown top-level key', { schedulee: '0 3 * * *' }, '', 'additionalProperties'],
    [
      'an unknown key of an account',
      { accounts: [{ name: 'a', tokenFile: '/t' }] },
      '/accounts/0',
      'additionalProperties',
    ],
    ['an unknown key of image', { image: { name: 'x' } }, '/image', 'additionalProperties'],
    [
      'an unknown key of resources',
      { resources: { requests: { gpu: 1 } } },
      '/resources/requests',
      'additionalProperties',
    ],
    ['an unknown key of secret', { secret: { token: '{}' } }, '/secret', 'additionalProperties'],
    ['a schedule that is a number', { schedule: 3 }, '/schedule', 'type'],
    ['a schedule with six fields', { schedule: '0 0 3 * * *' }, '/schedule', 'pattern'],
    ['a schedule with TZ=', { schedule: 'TZ=UTC 0 3 * * *' }, '/schedule', 'pattern'],
    [
      'a schedule in words',
      { accounts: [{ name: 'a', schedule: 'daily' }] },
      '/accounts/0/schedule',
      'pattern',
    ],
    ['no account', { accounts: [] }, '/accounts', 'minItems'],
    [
      'an account without a name',
      { accounts: [{ schedule: '@daily' }] },
      '/accounts/0',
      'required',
    ],
    [
      'an account name with capitals',
      { accounts: [{ name: 'Alice' }] },
      '/accounts/0/name',
      'pattern',
    ],
    [
      'an account name with @',
      { accounts: [{ name: 'me@gmail.com' }] },
      '/accounts/0/name',
      'pattern',
    ],
    [
      'a subPath going up',
      { accounts: [{ name: 'a', subPath: '../etc' }] },
      '/accounts/0/subPath',
      'pattern',
    ],
    [
      'an absolute subPath',
      { accounts: [{ name: 'a', subPath: '/data' }] },
      '/accounts/0/subPath',
      'pattern',
    ],
    [
      'a nested subPath (a pass creates its folder, not the parents)',
      { accounts: [{ name: 'a', subPath: 'family/a' }] },
      '/accounts/0/subPath',
      'pattern',
    ],
    [
      'a token from a Secret and Secret Manager',
      {
        accounts: [
          {
            name: 'a',
            tokenSecret: { name: 's' },
            tokenSecretManager: 'projects/p/secrets/s/versions/1',
          },
        ],
      },
      '/accounts/0',
      'not',
    ],
    [
      'a malformed Secret Manager name',
      { accounts: [{ name: 'a', tokenSecretManager: 'projects/p/secrets/s' }] },
      '/accounts/0/tokenSecretManager',
      'pattern',
    ],
    ['a lower-case setting', { settings: { concurrency: 4 } }, '/settings', 'additionalProperties'],
    [
      'DATABASE_URL among the settings',
      { settings: { DATABASE_URL: 'postgres://x' } },
      '/settings',
      'additionalProperties',
    ],
    ['the token among the settings', { settings: { GPHOTOS_TOKEN: '{}' } }, '/settings', 'not'],
    [
      'the account among the settings',
      { accounts: [{ name: 'a', settings: { GPHOTOS_ACCOUNT: 'b' } }] },
      '/accounts/0/settings',
      'not',
    ],
    [
      'a setting that is a map',
      { settings: { GPHOTOS_CONCURRENCY: { value: 4 } } },
      '/settings/GPHOTOS_CONCURRENCY',
      'type',
    ],
    ['backoffLimit as a string', { backoffLimit: '2' }, '/backoffLimit', 'type'],
    ['suspend as a string', { suspend: 'yes' }, '/suspend', 'type'],
    [
      'a grace period under 30 s',
      { terminationGracePeriodSeconds: 5 },
      '/terminationGracePeriodSeconds',
      'minimum',
    ],
    [
      'a MySQL database URL',
      { secret: { databaseUrl: 'mysql://x/y' } },
      '/secret/databaseUrl',
      'pattern',
    ],
    [
      'a token for a badly named account',
      { secret: { tokens: { Alice: '{}' } } },
      '/secret/tokens',
      'additionalProperties',
    ],
    [
      'no memory limit',
      { resources: { limits: { cpu: '1', memory: null } } },
      '/resources/limits',
      'required',
    ],
    [
      'a memory amount in words',
      { resources: { requests: { memory: 'lots' } } },
      '/resources/requests/memory',
      'pattern',
    ],
    [
      'an unknown access mode',
      { persistence: { accessModes: ['ReadWriteSometimes'] } },
      '/persistence/accessModes/0',
      'enum',
    ],
    ['a malformed digest', { image: { digest: 'sha256:xyz' } }, '/image/digest', 'pattern'],
    [
      'a pull policy in lower case',
      { image: { pullPolicy: 'always' } },
      '/image/pullPolicy',
      'enum',
    ],
    [
      'a label key with spaces',
      { podLabels: { 'my label': 'x' } },
      '/podLabels',
      'additionalProperties',
    ],
    ['a label value that is a number', { podLabels: { team: 3 } }, '/podLabels/team', 'type'],
    [
      'root as the user of the pods',
      { podSecurityContext: { runAsUser: 0 } },
      '/podSecurityContext/runAsUser',
      'minimum',
    ],
    [
      'a UID as a string',
      { podSecurityContext: { runAsUser: '1026' } },
      '/podSecurityContext/runAsUser',
      'type',
    ],
    [
      'a restricted setting among the podSecurityContext values',
      { podSecurityContext: { privileged: true } },
      '/podSecurityContext',
      'additionalProperties',
    ],
    [
      'an unknown fsGroupChangePolicy',
      { podSecurityContext: { fsGroupChangePolicy: 'Never' } },
      '/podSecurityContext/fsGroupChangePolicy',
      'enum',
    ],
    [
      'an extra variable the chart sets',
      { extraEnv: [{ name: 'DATABASE_URL', value: 'postgres://x' }] },
      '/extraEnv/0/name',
      'not',
    ],
    [
      'an extra variable with value and valueFrom',
      { extraEnv: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'x' } } }] },
      '/extraEnv/0',
      'not',
    ],
    [
      'a hostPath volume',
      { extraVolumes: [{ name: 'h', hostPath: { path: '/' } }] },
      '/extraVolumes/0',
      'additionalProperties',
    ],
    [
      'a volume with two sources',
      { extraVolumes: [{ name: 'v', emptyDir: {}, configMap: { name: 'c' } }] },
      '/extraVolumes/0',
      'oneOf',
    ],
    [
      "a volume named as one of the chart's",
      { extraVolumes: [{ name: 'data', emptyDir: {} }] },
      '/extraVolumes/0/name',
      'not',
    ],
    [
      'a mount over /data',
      { extraVolumeMounts: [{ name: 'v', mountPath: '/data/x' }] },
      '/extraVolumeMounts/0/mountPath',
      'not',
    ],
    [
      'a relative mount path',
      { extraVolumeMounts: [{ name: 'v', mountPath: 'etc' }] },
      '/extraVolumeMounts/0/mountPath',
      'pattern',
    ],
    [
      'an affinity with a typo',
      { affinity: { nodeAfinity: {} } },
      '/affinity',
      'additionalProperties',
    ],
    [
      'a pod affinity term without topologyKey',
      { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{}] } } },
      '/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/0',
      'required',
    ],
    [
      'a priority class with capitals',
      { priorityClassName: 'High' },
      '/priorityClassName',
      'pattern',
    ],
    [
      'an unknown toleration field',
      { tolerations: [{ key: 'k', effects: 'NoSchedule' }] },
      '/tolerations/0',
      'additionalProperties',
    ],
  ];
  for (const [what, over, at, keyword] of bad) {
    it(`rejects ${what}`, () => {
      const errors = errorsOf(coalesce(defaults, over));
      assert.ok(
        errors.some((e) => e.instancePath === at && e.keyword === keyword),
        `expected ${keyword} at "${at}", got:\n${show(errors)}`,
      );
    });
  }
});
