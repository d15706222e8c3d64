/** A version's reason-code table: feature → the principal reason text shown to a consumer. */
export type ReasonCodeTable = Record<string, string>;

/** What replacing one reason-code table by another changes, feature by feature. */
export interface ReasonCodeDiff {
  /** Features the new table codes and the old one did not, with their new text. */
  added: Record<string, string>;
  /** Features whose text changes, from the old text to the new. */
  changed: Record<string, { from: string; to: string }>;
  /** Features the old table coded and the new one drops, with their old text. */
  removed: Record<string, string>;
}

/** The difference between two reason-code tables (pure), features in name order. */
export function diffReasonCodes(before: ReasonCodeTable, after: ReasonCodeTable): ReasonCodeDiff {
  const diff: ReasonCodeDiff = { added: {}, changed: {}, removed: {} };
  const features = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const feature of features) {
    const was = Object.hasOwn(before, feature) ? before[feature] : undefined;
    const now = Object.hasOwn(after, feature) ? after[feature] : undefined;
    if (was === undefined && now !== undefined) diff.added[feature] = now;
    else if (was !== undefined && now === undefined) diff.removed[feature] = was;
    else if (was !== undefined && now !== undefined && was !== now)
      diff.changed[feature] = { from: was, to: now };
  }
  return diff;
}

/** Whether a diff changes nothing. */
export function isEmptyReasonCodeDiff(diff: ReasonCodeDiff): boolean {
  return (
    Object.keys(diff.added).length === 0 &&
    Object.keys(diff.changed).length === 0 &&
    Object.keys(diff.removed).length === 0
  );
}

/** One line per changed feature, for a change request's reason: `amount changed`, `age added`, … */
export function describeReasonCodeDiff(diff: ReasonCodeDiff): string[] {
  return [
    ...Object.keys(diff.added).map((f) => `${f} added`),
    ...Object.keys(diff.changed).map((f) => `${f} changed`),
    ...Object.keys(diff.removed).map((f) => `${f} removed`),
  ];
}
