/**
 * The REAL googleapis/google-auth-library clients pointed at an emulator (tests only).
 */
import { drive } from '@googleapis/drive';
import type { drive_v3 } from '@googleapis/drive';
import { OAuth2Client } from 'google-auth-library';
import type { Emulator } from './server.ts';

export interface RealClients {
  auth: OAuth2Client;
  drive: drive_v3.Drive;
}

/** An OAuth2Client with the default (or given) credentials and a Drive v3 client on `emu`. */
export function realClients(
  emu: Emulator,
  creds: { clientId?: string; clientSecret?: string; refreshToken?: string } = {},
): RealClients {
  const t = emu.defaultToken();
  const auth = new OAuth2Client({
    clientId: creds.clientId ?? t.client_id,
    clientSecret: creds.clientSecret ?? t.client_secret,
    endpoints: { oauth2TokenUrl: emu.tokenUrl },
  });
  auth.setCredentials({ refresh_token: creds.refreshToken ?? t.refresh_token });
  return { auth, drive: drive({ version: 'v3', auth, rootUrl: emu.url }) };
}
