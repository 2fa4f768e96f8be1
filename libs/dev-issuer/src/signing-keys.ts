import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** One signing key pair and its public JWK. */
interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** The JWS algorithms the development issuer can sign with: each one the services accept (OIDC_ALGORITHMS). */
export type DevAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA';

/** Makes a fresh key pair for `alg`, published with `kid`, `alg` and `use: sig`. */
export async function newSigningKey(alg: DevAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * The keys an issuer publishes: the newest signs, older ones stay in the
 * JWKS until retired, as a real issuer rotates (publish the new key, sign
 * with it, drop the old one once its tokens have expired).
 */
export class SigningKeys {
  private keys: SigningKey[];

  private constructor(
    readonly alg: DevAlgorithm,
    first: SigningKey,
  ) {
    this.keys = [first];
  }

  static async create(alg: DevAlgorithm): Promise<SigningKeys> {
    return new SigningKeys(alg, await newSigningKey(alg));
  }

  /** The `kid` new tokens are signed with. */
  get currentKid(): string {
    return this.current().kid;
  }

  /** The public JWK Set to serve. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /** Signs `payload` with the current key. */
  sign(payload: JWTPayload): Promise<string> {
    const key = this.current();
    return new SignJWT(payload).setProtectedHeader({ alg: this.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  /** Starts signing with a new key; the old ones stay published unless `retirePrevious`. */
  async rotate(retirePrevious: boolean): Promise<string> {
    const next = await newSigningKey(this.alg);
    this.keys = retirePrevious ? [next] : [next, ...this.keys];
    return next.kid;
  }

  /** Drops every key but the current one from the JWKS. */
  retireOld(): void {
    this.keys = [this.current()];
  }

  private current(): SigningKey {
    const key = this.keys[0];
    if (key === undefined) throw new Error('no signing key');
    return key;
  }
}
