/**
 * Google Secret Manager v1 (REST), as the real `@google-cloud/secret-manager` client uses it in
 * its REST ("fallback") mode, on its own server on 127.0.0.1 (../shared/google-apis.md, D):
 *
 * - `GET /v1/projects/P/secrets/S/versions/{N|latest}:access` -> `{name, payload: {data,
 *   dataCrc32c}}`: the name with the project NUMBER and the concrete version, bytes as base64,
 *   int64 as a decimal string;
 * - `POST /v1/projects/P/secrets/S:addVersion` `{payload: {data, dataCrc32c?}}` -> the new
 *   SecretVersion (createTime, state, etag, clientSpecifiedPayloadChecksum); a sent checksum is
 *   verified (400 INVALID_ARGUMENT), payloads over 64 KiB refused.
 * The `$alt=json;enum-encoding=int` parameter the client adds turns enums into numbers.
 *
 * Callers authenticate as Google's client libraries do with a service account key: a
 * self-signed JWT (RS256, iss = sub = the account's email, `kid` = its key id) as the bearer
 * token, carrying either `aud: https://secretmanager.googleapis.com/` or the cloud-platform
 * `scope`. The signature is verified with the account's public key. No or a bad token: 401
 * UNAUTHENTICATED; an account without the permission, or an unknown project: 403
 * PERMISSION_DENIED (Google does not tell "no such secret" to a caller without access); missing
 * secret or version: 404 NOT_FOUND; a disabled version: 400 FAILED_PRECONDITION.
 *
 * Faults: `corruptPayload` flips a bit of the data sent (the checksum stays the stored one),
 * `unavailable` answers 503 UNAVAILABLE, `reset` destroys the socket.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import { readBody } from './http.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32c } from '../../../src/secrets/crc32c.ts';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const SECRET_MANAGER_AUDIENCE = 'https://secretmanager.googleapis.com/';
const MAX_PAYLOAD = 64 * 1024;

export interface ServiceAccountGrant {
  email: string;
  /** The public half of the account's key (PEM or KeyObject). */
  publicKey: KeyObject | string;
  /** The key's id (`private_key_id`); when set, the JWT's `kid` must match. */
  keyId?: string;
  /** Secret IDs it may read (`secretmanager.versions.access`); '*' for all. Default none. */
  access?: readonly string[] | '*';
  /** Secret IDs it may add versions to (`secretmanager.versions.add`); '*' for all. Default none. */
  add?: readonly string[] | '*';
}

export type SecretFaultKind = 'corruptPayload' | 'unavailable' | 'reset';

export interface SecretFaultRule {
  route: 'access' | 'addVersion' | 'any';
  kind: SecretFaultKind;
  /** Default 1; Infinity allowed. */
  times?: number;
}

export interface SecretManagerOptions {
  projectId?: string;
  projectNumber?: string;
  accounts: ServiceAccountGrant[];
  /** Initial secrets and their versions' payloads, oldest first (version 1, 2, ...). */
  secrets?: Record<string, Array<string | Buffer>>;
  port?: number;
}

export interface StoredVersion {
  number: number;
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  createTime: string;
}

export interface SecretRequest {
  method: string;
  path: string;
  route: 'access' | 'addVersion' | 'unknown';
  status: number;
  /** The authenticated account, if any. */
  principal?: string;
}

export interface SecretManagerEmulator {
  /** `http://127.0.0.1:PORT/`, for GPHOTOS_SECRET_MANAGER_URL. */
  url: string;
  projectId: string;
  projectNumber: string;
  /** Creates the secret if needed; returns the new version's number. */
  addVersion(secret: string, data: string | Buffer): number;
  /** Creates a secret with no versions. */
  createSecret(secret: string): void;
  versions(secret: string): StoredVersion[];
  setState(secret: string, version: number, state: StoredVersion['state']): void;
  faults: { add(rule: SecretFaultRule): void; clear(): void };
  requests: SecretRequest[];
  close(): Promise<void>;
}

/** A service account key as Google Cloud Console downloads it, and its public key. */
export interface ServiceAccountKey {
  json: Record<string, string>;
  email: string;
  keyId: string;
  publicKey: KeyObject;
}

export function serviceAccountKey(
  name = 'gphotos-sync',
  projectId = 'test-project',
): ServiceAccountKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = `${name}@${projectId}.iam.gserviceaccount.com`;
  const keyId = randomBytes(20).toString('hex');
  return {
    email,
    keyId,
    publicKey,
    json: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: String(100_000_000_000_000_000_000n + BigInt(randomBytes(4).readUInt32BE())),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
      universe_domain: 'googleapis.com',
    },
  };
}

