import { PostgresAdapter, sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { AuditEntry, SignedHead } from './audit-chain.js';
import type { AuditCheckpointTable, AuditLogTable } from './audit.table.js';

export function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    requestId: row.request_id,
    change: row.change,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** A signed head that also carries the Merkle root and its C2SP checkpoint note. */
export interface SignedTreeHead extends SignedHead {
  rootHash: string;
  note: string;
}

export function toSignedHead(row: Selectable<AuditCheckpointTable>): SignedHead {
  return {
    seq: Number(row.seq),
    hash: row.hash,
    at: row.at,
    signature: row.signature,
    publicKey: row.public_key,
  };
}

export async function readHead(
  db: Executor,
  lock: boolean,
): Promise<{ seq: number; hash: string } | undefined> {
  let query = db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
}

function entryRow(e: AuditEntry) {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    request_id: e.requestId,
    change: e.change,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

/**
 * Stores an entry and moves the chain's head to it. On PostgreSQL both happen in one statement
 * (one round trip while the head row is locked); SQLite has no data-modifying `WITH`, and its
 * statements cost no round trip.
 */
export async function appendEntry(db: Executor, e: AuditEntry): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await db
      .with('entry', (qb) => qb.insertInto('audit_log').values(entryRow(e)))
      .insertInto('audit_head')
      .values({ id: 1, seq: e.seq, hash: e.hash })
      .onConflict((oc) => oc.column('id').doUpdateSet({ seq: e.seq, hash: e.hash }))
      .execute();
    return;
  }
  await db.insertInto('audit_log').values(entryRow(e)).execute();
  await writeHead(db, e.seq, e.hash);
}

/** An entry's fields apart from its chain position, with the two halves of its hash preimage. */
export interface UnlinkedEntry extends Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'> {
  beforeSeq: string;
  afterSeq: string;
}

/**
 * PostgreSQL only. In one statement: locks the chain's head, links the entry to it (the next seq,
 * the head's hash as prevHash, and SHA-256 of `prevHash + beforeSeq + seq + afterSeq`), stores the
 * entry and moves the head to it. The head stays locked until commit, but no round trip to the
 * server process happens while it is held before the commit itself. Undefined when there is no
 * head row.
 */
export async function appendLinkedEntry(
  db: Executor,
  e: UnlinkedEntry,
): Promise<Pick<AuditEntry, 'seq' | 'prevHash' | 'hash'> | undefined> {
  // FOR UPDATE hands back the head as the last writer committed it, even when it waited for that
  // writer; every value below is computed from that locked row.
  const { rows } = await sql<{ seq: string | number; prev_hash: string; hash: string }>`
    with head as (
      select seq, hash from audit_head where id = 1 for update
    ), linked as (
      select seq + 1 as seq, hash as prev_hash,
        encode(sha256(convert_to(hash || ${e.beforeSeq}::text || (seq + 1)::text || ${e.afterSeq}::text, 'UTF8')), 'hex') as hash
      from head
    ), stored as (
      insert into audit_log (seq, at, actor, action, subject, request_id, change, prev_hash, hash)
      select seq, ${e.at}, ${e.actor}, ${e.action}, ${e.subject}, ${e.requestId}, ${e.change}, prev_hash, hash
      from linked
      returning seq, prev_hash, hash
    )
    update audit_head set seq = stored.seq, hash = stored.hash from stored
    where audit_head.id = 1
    returning stored.seq, stored.prev_hash, stored.hash`.execute(db);
  const row = rows[0];
  return row ? { seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash } : undefined;
}

async function writeHead(db: Executor, seq: number, hash: string): Promise<void> {
  await db
    .insertInto('audit_head')
    .values({ id: 1, seq, hash })
    .onConflict((oc) => oc.column('id').doUpdateSet({ seq, hash }))
    .execute();
}

export async function insertCheckpoint(db: Executor, head: SignedHead): Promise<void> {
  await db
    .insertInto('audit_checkpoints')
    .values({
      seq: head.seq,
      hash: head.hash,
      at: head.at,
      signature: head.signature,
      public_key: head.publicKey,
    })
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute();
}

/** Stores a tree head; where a chain checkpoint already holds that seq, adds the root and note to it. */
export async function saveTreeHead(db: Executor, head: SignedTreeHead): Promise<SignedTreeHead> {
  await db
    .insertInto('audit_checkpoints')
    .values({
      seq: head.seq,
      hash: head.hash,
      at: head.at,
      signature: head.signature,
      public_key: head.publicKey,
      root_hash: head.rootHash,
      note: head.note,
    })
    .onConflict((oc) =>
      oc
        .column('seq')
        .doUpdateSet({ root_hash: head.rootHash, note: head.note })
        .where('audit_checkpoints.note', 'is', null),
    )
    .execute();
  const row = await db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('seq', '=', head.seq)
    .executeTakeFirstOrThrow();
  return { ...toSignedHead(row), rootHash: row.root_hash!, note: row.note! };
}

export async function latestTreeHead(db: Executor): Promise<SignedTreeHead | undefined> {
  const row = await db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('note', 'is not', null)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { ...toSignedHead(row), rootHash: row.root_hash!, note: row.note! } : undefined;
}

/** What a key rotation entry records. */
export interface KeyRotation {
  seq: number;
  previousKey: string;
  newKey: string;
  /** Ed25519 signature by the previous key over {@link rotationStatement}, base64. */
  signature: string;
}

export const KEY_ROTATION_ACTION = 'audit.key_rotated';

export async function latestRotation(db: Executor): Promise<KeyRotation | undefined> {
  const row = await db
    .selectFrom('audit_log')
    .select(['seq', 'change'])
    .where('action', '=', KEY_ROTATION_ACTION)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const change = JSON.parse(row.change) as Omit<KeyRotation, 'seq'>;
  return { seq: Number(row.seq), ...change };
}

export interface AuditFilter {
  subject?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Entries with seq below this (newest first paging). */
  beforeSeq?: number | undefined;
  limit: number;
}

export async function findEntries(db: Executor, f: AuditFilter): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (f.subject) q = q.where('subject', '=', f.subject);
  if (f.actor) q = q.where('actor', '=', f.actor);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.from) q = q.where('at', '>=', f.from);
  if (f.to) q = q.where('at', '<', f.to);
  if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
  const rows = await q.orderBy('seq', 'desc').limit(f.limit).execute();
  return rows.map(toAuditEntry);
}

export async function findEntry(db: Executor, seq: number): Promise<AuditEntry | undefined> {
  const row = await db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirst();
  return row ? toAuditEntry(row) : undefined;
}
