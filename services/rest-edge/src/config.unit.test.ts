import { describe, expect, it } from '@jest/globals';
import { isConfigError } from '@threadweaver/service-config';
import { loadConfig } from './config.js';

/** Every service verifies tokens: an issuer and audience are required. */
const identity = { OIDC_ISSUER: 'https://issuer.example.com', OIDC_AUDIENCE: 'threadweaver' };
const oidc = expect.objectContaining({ mode: 'oidc', issuer: identity.OIDC_ISSUER, audience: identity.OIDC_AUDIENCE }) as unknown;

describe('loadConfig', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig(identity)).toEqual({
      httpHost: '0.0.0.0',
      httpPort: 8080,
      commandServiceAddress: '127.0.0.1:50051',
      queryServiceAddress: '127.0.0.1:50052',
      upstreamDnsRefreshMs: 30_000,
      logLevel: 'info',
      upstreamTimeoutMs: 60000,
      shutdownGraceMs: 10000,
      httpLimits: { maxBodyBytes: 1_703_936, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxConnections: 1_000 },
      auth: oidc,
      corsAllowedOrigins: [],
      uiEnabled: false,
      uiIssuerUrl: undefined,
      sseHeartbeatMs: 15000,
      sessionCookieSecure: true,
    });
  });

  it('reads the browser-facing settings', () => {
    const config = loadConfig({
      ...identity,
      CORS_ALLOWED_ORIGINS: 'http://127.0.0.1:8080, https://chat.example.com',
      UI_ENABLED: 'true',
      UI_ISSUER_URL: 'http://127.0.0.1:8090',
      SSE_HEARTBEAT_MS: '500',
      SESSION_COOKIE_SECURE: 'false',
    });
    expect(config).toMatchObject({
      corsAllowedOrigins: ['http://127.0.0.1:8080', 'https://chat.example.com'],
      uiEnabled: true,
      uiIssuerUrl: 'http://127.0.0.1:8090',
      sseHeartbeatMs: 500,
      sessionCookieSecure: false,
    });
  });

  it('reads the variables', () => {
    const config = loadConfig({ ...identity, HTTP_PORT: '0', COMMAND_SERVICE_ADDRESS: 'command:50051', QUERY_SERVICE_ADDRESS: '[::1]:7', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ httpPort: 0, commandServiceAddress: 'command:50051', queryServiceAddress: '[::1]:7', logLevel: 'debug' });
  });

  it('takes dns: targets, with or without a DNS server, and their refresh interval', () => {
    const config = loadConfig({ ...identity, COMMAND_SERVICE_ADDRESS: 'dns:///command-peers:50051', QUERY_SERVICE_ADDRESS: 'dns://127.0.0.1:5353/query-pods.test:50052', UPSTREAM_DNS_REFRESH_MS: '500' });
    expect(config).toMatchObject({ commandServiceAddress: 'dns:///command-peers:50051', queryServiceAddress: 'dns://127.0.0.1:5353/query-pods.test:50052', upstreamDnsRefreshMs: 500 });
  });

  it.each([
    ['HTTP_PORT', '70000'],
    ['HTTP_PORT', 'eighty'],
    ['COMMAND_SERVICE_ADDRESS', 'no-port'],
    ['QUERY_SERVICE_ADDRESS', 'host:0'],
    ['QUERY_SERVICE_ADDRESS', 'dns://query-pods:50052'],
    ['QUERY_SERVICE_ADDRESS', 'dns:///query-pods'],
    ['COMMAND_SERVICE_ADDRESS', 'dns://dns.example:53/command-peers:50051'],
    ['UPSTREAM_DNS_REFRESH_MS', '10'],
    ['LOG_LEVEL', 'loud'],
    ['UPSTREAM_TIMEOUT_MS', '0'],
    ['CORS_ALLOWED_ORIGINS', 'https://chat.example.com/'],
    ['CORS_ALLOWED_ORIGINS', '*'],
    ['UI_ENABLED', 'yes'],
    ['UI_ISSUER_URL', 'ftp://issuer'],
    ['SSE_HEARTBEAT_MS', '10'],
    ['SESSION_COOKIE_SECURE', 'no'],
  ])('names %s when it is %s', (name, value) => {
    let caught: unknown;
    try {
      loadConfig({ ...identity, [name]: value });
    } catch (err) {
      caught = err;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as Error).message).toContain(name);
  });

  it('refuses to start without an OIDC issuer unless AUTH_MODE=insecure-none', () => {
    expect(() => loadConfig({})).toThrow(/^OIDC_ISSUER: is required/);
    expect(loadConfig({ AUTH_MODE: 'insecure-none' }).auth).toEqual({ mode: 'insecure-none' });
  });
});
