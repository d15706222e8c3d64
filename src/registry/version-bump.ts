import semver from 'semver';
import { canonicalJson } from '../core/canonical-json.js';

/** Semantic-version bump levels, most demanding first. */
export const BUMP_LEVELS = ['MAJOR', 'MINOR', 'PATCH'] as const;
export type BumpLevel = (typeof BUMP_LEVELS)[number];

/** The parts of a version the bump rule compares. */
export interface BumpSubject {
  version: string;
  framework: string | null;
  inputSchema: ReadonlyArray<{ name: string; type: string }>;
  outputSchema: ReadonlyArray<{ name: string; type: string }> | null;
  features: readonly string[];
  lineage: {
    datasets: ReadonlyArray<{ name: string; sha256: string }>;
    featureSetVersion?: string | undefined;
    hyperparameters?: Record<string, unknown> | undefined;
  };
}

/** The bump a version needs over another, with one reason per change found. */
export interface RequiredBump {
  level: BumpLevel;
  reasons: string[];
}

/** The stricter of two levels. */
export function stricterBump(a: BumpLevel, b: BumpLevel): BumpLevel {
  return BUMP_LEVELS.indexOf(a) <= BUMP_LEVELS.indexOf(b) ? a : b;
}

/** What the version strings say: `next` over `previous` (a version not above it counts as MAJOR). */
export function declaredBump(previous: string, next: string): BumpLevel {
  const a = semver.parse(previous);
  const b = semver.parse(next);
  if (!a || !b || semver.lte(b, a) || b.major !== a.major) return 'MAJOR';
  return b.minor !== a.minor ? 'MINOR' : 'PATCH';
}

/**
 * Framework name and major version of a free-text framework label such as `xgboost 1.7.6`,
 * `scikit-learn==1.3.2` or `pytorch`: the name is the text before the first digit (lower case,
 * non-letters as one `-`, a trailing `v` dropped), the major version the first number.
 */
export function parseFramework(label: string): { name: string; major: number | null } {
  const match = /^(.*?)(\d+)(?:\.\d+)*/.exec(label.trim());
  const rawName = match ? match[1]! : label;
  const name = rawName
    .toLowerCase()
    .replace(/[^a-z]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/-v$/, '');
  return { name, major: match ? Number(match[2]) : null };
}

function fieldMap(fields: ReadonlyArray<{ name: string; type: string }>): Map<string, string> {
  return new Map(fields.map((f) => [f.name, f.type]));
}

/**
 * The bump `next` needs over `previous`, from what changed between them:
 * - MAJOR: an input feature removed or its type changed, the output changed, or the framework or
 *   its major version changed;
 * - MINOR: an input feature added, the training data changed (datasets or feature-set version),
 *   or the hyperparameters changed;
 * - PATCH: nothing of the above.
 * Input features are the input schema's fields and the catalog features the version declares.
 */
export function requiredBump(previous: BumpSubject, next: BumpSubject): RequiredBump {
  const major: string[] = [];
  const minor: string[] = [];

  const before = fieldMap(previous.inputSchema);
  const after = fieldMap(next.inputSchema);
  for (const [name, type] of before) {
    const now = after.get(name);
    if (now === undefined) major.push(`input feature "${name}" removed`);
    else if (now !== type) major.push(`input feature "${name}" changed type from ${type} to ${now}`);
  }
  for (const name of after.keys()) if (!before.has(name)) minor.push(`input feature "${name}" added`);

  const catalogBefore = new Set(previous.features);
  const catalogAfter = new Set(next.features);
  for (const name of catalogBefore)
    if (!catalogAfter.has(name)) major.push(`catalog feature "${name}" no longer consumed`);
  for (const name of catalogAfter)
    if (!catalogBefore.has(name)) minor.push(`catalog feature "${name}" added`);

  if (canonicalJson(previous.outputSchema ?? null) !== canonicalJson(next.outputSchema ?? null))
    major.push('output schema changed');

  const fwBefore = previous.framework === null ? null : parseFramework(previous.framework);
  const fwAfter = next.framework === null ? null : parseFramework(next.framework);
  if (fwBefore && fwAfter) {
    if (fwBefore.name !== fwAfter.name)
      major.push(`framework changed from ${previous.framework} to ${next.framework}`);
    else if (fwBefore.major !== fwAfter.major)
      major.push(`framework major version changed from ${previous.framework} to ${next.framework}`);
  } else if (fwBefore !== fwAfter) {
    major.push(`framework changed from ${previous.framework ?? 'none'} to ${next.framework ?? 'none'}`);
  }

  const datasets = (s: BumpSubject) =>
    canonicalJson([...s.lineage.datasets].map((d) => `${d.name}@${d.sha256}`).sort());
  if (datasets(previous) !== datasets(next)) minor.push('training data changed (datasets)');
  if ((previous.lineage.featureSetVersion ?? null) !== (next.lineage.featureSetVersion ?? null))
    minor.push(
      `feature-set version changed from ${previous.lineage.featureSetVersion ?? 'none'} to ${next.lineage.featureSetVersion ?? 'none'}`,
    );
  if (
    canonicalJson(previous.lineage.hyperparameters ?? {}) !==
    canonicalJson(next.lineage.hyperparameters ?? {})
  )
    minor.push('hyperparameters changed');

  if (major.length > 0) return { level: 'MAJOR', reasons: [...major, ...minor] };
  if (minor.length > 0) return { level: 'MINOR', reasons: minor };
  return { level: 'PATCH', reasons: [] };
}

/** Of several versions, the highest one below `version` (its predecessor), or null. */
export function previousVersion(existing: readonly string[], version: string): string | null {
  let best: string | null = null;
  for (const v of existing) if (semver.lt(v, version) && (best === null || semver.gt(v, best))) best = v;
  return best;
}

/** The bump the deployment gate judges a candidate by, relative to the production champion. */
export interface GateBump {
  /** The stricter of `declared` and `required`, as the policy's `levelFor` keys name it. */
  bump: 'major' | 'minor' | 'patch' | 'initial';
  /** What the version strings say (null without a champion). */
  declared: BumpLevel | null;
  /** What the changes since the champion require (null without a champion). */
  required: BumpLevel | null;
  reasons: string[];
}

/**
 * The gate's bump: the stricter of the declared one (version strings) and the one the changes
 * require, both measured against the production champion; `initial` when there is none.
 */
export function gateBump(champion: BumpSubject | null, candidate: BumpSubject): GateBump {
  if (champion === null || champion.version === candidate.version)
    return { bump: 'initial', declared: null, required: null, reasons: [] };
  const declared = declaredBump(champion.version, candidate.version);
  const required = requiredBump(champion, candidate);
  const level = stricterBump(declared, required.level);
  return {
    bump: level.toLowerCase() as GateBump['bump'],
    declared,
    required: required.level,
    reasons: required.reasons,
  };
}
