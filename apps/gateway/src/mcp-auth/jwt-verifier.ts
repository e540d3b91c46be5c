import { errorMessage, printableProblem } from '@app/common';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWSHeaderParameters,
  type FlattenedJWSInput,
  type JWTVerifyOptions,
  type CryptoKey,
} from 'jose';
import type { JwtSettings } from './client-auth-settings';

/** Why a JWT was not accepted: a client problem (`expired`, `invalid`) or ours (`unavailable`). */
export type JwtOutcome =
  | { ok: true; principal: string }
  | { ok: false; reason: 'expired' | 'invalid' }
  | { ok: false; reason: 'unavailable'; detail: string };

const HMAC_ALGORITHMS = ['HS256'];
/** What a JWKS may sign with; symmetric keys never come from a JWKS. */
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
/** Clock skew between the token issuer and the gateway. */
const CLOCK_TOLERANCE_SECONDS = 5;
const JWKS_TIMEOUT_MS = 5_000;
/** Keys are refetched at most this often, and also when a token names an unknown key id. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const MAX_PRINCIPAL_LENGTH = 200;

/** The JWKS could not be fetched or read: no verdict on the token. */
class KeysUnavailableError extends Error {}

/**
 * Verifies client JWTs with jose: HS256 with MCP_JWT_SECRET, asymmetric algorithms with the keys
 * of MCP_JWKS_URL (fetched on first use, cached). Issuer and audience are checked when
 * configured; `sub` is required and becomes the principal.
 */
export class JwtVerifier {
  private readonly secret: Uint8Array | null;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | null;
  private readonly options: JWTVerifyOptions;

  constructor(settings: JwtSettings) {
    this.secret = settings.secret === undefined ? null : new TextEncoder().encode(settings.secret);
    this.jwks =
      settings.jwksUrl === undefined
        ? null
        : createRemoteJWKSet(settings.jwksUrl, {
            timeoutDuration: JWKS_TIMEOUT_MS,
            cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
          });
    this.options = {
      algorithms: [...(this.secret ? HMAC_ALGORITHMS : []), ...(this.jwks ? ASYMMETRIC_ALGORITHMS : [])],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub'],
    };
  }

  async verify(token: string): Promise<JwtOutcome> {
    try {
      const { payload } = await jwtVerify(token, (header, input) => this.keyFor(header, input), this.options);
      const principal = payload.sub;
      if (typeof principal !== 'string' || !isPrincipal(principal)) return { ok: false, reason: 'invalid' };
      return { ok: true, principal };
    } catch (error) {
      if (error instanceof KeysUnavailableError) return { ok: false, reason: 'unavailable', detail: error.message };
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      return { ok: false, reason: 'invalid' };
    }
  }

  private async keyFor(header: JWSHeaderParameters, input: FlattenedJWSInput): Promise<CryptoKey | Uint8Array> {
    // The algorithms option has already refused an algorithm without a configured key.
    if (header.alg === 'HS256' && this.secret !== null) return this.secret;
    if (this.jwks === null) throw new errors.JOSEAlgNotAllowed('no key for this algorithm');
    try {
      return await this.jwks(header, input);
    } catch (error) {
      // An unknown key id is the token's fault; a JWKS that cannot be fetched or read is ours.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeysUnavailableError(errorMessage(error));
    }
  }
}

function isPrincipal(value: string): boolean {
  return value.trim() !== '' && value.length <= MAX_PRINCIPAL_LENGTH && printableProblem(value) === null;
}
