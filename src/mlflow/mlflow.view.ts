import type { MlflowModelRecord, MlflowVersionRecord } from './mlflow.repository.js';

/** MLflow's four stages (deprecated in MLflow 2.9, still what `current_stage` reports). */
export const MLFLOW_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type MlflowStage = (typeof MLFLOW_STAGES)[number];

/**
 * Warden's lifecycle seen through MLflow's stages: development → None; staging and approved
 * (approved for production, not yet there) → Staging; production → Production; deprecated,
 * archived and rejected → Archived.
 */
export function mlflowStageOf(stage: string): MlflowStage {
  switch (stage) {
    case 'development':
      return 'None';
    case 'staging':
    case 'approved':
      return 'Staging';
    case 'production':
      return 'Production';
    default:
      return 'Archived';
  }
}

/** A stage name as MLflow accepts it (any case); undefined when it is none of the four. */
export function canonicalStage(text: string): MlflowStage | undefined {
  return MLFLOW_STAGES.find((s) => s.toLowerCase() === text.trim().toLowerCase());
}

/** Tags Warden adds to every version it reports; callers may not set or delete them. */
export const WARDEN_TAG_PREFIX = 'warden.';

const millis = (iso: string) => Date.parse(iso);

/** What governance adds to a version's view: its aliases and its latest change request. */
export interface VersionExtras {
  aliases: string[];
  changeRequest: { id: string; status: string } | undefined;
}

/** A `ModelVersion` message as protobuf JSON (snake_case, int64 as numbers, version as a string). */
export function versionJson(v: MlflowVersionRecord, extras: VersionExtras): Record<string, unknown> {
  const tags: Record<string, string> = {
    ...v.tags,
    'warden.version': v.semver,
    'warden.stage': v.stage,
  };
  if (extras.changeRequest) {
    tags['warden.change_request'] = extras.changeRequest.id;
    tags['warden.status'] = extras.changeRequest.status;
  }
  return {
    name: v.name,
    version: String(v.number),
    creation_timestamp: millis(v.createdAt),
    last_updated_timestamp: millis(v.updatedAt),
    user_id: v.createdBy,
    current_stage: mlflowStageOf(v.stage),
    ...(v.description !== null ? { description: v.description } : {}),
    source: v.source,
    ...(v.runId !== null ? { run_id: v.runId } : {}),
    status: 'READY',
    tags: Object.entries(tags)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value })),
    ...(v.runLink !== null ? { run_link: v.runLink } : {}),
    ...(extras.aliases.length > 0 ? { aliases: extras.aliases } : {}),
  };
}

/** The latest version in each stage (those asked for, or all four), as MLflow's `latest_versions`. */
export function latestPerStage(
  versions: readonly MlflowVersionRecord[],
  stages: readonly MlflowStage[] = MLFLOW_STAGES,
): MlflowVersionRecord[] {
  const out: MlflowVersionRecord[] = [];
  for (const stage of stages) {
    const inStage = versions.filter((v) => mlflowStageOf(v.stage) === stage);
    const latest = inStage.reduce<MlflowVersionRecord | undefined>(
      (best, v) => (best === undefined || v.number > best.number ? v : best),
      undefined,
    );
    if (latest) out.push(latest);
  }
  return out;
}

/** A `RegisteredModel` message as protobuf JSON. */
export function registeredModelJson(
  m: MlflowModelRecord,
  latest: Record<string, unknown>[],
  aliases: Array<{ alias: string; version: string }>,
): Record<string, unknown> {
  const tags = Object.entries(m.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    name: m.name,
    creation_timestamp: millis(m.createdAt),
    last_updated_timestamp: millis(m.updatedAt),
    user_id: m.createdBy,
    ...(m.description !== null ? { description: m.description } : {}),
    ...(latest.length > 0 ? { latest_versions: latest } : {}),
    ...(tags.length > 0 ? { tags: tags.map(([key, value]) => ({ key, value })) } : {}),
    ...(aliases.length > 0 ? { aliases } : {}),
  };
}
