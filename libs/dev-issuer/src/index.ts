export { startDevIssuer } from './dev-issuer.js';
export type { DevIssuer, DevIssuerOptions, MintOptions } from './dev-issuer.js';
export type { DevAlgorithm } from './signing-keys.js';