const HEADERS: Record<string, string> = {
  'Content-Type': 'application/json; charset=UTF-8',
  Vary: 'Origin, X-Origin, Referer',
  'Cache-Control': 'private',
  Server: 'ESF',
  'X-XSS-Protection': '0',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Content-Type-Options': 'nosniff',
};

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  const buf = Buffer.from(`${JSON.stringify(body, null, 2)}\n`, 'utf8');
  res.writeHead(status, { ...HEADERS, ...extra, 'Content-Length': String(buf.length) });
  res.end(buf);
}

const STATUS_OF: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  503: 'UNAVAILABLE',
};

function sendGoogleError(
  res: ServerResponse,
  code: number,
  message: string,
  status = STATUS_OF[code] ?? 'UNKNOWN',
): void {
  const extra: Record<string, string> =
    code === 401 ? { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' } : {};
  sendJson(res, code, { error: { code, message, status } }, extra);
}

interface Account {
  email: string;
  key: KeyObject;
  keyId?: string;
  access: readonly string[] | '*';
  add: readonly string[] | '*';
}

/** The email of a valid self-signed service-account JWT, or why it is not one. */
function verifyJwt(token: string, accounts: Map<string, Account>): string | { invalid: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { invalid: 'not a JWT' };
  const [h = '', p = '', sig = ''] = parts;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { invalid: 'undecodable JWT' };
  }
  if (header.alg !== 'RS256') return { invalid: 'alg' };
  const account = typeof payload.iss === 'string' ? accounts.get(payload.iss) : undefined;
  if (!account || payload.sub !== payload.iss) return { invalid: 'unknown issuer' };
  if (account.keyId !== undefined && header.kid !== account.keyId) return { invalid: 'kid' };
  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${h}.${p}`, 'ascii'),
    account.key,
    Buffer.from(sig, 'base64url'),
  );
  if (!signed) return { invalid: 'signature' };
  const now = Date.now() / 1000;
  if (typeof payload.exp !== 'number' || payload.exp <= now) return { invalid: 'expired' };
  if (typeof payload.iat !== 'number' || payload.iat > now + 300) return { invalid: 'iat' };
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (payload.aud !== SECRET_MANAGER_AUDIENCE && !scopes.includes(CLOUD_PLATFORM_SCOPE)) {
    return { invalid: 'audience' };
  }
  return account.email;
}

const ACCESS_PATH = /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/:]+):access$/;
const ADD_PATH = /^\/v1\/projects\/([^/]+)\/secrets\/([^/:]+):addVersion$/;

export async function startSecretManager(
  opts: SecretManagerOptions,
): Promise<SecretManagerEmulator> {
  const projectId = opts.projectId ?? 'test-project';
  const projectNumber = opts.projectNumber ?? '123456789012';
  const accounts = new Map<string, Account>(
    opts.accounts.map((a) => [
      a.email,
      {
        email: a.email,
        key: typeof a.publicKey === 'string' ? createPublicKey(a.publicKey) : a.publicKey,
        ...(a.keyId !== undefined ? { keyId: a.keyId } : {}),
        access: a.access ?? [],
        add: a.add ?? [],
      },
    ]),
  );
  const secrets = new Map<string, StoredVersion[]>();
  let faults: Array<{ rule: SecretFaultRule; left: number }> = [];
  const requests: SecretRequest[] = [];

  const addVersion = (secret: string, data: string | Buffer): number => {
    const list = secrets.get(secret) ?? [];
    secrets.set(secret, list);
    const number = list.length + 1;
    list.push({
      number,
      data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'),
      state: 'ENABLED',
      createTime: new Date().toISOString().replace(/Z$/, '123Z'),
    });
    return number;
  };
  for (const [secret, versions] of Object.entries(opts.secrets ?? {})) {
    secrets.set(secret, []);
    for (const v of versions) addVersion(secret, v);
  }

  const takeFault = (route: 'access' | 'addVersion'): SecretFaultKind | undefined => {
    const live = faults.find(
      (f) => f.left > 0 && (f.rule.route === 'any' || f.rule.route === route),
    );
    if (!live) return undefined;
    live.left--;
    faults = faults.filter((f) => f.left > 0);
    return live.rule.kind;
  };
  const allowed = (list: readonly string[] | '*', secret: string): boolean =>
    list === '*' || list.includes(secret);

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const access = method === 'GET' ? ACCESS_PATH.exec(url.pathname) : null;
    const add = method === 'POST' ? ADD_PATH.exec(url.pathname) : null;
    const entry: SecretRequest = {
      method,
      path: url.pathname,
      route: access ? 'access' : add ? 'addVersion' : 'unknown',
      status: 0,
    };
    requests.push(entry);
    res.on('close', () => {
      entry.status = res.headersSent ? res.statusCode : 0;
    });
    const match = access ?? add;
    if (!match) {
      sendGoogleError(res, 404, `Method not found: ${method} ${url.pathname}`);
      return;
    }
    const route = access ? 'access' : 'addVersion';
    const fault = takeFault(route);
    if (fault === 'reset') {
      res.socket?.destroy();
      return;
    }
    if (fault === 'unavailable') {
      sendGoogleError(res, 503, 'The service is currently unavailable.');
      return;
    }

    const auth = req.headers.authorization;
    const bearer = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
    if (bearer === undefined) {
      sendGoogleError(
        res,
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
      return;
    }
    const principal = verifyJwt(bearer, accounts);
    if (typeof principal !== 'string') {
      sendGoogleError(
        res,
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
      return;
    }
    entry.principal = principal;
    const account = accounts.get(principal) as Account;
    const [, project = '', secret = '', version = ''] = match;
    const enumsAsInt = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    const secretName = `projects/${projectNumber}/secrets/${secret}`;
    const resource = access
      ? `projects/${project}/secrets/${secret}/versions/${version}`
      : `projects/${project}/secrets/${secret}`;
    const permission = access ? 'secretmanager.versions.access' : 'secretmanager.versions.add';
    const knownProject = project === projectId || project === projectNumber;
    if (!knownProject || !allowed(access ? account.access : account.add, secret)) {
      sendGoogleError(
        res,
        403,
        `Permission '${permission}' denied for resource '${resource}' (or it may not exist).`,
      );
      return;
    }
    const versions = secrets.get(secret);

    if (access) {
      if (!versions) {
        sendGoogleError(res, 404, `Secret [${secretName}] not found or has no versions.`);
        return;
      }
      const found =
        version === 'latest'
          ? versions.at(-1)
          : /^[1-9]\d*$/.test(version)
            ? versions[Number(version) - 1]
            : undefined;
      if (!found) {
        if (version !== 'latest' && !/^[1-9]\d*$/.test(version)) {
          sendGoogleError(res, 400, `Invalid resource field value in the request.`);
        } else if (version === 'latest') {
          sendGoogleError(res, 404, `Secret [${secretName}] not found or has no versions.`);
        } else {
          sendGoogleError(
            res,
            404,
            `Secret Version [${secretName}/versions/${version}] not found.`,
          );
        }
        return;
      }
      if (found.state !== 'ENABLED') {
        sendGoogleError(
          res,
          400,
          `Secret Version [${secretName}/versions/${found.number}] is in ${found.state} state.`,
          'FAILED_PRECONDITION',
        );
        return;
      }
      let data = found.data;
      if (fault === 'corruptPayload') {
        data = Buffer.from(found.data);
        if (data.length > 0) data[data.length >> 1] = (data[data.length >> 1] as number) ^ 0x04;
      }
      sendJson(res, 200, {
        name: `${secretName}/versions/${found.number}`,
        payload: { data: data.toString('base64'), dataCrc32c: String(crc32c(found.data)) },
      });
      return;
    }

    // addVersion
    if (!versions) {
      sendGoogleError(res, 404, `Secret [${secretName}] not found.`);
      return;
    }
    let body: { payload?: { data?: unknown; dataCrc32c?: unknown } };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      sendGoogleError(res, 400, 'Invalid JSON payload received.');
      return;
    }
    const dataText = body.payload?.data;
    if (typeof dataText !== 'string') {
      sendGoogleError(res, 400, 'Secret Payload cannot be empty.');
      return;
    }
    const data = Buffer.from(dataText, 'base64');
    if (data.length > MAX_PAYLOAD) {
      sendGoogleError(res, 400, `Secret Payload cannot be larger than ${MAX_PAYLOAD} bytes.`);
      return;
    }
    const sent = body.payload?.dataCrc32c;
    if (sent !== undefined && String(sent) !== String(crc32c(data))) {
      sendGoogleError(
        res,
        400,
        'Checksum mismatch: the payload data_crc32c does not match the data.',
      );
      return;
    }
    const number = addVersion(secret, data);
    const stored = versions[number - 1] as StoredVersion;
    sendJson(res, 200, {
      name: `${secretName}/versions/${number}`,
      createTime: stored.createTime,
      state: enumsAsInt ? 1 : 'ENABLED',
      replicationStatus: { automatic: {} },
      etag: `"${randomBytes(7).toString('hex')}"`,
      clientSpecifiedPayloadChecksum: sent !== undefined,
    });
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendGoogleError(res, 500, err instanceof Error ? err.message : String(err), 'INTERNAL');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    projectId,
    projectNumber,
    addVersion,
    createSecret: (secret) => {
      if (!secrets.has(secret)) secrets.set(secret, []);
    },
    versions: (secret) => [...(secrets.get(secret) ?? [])],
    setState: (secret, version, state) => {
      const v = secrets.get(secret)?.[version - 1];
      if (!v) throw new Error(`no version ${version} of ${secret}`);
      v.state = state;
    },
    faults: {
      add: (rule) => faults.push({ rule, left: rule.times ?? 1 }),
      clear: () => {
        faults = [];
      },
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
