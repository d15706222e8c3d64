/** Row types of the audit tables. */
export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  request_id: string | null;
  /** Canonical JSON of the change, hashed as stored. */
  change: string;
  prev_hash: string;
  hash: string;
}

/** One row (id = 1) holding the chain's tip; appends lock it so sequence numbers never fork. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditCheckpointTable {
  seq: number;
  hash: string;
  at: string;
  signature: string;
  public_key: string;
}
