/** Row types of the registry tables. JSON columns hold canonical JSON text; times are ISO-8601 UTC. */
export interface ModelTable {
  id: string;
  name: string;
  display_name: string | null;
  description: string | null;
  owner: string;
  team: string | null;
  risk_tier: number;
  use_case: string | null;
  intended_use: string | null;
  consumers: string;
  pii_findings: string;
  champion_version_id: string | null;
  previous_champion_version_id: string | null;
  /** Set while the model is under legal hold: nothing of it may be purged or deleted. */
  legal_hold_reason: string | null;
  legal_hold_at: string | null;
  legal_hold_by: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface ModelTagTable {
  model_id: string;
  key: string;
  value: string;
}

export interface ModelVersionTable {
  id: string;
  model_id: string;
  version: string;
  framework: string | null;
  description: string | null;
  lineage: string;
  metrics: string;
  segment_metrics: string;
  input_schema: string;
  tags: string;
  stage: string;
  artifact_sha256: string | null;
  artifact_size: number | null;
  sbom: string | null;
  model_card: string | null;
  pii_findings: string;
  /** JSON array of output fields; null when the version declared none. */
  output_schema: string | null;
  /** The previous version the bump is measured against. */
  bump_base: string | null;
  /** `MAJOR` | `MINOR` | `PATCH` over the previous version; null on a model's first version. */
  declared_bump: string | null;
  required_bump: string | null;
  /** JSON array of strings naming what changed; null on rows written before bumps were computed. */
  bump_reasons: string | null;
  integrity_checked_at: string | null;
  integrity_failed_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface SigningKeyTable {
  id: string;
  name: string;
  public_key: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

export interface ArtifactSignatureTable {
  id: string;
  version_id: string;
  key_id: string;
  signature: string;
  verified: number;
  created_at: string;
  created_by: string;
}

export interface FeatureTable {
  id: string;
  name: string;
  owner: string;
  type: string;
  description: string | null;
  source: string | null;
  refresh_cadence: string | null;
  freshness_sla: string | null;
  completeness_sla: number | null;
  semver: string;
  status: string;
  deprecated_at: string | null;
  /** End of the deprecation grace period (the policy's, taken when the feature was deprecated). */
  grace_ends_at: string | null;
  removed_at: string | null;
  removed_by: string | null;
  pii_findings: string;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface VersionFeatureTable {
  version_id: string;
  feature_id: string;
}
