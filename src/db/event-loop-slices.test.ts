import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestServer } from '../../test/support/server.js';

/** Most statements a test chain runs, and the longest it may run, whatever happens. */
const MAX_STATEMENTS = 200_000;
const MAX_MS = 20_000;

describe('a long run of statements on the embedded store', () => {
  it('lets the server answer requests while it runs, instead of after it', async () => {
    const server = await startTestServer('sqlite');
    try {
      let statements = 0;
      let answeredAt: number | null = null;
      let chainDone = false;
      // A background task's shape: awaited statements one after another, with no I/O between them.
      const chain = (async () => {
        const began = Date.now();
        while (answeredAt === null && statements < MAX_STATEMENTS && Date.now() - began < MAX_MS) {
          await sql`select count(*) as n from models`.execute(server.ctx.db);
          statements++;
        }
        chainDone = true;
      })();
      const health = fetch(`${server.url}/healthz`).then((res) => {
        answeredAt = statements;
        return { status: res.status, chainDone };
      });
      const answer = await health;
      await chain;
      expect(answer.status).toBe(200);
      // Answered while the chain was still running: the chain saw the answer and stopped early.
      expect(answer.chainDone).toBe(false);
      expect(answeredAt).toBeGreaterThan(0);
      expect(statements).toBeLessThan(MAX_STATEMENTS);
    } finally {
      await server.close();
    }
  });

  it('never splits a transaction: the turn comes with the first statement after it', async () => {
    const server = await startTestServer('sqlite');
    try {
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      let inside = 0;
      const turnedInside = await server.ctx.db.transaction().execute(async (trx) => {
        // Far longer than a slice: the write lock is held throughout, so no turn is given.
        while (inside < 20_000) {
          await sql`select count(*) as n from models`.execute(trx);
          inside++;
        }
        return turned;
      });
      expect(turnedInside).toBe(false);
      let after = 0;
      while (!turned && after < MAX_STATEMENTS) {
        await sql`select 1 as one`.execute(server.ctx.db);
        after++;
      }
      expect(turned).toBe(true);
      expect(after).toBeLessThan(MAX_STATEMENTS);
    } finally {
      await server.close();
    }
  });

  it('gives the event loop a turn during the run', async () => {
    const server = await startTestServer('sqlite');
    try {
      // An immediate callback queued at the start must run within a few slices of the chain.
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      let statements = 0;
      while (!turned && statements < MAX_STATEMENTS) {
        await sql`select 1 as one`.execute(server.ctx.db);
        statements++;
      }
      // Without the slices the callback waits for the whole chain: the loop above would end at its cap.
      expect(turned).toBe(true);
      expect(statements).toBeLessThan(MAX_STATEMENTS);
    } finally {
      await server.close();
    }
  });
});
