/**
 * The shape every generated governance document shares (model card, periodic report,
 * post-implementation review, audit-program report): a title, facts about the document, and
 * sections of paragraphs, tables and charts. One renderer per format turns it into Markdown or
 * HTML, so the formats say the same thing.
 */
export interface GovernanceDocument {
  kind: string;
  title: string;
  /** Label/value facts shown under the title (generation date, data period, audit head…). */
  facts: Array<[string, string]>;
  sections: DocumentSection[];
}

/** `present`: the section has content; `no-data`: Warden has no records for it; `missing`: a required section nobody has written. */
export type SectionStatus = 'present' | 'no-data' | 'missing';

export interface DocumentSection {
  id: string;
  title: string;
  status: SectionStatus;
  /** `generated` from records, or `human` (written by people through the API). */
  origin: 'generated' | 'human';
  /** Whether the template requires it (model cards). */
  required?: boolean;
  /** Who wrote a human section and when; where the text came from. */
  authorship?: { writtenBy: string; writtenAt: string; source: string; revision: number } | undefined;
  paragraphs: string[];
  tables: DocumentTable[];
  charts: DocumentChart[];
}

export interface DocumentTable {
  caption: string;
  columns: string[];
  /** Cells as display text; numbers are formatted by the builder so every format shows the same digits. */
  rows: string[][];
}

/**
 * A chart: a shared x axis and one or more series. `line` for values over time, `bars` for
 * counts per category (binary and categorical columns are drawn as bars, never as histograms).
 */
export interface DocumentChart {
  id: string;
  title: string;
  type: 'line' | 'bars';
  /** x values: epoch seconds for time series, category indexes for bars. */
  x: number[];
  /** Category labels of a bar chart. */
  categories?: string[];
  series: Array<{ label: string; values: Array<number | null> }>;
  /** Threshold drawn as a horizontal line. */
  threshold?: number | null;
}

/** A section with no content. */
export function emptySection(
  id: string,
  title: string,
  status: SectionStatus,
  paragraphs: string[] = [],
): DocumentSection {
  return { id, title, status, origin: 'generated', paragraphs, tables: [], charts: [] };
}

/** A number as documents show it: integers as is, others with up to 4 significant decimals. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100
    ? value.toFixed(1)
    : abs >= 1
      ? value.toFixed(3)
      : value.toPrecision(4).replace(/0+$/, '');
}
