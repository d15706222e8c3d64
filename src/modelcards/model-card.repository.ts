import type { Executor } from '../db/database.js';

/** The sections of a model card only people can write. */
export const HUMAN_SECTIONS = ['intendedUse', 'limitations', 'ethicalConsiderations'] as const;
export type HumanSection = (typeof HUMAN_SECTIONS)[number];

/** One revision of a human-written section. */
export interface SectionRevision {
  section: HumanSection;
  revision: number;
  text: string;
  writtenBy: string;
  writtenAt: string;
}

function toRevision(r: {
  section: string;
  revision: number;
  text: string;
  written_by: string;
  written_at: string;
}): SectionRevision {
  return {
    section: r.section as HumanSection,
    revision: Number(r.revision),
    text: r.text,
    writtenBy: r.written_by,
    writtenAt: r.written_at,
  };
}

/** Every revision of a version's human-written sections, oldest first. */
export async function sectionHistory(db: Executor, versionId: string): Promise<SectionRevision[]> {
  const rows = await db
    .selectFrom('model_card_sections')
    .select(['section', 'revision', 'text', 'written_by', 'written_at'])
    .where('version_id', '=', versionId)
    .orderBy('section')
    .orderBy('revision')
    .execute();
  return rows.map(toRevision);
}

/** The newest revision of each human-written section of a version. */
export async function currentSections(db: Executor, versionId: string): Promise<SectionRevision[]> {
  const all = await sectionHistory(db, versionId);
  const latest = new Map<string, SectionRevision>();
  for (const r of all) latest.set(r.section, r);
  return [...latest.values()];
}

export async function insertSectionRevision(
  db: Executor,
  row: {
    id: string;
    modelId: string;
    versionId: string;
    section: HumanSection;
    revision: number;
    text: string;
    writtenBy: string;
    writtenAt: string;
  },
): Promise<void> {
  await db
    .insertInto('model_card_sections')
    .values({
      id: row.id,
      model_id: row.modelId,
      version_id: row.versionId,
      section: row.section,
      revision: row.revision,
      text: row.text,
      written_by: row.writtenBy,
      written_at: row.writtenAt,
    })
    .execute();
}
