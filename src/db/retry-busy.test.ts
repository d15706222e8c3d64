import { expect, it } from 'vitest';
import { retryWhileBusy } from './database.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

it('tries a step again while SQLite answers SQLITE_BUSY, and returns its result', () => {
  let calls = 0;
  const result = retryWhileBusy(
    () => {
      calls++;
      if (calls < 3) throw busy();
      return 'wal';
    },
    50,
    1,
  );
  expect([result, calls]).toEqual(['wal', 3]);
});

it('passes any other error on at once, and gives up on busy after the last attempt', () => {
  let calls = 0;
  const other = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
  expect(() =>
    retryWhileBusy(() => {
      calls++;
      throw other;
    }),
  ).toThrow(other);
  expect(calls).toBe(1);

  calls = 0;
  expect(() =>
    retryWhileBusy(
      () => {
        calls++;
        throw busy();
      },
      4,
      1,
    ),
  ).toThrow('database is locked');
  expect(calls).toBe(4);
});
