/** Row type of artifact_store_identity: at most one row, the id of the store the database was initialised with. */
export interface ArtifactStoreIdentityTable {
  /** Always 1. */
  singleton: number;
  store_id: string;
  /** Where that store was when the id was recorded (shown in the refusal message). */
  location: string;
  created_at: string;
}
