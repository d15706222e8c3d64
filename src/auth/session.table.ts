/** Row type of the dashboard sign-in sessions. Times are ISO-8601 UTC. */
export interface UiSessionTable {
  id: string;
  /** SHA-256 (hex) of the cookie secret; the secret itself is never stored. */
  secret_hash: string;
  /** The Warden token signed in with: the session ends when it is revoked or expires. */
  token_id: string;
  principal: string;
  /** Sent by the dashboard in the X-CSRF-Token header on every write. */
  csrf_token: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}
