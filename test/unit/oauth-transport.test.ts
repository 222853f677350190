// The HTTP client under the OAuth client (oauth.ts transporterOptions): node's fetch, unless a
// proxy is set in the environment, where gaxios keeps node-fetch and its proxy agent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOAuthClient, transporterOptions } from '../../src/remote/oauth.ts';

describe('the OAuth client transport', () => {
  it("uses node's fetch when no proxy is set", () => {
    assert.equal(transporterOptions({}).fetchImplementation, globalThis.fetch);
    assert.equal(transporterOptions({ HTTPS_PROXY: '' }).fetchImplementation, globalThis.fetch);
  });

  it("leaves gaxios' default (node-fetch with its proxy agent) when a proxy is set", () => {
    for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) {
      assert.deepEqual(transporterOptions({ [k]: 'http://proxy.local:3128' }), {}, k);
    }
  });

  it('the client built for a pass carries the choice', () => {
    const client = createOAuthClient({
      clientId: 'c',
      clientSecret: 's',
      refreshToken: 'r',
      tokenUrl: 'http://127.0.0.1:1/token',
    });
    const expected = transporterOptions(process.env).fetchImplementation;
    assert.equal(client.transporter.defaults.fetchImplementation, expected);
  });
});
