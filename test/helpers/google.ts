/**
 * Helpers for tests that talk to the emulator through the real googleapis client: the captured
 * samples in ../shared/api-samples/ (beside the repository, in CI as here) and the shape of the
 * errors the client rejects with.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { OAuth2Client } from 'google-auth-library';
import { createOAuthClient } from '../../src/remote/oauth.ts';
import type { Emulator } from '../fakes/google/server.ts';
import { repoRoot } from './cli.ts';

export const SAMPLES_DIR = path.resolve(repoRoot, '../shared/api-samples');

export function sample(name: string): unknown {
  return JSON.parse(readFileSync(path.join(SAMPLES_DIR, name), 'utf8'));
}

/** What a GaxiosError carries that the tests look at. */
export interface ApiError {
  name: string;
  status?: number;
  code?: string;
  message: string;
  response: { data: unknown; headers: Headers };
}

/** Awaits a call that must fail and returns its GaxiosError. */
export async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as Error).constructor.name, 'GaxiosError');
    return err as ApiError;
  }
  assert.fail('expected the call to fail');
}

/** Per-call option that turns gaxios' own retries off, so a fault reaches the test as is. */
export const noRetry = { retry: false } as const;

/** The pass's OAuth client (createOAuthClient) for the emulator's default token. */
export function emulatorOAuth(emu: Emulator): OAuth2Client {
  const t = emu.defaultToken();
  return createOAuthClient({
    clientId: t.client_id,
    clientSecret: t.client_secret,
    refreshToken: t.refresh_token,
    tokenUrl: emu.tokenUrl,
  });
}
