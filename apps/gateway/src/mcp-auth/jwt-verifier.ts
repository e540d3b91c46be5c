import { errorMessage, printableProblem } from '@app/common';
import type * as Jose from 'jose';
import type { CryptoKey, FlattenedJWSInput, JWSHeaderParameters, JWTVerifyOptions } from 'jose';
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
/** Cached keys are refetched after this long, or sooner when a token names an unknown key id. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const MAX_PRINCIPAL_LENGTH = 200;

/** The JWKS could not be fetched or read: no verdict on the token. */
class KeysUnavailableError extends Error {}

/** jose is an ES module: loaded only when JWTs are configured (at start-up, see `load`). */
function loadJose(): Promise<typeof Jose> {
  return import('jose');
}

/** Told when the JWKS stops being reachable and when it is back: state changes only, not every request. */
export interface KeysStateListener {
  unavailable(detail: string): void;
  recovered(): void;
}

interface Loaded {
  jose: typeof Jose;
  jwks: Jose.RemoteJWKSet | null;
}

/**
 * Verifies client JWTs with jose: HS256 with MCP_JWT_SECRET, asymmetric algorithms with the keys
 * of MCP_JWKS_URL (fetched on first use, cached). Issuer and audience are checked when
 * configured; `sub` is required and becomes the principal.
 */
export class JwtVerifier {
  private readonly secret: Uint8Array | null;
  private readonly options: JWTVerifyOptions;
  private loaded: Promise<Loaded> | null = null;
  private keysDown = false;

  constructor(
    private readonly settings: JwtSettings,
    private readonly keysState?: KeysStateListener,
  ) {
    this.secret = settings.secret === undefined ? null : new TextEncoder().encode(settings.secret);
    this.options = {
      algorithms: [...(this.secret ? HMAC_ALGORITHMS : []), ...(settings.jwksUrl ? ASYMMETRIC_ALGORITHMS : [])],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub'],
    };
  }

  /** Loads jose (and prepares the JWKS fetcher); at start-up, so a broken install fails there. */
  load(): Promise<Loaded> {
    this.loaded ??= loadJose().then((jose) => ({
      jose,
      jwks:
        this.settings.jwksUrl === undefined
          ? null
          : jose.createRemoteJWKSet(this.settings.jwksUrl, {
              timeoutDuration: JWKS_TIMEOUT_MS,
              cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
            }),
    }));
    return this.loaded;
  }

  async verify(token: string): Promise<JwtOutcome> {
    const { jose, jwks } = await this.load();
    const { errors } = jose;
    try {
      const { payload } = await jose.jwtVerify(
        token,
        (header, input) => this.keyFor(jose, jwks, header, input),
        this.options,
      );
      const principal = payload.sub;
      if (typeof principal !== 'string' || !isPrincipal(principal)) return { ok: false, reason: 'invalid' };
      return { ok: true, principal };
    } catch (error) {
      if (error instanceof KeysUnavailableError) return { ok: false, reason: 'unavailable', detail: error.message };
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      return { ok: false, reason: 'invalid' };
    }
  }

  private async keyFor(
    { errors }: typeof Jose,
    jwks: Jose.RemoteJWKSet | null,
    header: JWSHeaderParameters,
    input: FlattenedJWSInput,
  ): Promise<CryptoKey | Uint8Array> {
    // The algorithms option has already refused an algorithm without a configured key.
    if (header.alg === 'HS256' && this.secret !== null) return this.secret;
    if (jwks === null) throw new errors.JOSEAlgNotAllowed('no key for this algorithm');
    try {
      const key = await jwks(header, input);
      this.markKeys(true);
      return key;
    } catch (error) {
      // An unknown key id is the token's fault; a JWKS that cannot be fetched or read is ours.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      const detail = errorMessage(error);
      this.markKeys(false, detail);
      throw new KeysUnavailableError(detail);
    }
  }

  private markKeys(available: boolean, detail = ''): void {
    if (available === !this.keysDown) return;
    this.keysDown = !available;
    if (available) this.keysState?.recovered();
    else this.keysState?.unavailable(detail);
  }
}

function isPrincipal(value: string): boolean {
  return value.trim() !== '' && value.length <= MAX_PRINCIPAL_LENGTH && printableProblem(value) === null;
}
