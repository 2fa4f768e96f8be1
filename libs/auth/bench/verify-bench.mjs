#!/usr/bin/env node
// CPU per first-seen token verification, for each algorithm the development
// issuer signs with: jose's own jwtVerify (WebCrypto) against our
// OidcAuthenticator (jose for header, key set and claims; node:crypto for
// the signature), same keys, same tokens, alternated in one run. Each token
// is verified once per path (the authenticator's verdict cache would
// otherwise answer); warm-up tokens go first so the JIT's share is not
// counted. Not a test: `npm run bench -w libs/auth` (build first:
// `npx tsc -b libs/auth libs/dev-issuer`). BENCH_TOKENS (default 2000) per
// round, BENCH_ROUNDS (default 3). What a first-seen verification is against
// a whole call's CPU: services/rest-edge's bench ("a new token on every call").
import { loadavg } from 'node:os';
import { OidcAuthenticator, readAuthSettings } from '@threadweaver/auth';
import { startDevIssuer } from '@threadweaver/dev-issuer';
import { EnvReader } from '@threadweaver/service-config';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ulid } from 'ulid';

const count = Number(process.env['BENCH_TOKENS'] ?? 2000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);

async function cpuMsPer(tokens, verifyOne) {
  const before = process.cpuUsage();
  for (const token of tokens) await verifyOne(token);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / tokens.length;
}

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} rounds of ${count} new tokens per path and algorithm`);
for (const algorithm of ['RS256', 'ES256', 'EdDSA']) {
  const issuer = await startDevIssuer({ algorithm, keepProcessAlive: false });
  try {
    const settings = readAuthSettings(new EnvReader({ OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience }));
    const ours = new OidcAuthenticator(settings);
    const jwks = createRemoteJWKSet(new URL(`${issuer.url}/jwks.json`));
    const options = { issuer: issuer.url, audience: issuer.audience, algorithms: [...settings.algorithms], clockTolerance: settings.clockToleranceS, requiredClaims: ['exp'] };
    const mint = (n) => Promise.all(Array.from({ length: n }, () => issuer.mint(ulid())));
    const viaJose = (token) => jwtVerify(token, jwks, options);
    const viaOurs = (token) => ours.authenticate(`Bearer ${token}`);
    const warm = await mint(500);
    await cpuMsPer(warm, viaJose);
    await cpuMsPer(warm, viaOurs);
    const figures = { jose: [], ours: [] };
    for (let round = 0; round < rounds; round++) {
      const tokens = await mint(count);
      figures.jose.push(await cpuMsPer(tokens, viaJose));
      figures.ours.push(await cpuMsPer(tokens, viaOurs));
    }
    const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    const [jose, ours_] = [mean(figures.jose), mean(figures.ours)];
    console.log(
      `${algorithm.padEnd(5)} CPU ms per new token: jose jwtVerify ${jose.toFixed(4)}, OidcAuthenticator ${ours_.toFixed(4)} ` +
        `(${(jose / ours_).toFixed(2)}x less; rounds jose ${figures.jose.map((f) => f.toFixed(4)).join('/')}, ours ${figures.ours.map((f) => f.toFixed(4)).join('/')})`,
    );
  } finally {
    await issuer.close();
  }
}
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
