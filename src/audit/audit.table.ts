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
  /** Merkle root (hex) of the first `seq` entries; null on checkpoints written before the tree existed. */
  root_hash: string | null;
  /** The signed tree head as a C2SP checkpoint (signed note text). */
  note: string | null;
}

/** Hash (hex) of the complete subtree of 2^level leaves starting at leaf idx·2^level. */
export interface AuditMerkleNodeTable {
  level: number;
  idx: number;
  hash: string;
}
