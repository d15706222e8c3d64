import { FRAMEWORK_ITEMS, FRAMEWORK_TITLES, type EvidenceKind, type Framework } from './framework-maps.js';

/** The format marker every manifest carries. */
export const PACK_FORMAT = 'warden-evidence-pack/1';

/** One file of the pack: its path, SHA-256 (hex) and size, and which kinds of evidence it holds. */
export interface PackFile {
  path: string;
  sha256: string;
  bytes: number;
  kinds: EvidenceKind[];
}

export interface PackItem {
  id: string;
  title: string;
  status: 'evidenced' | 'gap';
  files: string[];
}

export interface PackGap {
  id: string;
  title: string;
  reason: string;
}

/** `manifest.json`: what the pack holds, what it evidences, what it cannot, and the audit tree its proofs lead to. */
export interface PackManifest {
  format: typeof PACK_FORMAT;
  framework: Framework;
  frameworkTitle: string;
  model: string;
  version: string;
  generatedAt: string;
  generatedBy: string;
  /** The Ed25519 key (SPKI PEM) that signs `manifest.json` into `manifest.sig`: Warden's audit signing key. */
  publicKey: string;
  /**
   * The audit log's signed tree head when the pack was made: its size and RFC 6962 root (hex), the
   * chain hash of its last entry, and the file holding the checkpoint itself (a C2SP signed note
   * by the audit key). Proofs in `proofs/inclusion.ndjson` lead to this root.
   */
  auditTree: { size: number; rootHash: string; headHash: string; origin: string; checkpoint: string };
  citedEntries: { count: number; proofs: string; entries: string; note: string };
  files: PackFile[];
  items: PackItem[];
  gaps: PackGap[];
}

/** Maps each item of the framework to the files holding one of its kinds; items with none are gaps. */
export function mapFramework(
  framework: Framework,
  files: PackFile[],
): { items: PackItem[]; gaps: PackGap[] } {
  const items: PackItem[] = [];
  const gaps: PackGap[] = [];
  for (const item of FRAMEWORK_ITEMS[framework]) {
    const evidence = files.filter((f) => f.kinds.some((k) => item.kinds.includes(k))).map((f) => f.path);
    items.push({
      id: item.id,
      title: item.title,
      status: evidence.length ? 'evidenced' : 'gap',
      files: evidence,
    });
    if (!evidence.length)
      gaps.push({
        id: item.id,
        title: item.title,
        reason: item.kinds.length
          ? `Warden holds no ${item.kinds.join(', ')} evidence for this model`
          : 'Warden does not record this: it must be supplied by the provider',
      });
  }
  return { items, gaps };
}

export { FRAMEWORK_TITLES };
