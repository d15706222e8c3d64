import { afterEach, expect, it } from 'vitest';
import { createTestStore, describeEachBackend, type TestStore } from '../../test/support/stores.js';
import { openStore, type Store } from './database.js';
import { migrateToLatest } from './migrate.js';
import { preparedQuery } from './prepared-query.js';

const tokensOf = preparedQuery(2, (db, principal: string, createdBy: string) =>
  db
    .selectFrom('api_tokens')
    .select(['id', 'principal'])
    .where('principal', '=', principal)
    .where('created_by', '=', createdBy)
    .orderBy('id'),
);

describeEachBackend('prepared queries', (backend) => {
  let test: TestStore;
  let store: Store;
  afterEach(async () => {
    await store.close();
    await test.cleanup();
  });

  async function seeded(): Promise<Store> {
    test = await createTestStore(backend);
    store = openStore(test.config);
    await migrateToLatest(store);
    const rows = [
      ['t1', 'alice', 'admin'],
      ['t2', 'alice', 'ops'],
      ['t3', 'bob', 'admin'],
      ['t4', 'alice', 'admin'],
    ].map(([id, principal, by]) => ({
      id: id!,
      principal: principal!,
      roles: '[]',
      token_hash: `hash-${id}`,
      created_at: '2026-01-01T00:00:00Z',
      created_by: by!,
    }));
    await store.db.insertInto('api_tokens').values(rows).execute();
    return store;
  }

  it('binds each call’s own parameters in the order the SQL needs them, in and out of transactions', async () => {
    const { db } = await seeded();
    expect(await tokensOf(db, 'alice', 'admin')).toEqual([
      { id: 't1', principal: 'alice' },
      { id: 't4', principal: 'alice' },
    ]);
    expect(await tokensOf(db, 'alice', 'ops')).toEqual([{ id: 't2', principal: 'alice' }]);
    expect(await tokensOf(db, 'bob', 'admin')).toEqual([{ id: 't3', principal: 'bob' }]);
    expect(await tokensOf(db, 'admin', 'bob')).toEqual([]);
    const inside = await db.transaction().execute((trx) => tokensOf(trx, 'bob', 'admin'));
    expect(inside).toEqual([{ id: 't3', principal: 'bob' }]);
  });

  it('refuses a query whose SQL holds a constant instead of a bound placeholder', async () => {
    const { db } = await seeded();
    const withConstant = preparedQuery(1, (d, principal: string) =>
      d
        .selectFrom('api_tokens')
        .select('id')
        .where('principal', '=', principal)
        .where('created_by', '=', 'admin'),
    );
    await expect(withConstant(db, 'alice')).rejects.toThrow(/constant parameter/);
    const unbound = preparedQuery(2, (d, principal: string, _unused: string) =>
      d.selectFrom('api_tokens').select('id').where('principal', '=', principal),
    );
    await expect(unbound(db, 'alice', 'x')).rejects.toThrow(/does not bind every parameter/);
  });
});
