import type { Kysely } from 'kysely';

/**
 * The audit log's Merkle tree: hashes of complete, aligned subtrees of 2^level leaves (level 8 and
 * up), so proofs for a long log read a few rows instead of rehashing it; and signed tree heads
 * (C2SP checkpoints) beside the chain checkpoints they extend.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_merkle_nodes')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_merkle_nodes_pk', ['level', 'idx'])
    .execute();
  await db.schema.alterTable('audit_checkpoints').addColumn('root_hash', 'text').execute();
  await db.schema.alterTable('audit_checkpoints').addColumn('note', 'text').execute();
}
