/** Who a pooled session acts for, and the headers that carry that identity upstream. */
export interface SessionIdentity {
  /** A stable user identity; `anonymous` when the caller is not identified. */
  user: string;
  /** Headers forwarded to the upstream on this user's behalf (for example its own token). */
  headers?: Readonly<Record<string, string>>;
}

export const ANONYMOUS_USER = 'anonymous';

export const ANONYMOUS_IDENTITY: SessionIdentity = Object.freeze({ user: ANONYMOUS_USER });
