/**
 * A Secret Manager emulator plus a service account key file, for tests that run the real
 * `@google-cloud/secret-manager` client with Application Default Credentials: the key file is
 * what GOOGLE_APPLICATION_CREDENTIALS names, and the emulator knows its public key, so the
 * client's self-signed JWTs are verified as Google verifies them. METADATA_SERVER_DETECTION=none
 * keeps google-auth-library away from the metadata server.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  serviceAccountKey,
  startSecretManager,
  type SecretManagerEmulator,
  type ServiceAccountKey,
} from '../fakes/google/secret-manager.ts';

export interface SecretManagerWorld {
  sm: SecretManagerEmulator;
  key: ServiceAccountKey;
  /** The key file (mode 0600) GOOGLE_APPLICATION_CREDENTIALS points at. */
  credentialsFile: string;
  /** GOOGLE_APPLICATION_CREDENTIALS, GPHOTOS_SECRET_MANAGER_URL, METADATA_SERVER_DETECTION. */
  env: Record<string, string>;
  /** `projects/<projectId>/secrets/<secret>/versions/<version>`. */
  name(secret: string, version?: string): string;
  close(): Promise<void>;
}

export async function secretManagerWorld(
  opts: {
    secrets?: Record<string, Array<string | Buffer>>;
    /** Secrets the key may read; default all. */
    access?: readonly string[] | '*';
    /** Secrets the key may add versions to; default all. */
    add?: readonly string[] | '*';
  } = {},
): Promise<SecretManagerWorld> {
  const key = serviceAccountKey();
  const sm = await startSecretManager({
    accounts: [
      {
        email: key.email,
        publicKey: key.publicKey,
        keyId: key.keyId,
        access: opts.access ?? '*',
        add: opts.add ?? '*',
      },
    ],
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gphotos-sa-'));
  const credentialsFile = path.join(dir, 'service-account.json');
  await writeFile(credentialsFile, JSON.stringify(key.json, null, 2), { mode: 0o600 });
  await chmod(credentialsFile, 0o600);
  return {
    sm,
    key,
    credentialsFile,
    env: {
      GOOGLE_APPLICATION_CREDENTIALS: credentialsFile,
      GPHOTOS_SECRET_MANAGER_URL: sm.url,
      METADATA_SERVER_DETECTION: 'none',
    },
    name: (secret, version = 'latest') =>
      `projects/${sm.projectId}/secrets/${secret}/versions/${version}`,
    close: async () => {
      await sm.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
