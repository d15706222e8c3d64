/** One revision of a human-written model-card section; the newest revision is the current text. */
export interface ModelCardSectionTable {
  id: string;
  model_id: string;
  version_id: string;
  section: string;
  revision: number;
  text: string;
  written_by: string;
  written_at: string;
}

/** A review reminder raised for a version's card once it passed the tier's review period. */
export interface ModelCardReminderTable {
  version_id: string;
  due_at: string;
  model_name: string;
  version: string;
  raised_at: string;
}
