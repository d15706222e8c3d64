export interface ApiTokenTable {
  id: string;
  principal: string;
  /** JSON array of role names. */
  roles: string;
  /** SHA-256 (hex) of the secret; the secret itself is never stored. */
  token_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
}
