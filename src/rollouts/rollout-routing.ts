/**
 * The routing decision, pure and dependency-free so that the server and the embedded Node client
 * answer identically: a request key is hashed with the rollout id into one of 10,000 buckets, and
 * the bucket is compared with the candidate's share. The answer is the same on every server and
 * after restarts, and a key already on the candidate stays there while its share only grows.
 */

/** One model's routing entry: its champion and, during a rollout, the candidate's share. */
export interface RouteEntry {
  model: string;
  champion: string | null;
  rollout?: {
    id: string;
    strategy: 'canary' | 'shadow' | 'blue-green' | 'ab';
    candidate: string;
    /** Candidate share of live traffic, percent (0–100). */
    candidateWeight: number;
    /** Shadow rollouts mirror every request to the candidate. */
    shadow: boolean;
  };
}

/**
 * Subjects who opted out of automated decisions, as the routing table carries them: the SHA-256
 * (hex) of the routing key, for one model or (model null) for every model. `complete` is false when
 * there are more than the table carries; then only the route API can tell.
 */
export interface OptOutList {
  complete: boolean;
  subjects: { model: string | null; subjectSha256: string }[];
}

/** A routing answer: which version serves the request, as which variant, and where to mirror it. */
export interface RouteDecision {
  version: string | null;
  /** `human-review`: the subject opted out of automated decisions; a person decides. */
  variant: 'champion' | 'candidate' | 'human-review';
  shadow?: string;
  rolloutId?: string;
}

const BUCKETS = 10_000;

/** FNV-1a (32-bit) of the rollout id, a separator and the key, as UTF-16 code units. */
export function routeBucket(rolloutId: string, key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < rolloutId.length; i++) h = Math.imul(h ^ rolloutId.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x1f, 0x01000193);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % BUCKETS;
}

/** Decides where the request with `key` goes under `entry`. */
export function decideRoute(entry: RouteEntry, key: string): RouteDecision {
  const r = entry.rollout;
  if (!r) return { version: entry.champion, variant: 'champion' };
  const toCandidate = r.candidateWeight > 0 && routeBucket(r.id, key) < r.candidateWeight * (BUCKETS / 100);
  const decision: RouteDecision = toCandidate
    ? { version: r.candidate, variant: 'candidate', rolloutId: r.id }
    : { version: entry.champion, variant: 'champion', rolloutId: r.id };
  if (r.shadow && !toCandidate) decision.shadow = r.candidate;
  return decision;
}
