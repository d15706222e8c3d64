import pg from 'pg';

/**
 * Decides once per test run whether the PostgreSQL half of the store tests runs.
 * WARDEN_TEST_DATABASE_URL points at a server whose user may create databases
 * (default postgres://postgres@127.0.0.1:5432/postgres). WARDEN_REQUIRE_POSTGRES=1 makes
 * an unreachable server a failure instead of a skip (CI sets it).
 */
export default async function setup(): Promise<void> {
  const url = process.env.WARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    process.env.WARDEN_TEST_DATABASE_URL = url;
    process.env.WARDEN_TEST_POSTGRES = '1';
    console.log(`PostgreSQL store tests: ON (${url.replace(/:[^:@/]*@/, ':***@')})`);
  } catch (error) {
    if (process.env.WARDEN_REQUIRE_POSTGRES === '1') {
      throw new Error(
        `PostgreSQL is required (WARDEN_REQUIRE_POSTGRES=1) but unreachable at ${url}: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    process.env.WARDEN_TEST_POSTGRES = '0';
    console.log(
      '\n*** PostgreSQL store tests: SKIPPED (no server at ' + url + '); SQLite tests ran alone ***\n',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
