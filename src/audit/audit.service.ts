import { canonicalJson } from '../core/canonical-json.js';
import type { Executor, Store } from '../db/database.js';
import {
  entryPreimageAroundSeq,
  GENESIS_HASH,
  hashEntry,
  type AuditEntry,
  type SignedHead,
} from './audit-chain.js';
import type { AuditSigner } from './audit-signer.js';
import { buildMerkleNodes, MerkleTreeReader } from './audit-tree.js';
import type { AuditWitness } from './audit-witness.js';
import {
  insertCheckpoint,
  appendEntry,
  appendLinkedEntry,
  latestRotation,
  latestTreeHead,
  readHead,
  saveTreeHead,
  type SignedTreeHead,
} from './audit.repository.js';

/** What a caller records: who did what to which subject, and the change itself (any JSON value). */
export interface AuditInput {
  actor: string;
  action: string;
  subject: string;
  requestId?: string | null | undefined;
  change: unknown;
}

export interface AuditLog {
  /** Appends one entry inside the caller's transaction, so the entry commits or rolls back with the change. */
  append(trx: Executor, input: AuditInput): Promise<AuditEntry>;
  /** Signs the current tip now, in its own transaction. */
  checkpoint(): Promise<SignedHead | undefined>;
  /**
   * The current tip, signed now and not stored: a head to keep outside Warden that covers every
   * entry written so far (stored checkpoints may lag it by up to `checkpointEvery` entries).
   */
  signedTip(): Promise<SignedHead | undefined>;
  /**
   * The latest signed tree head (C2SP checkpoint), signing and witnessing a new one first when the
   * log has grown past it. Undefined while the log is empty.
   */
  treeHead(): Promise<SignedTreeHead | undefined>;
  /** Proof readers over the stored tree (builds missing subtree nodes up to `size` first). */
  tree(size: number): Promise<MerkleTreeReader>;
  readonly publicKeyPem: string;
}

export function createAuditLog(
  store: Store,
  signer: AuditSigner,
  options: { checkpointEvery: number; now?: () => Date; witness?: AuditWitness },
): AuditLog {
  const now = options.now ?? (() => new Date());

  async function signTreeHead(): Promise<SignedTreeHead | undefined> {
    const head = await readHead(store.db, false);
    if (!head || head.seq === 0) return undefined;
    // A key rotated away signs nothing more: this server must be restarted with the new key.
    const rotation = await latestRotation(store.db);
    if (rotation && rotation.previousKey.trim() === signer.publicKeyPem.trim())
      throw new Error('the audit signing key was rotated away; restart the server with the new key');
    await buildMerkleNodes(store, store.db, head.seq);
    const root = await new MerkleTreeReader(store).root(head.seq);
    const signed: SignedTreeHead = {
      ...signedHead(head.seq, head.hash),
      rootHash: root.toString('hex'),
      note: signer.signTreeHead(head.seq, root),
    };
    const stored = await store.db.transaction().execute((trx) => saveTreeHead(trx, signed));
    if (stored.note === signed.note) await options.witness?.publish(signed.note, signed.seq);
    return stored;
  }

  function signedHead(seq: number, hash: string): SignedHead {
    return {
      seq,
      hash,
      at: now().toISOString(),
      signature: signer.signHead(seq, hash),
      publicKey: signer.publicKeyPem,
    };
  }

  type EntryFields = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

  /**
   * Where the store locks rows (PostgreSQL), the head is locked, read and moved by one statement
   * that also stores the entry, so writers queue on the head for that statement and the commit
   * only. The hash the database computed is checked here before the transaction can commit.
   */
  async function appendLinked(trx: Executor, fields: EntryFields): Promise<AuditEntry | undefined> {
    if (!store.capabilities.rowLocks) return undefined;
    const linked = await appendLinkedEntry(trx, { ...fields, ...entryPreimageAroundSeq(fields) });
    if (!linked) return undefined;
    const entry: AuditEntry = { ...fields, ...linked };
    if (hashEntry(entry) !== entry.hash)
      throw new Error(
        `the store linked audit entry ${entry.seq} with a hash that does not match its contents`,
      );
    return entry;
  }

  /** Reads the head (locking it where the store can), then stores the entry and moves the head. */
  async function appendAfterReadingHead(trx: Executor, fields: EntryFields): Promise<AuditEntry> {
    // Locking the head row serialises appends across servers, so sequence numbers never fork.
    const head = (await readHead(trx, store.capabilities.rowLocks)) ?? { seq: 0, hash: GENESIS_HASH };
    const base = { ...fields, seq: head.seq + 1, prevHash: head.hash };
    const entry: AuditEntry = { ...base, hash: hashEntry(base) };
    await appendEntry(trx, entry);
    return entry;
  }

  return {
    async append(trx, input) {
      const fields = {
        at: now().toISOString(),
        actor: input.actor,
        action: input.action,
        subject: input.subject,
        requestId: input.requestId ?? null,
        change: canonicalJson(input.change ?? null),
      };
      const entry = (await appendLinked(trx, fields)) ?? (await appendAfterReadingHead(trx, fields));
      if (entry.seq % options.checkpointEvery === 0)
        await insertCheckpoint(trx, signedHead(entry.seq, entry.hash));
      return entry;
    },

    async checkpoint() {
      return store.db.transaction().execute(async (trx) => {
        const head = await readHead(trx, store.capabilities.rowLocks);
        if (!head || head.seq === 0) return undefined;
        const signed = signedHead(head.seq, head.hash);
        await insertCheckpoint(trx, signed);
        return signed;
      });
    },

    async signedTip() {
      const head = await readHead(store.db, false);
      return head && head.seq > 0 ? signedHead(head.seq, head.hash) : undefined;
    },

    async treeHead() {
      const [head, latest] = await Promise.all([readHead(store.db, false), latestTreeHead(store.db)]);
      if (latest && head && latest.seq >= head.seq) return latest;
      return signTreeHead();
    },

    async tree(size) {
      await buildMerkleNodes(store, store.db, size);
      return new MerkleTreeReader(store);
    },

    publicKeyPem: signer.publicKeyPem,
  };
}
