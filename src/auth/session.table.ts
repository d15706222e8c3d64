/** Row type of the dashboard sign-in sessions. Times are ISO-8601 UTC. */
export interface UiSessionTable {
  id: string;
  /** SHA-256 (hex) of the cookie secret; the secret itself is never stored. */
  secret_hash: string;
  /** How the session was started: with a Warden token, or at the OIDC identity provider. */
  method: 'token' | 'oidc';
  /** The Warden token signed in with (the session ends when it is revoked or expires); null for `oidc`. */
  token_id: string | null;
  principal: string;
  /** JSON array of the roles the identity provider's claims gave at sign-in; null for `token`. */
  roles: string | null;
  /** Sent by the dashboard in the X-CSRF-Token header on every write. */
  csrf_token: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

/** A dashboard sign-in at the identity provider in progress: used once, within minutes. */
export interface UiOidcLoginTable {
  /** SHA-256 (hex) of the `state` sent to the provider (also held by the browser's login cookie). */
  state_hash: string;
  nonce: string;
  /** The PKCE code verifier; only its S256 challenge went to the browser. */
  code_verifier: string;
  redirect_uri: string;
  /** The dashboard page to return to (a same-origin path). */
  next_path: string;
  created_at: string;
  expires_at: string;
}
