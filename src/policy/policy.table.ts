/** Row type of the policy history. Every saved version is kept forever. */
export interface PolicyVersionTable {
  version: number;
  /** Canonical JSON of the validated document. */
  document: string;
  /** `yaml` or `json`: how the document was submitted. */
  format: string;
  /** The document as submitted, byte for byte. */
  source: string;
  reason: string;
  created_at: string;
  created_by: string;
}
