import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

/** Where a write stands, as the page tells it. */
export type WriteOutcome =
  | { state: 'idle' }
  | { state: 'sending' }
  /** The server could not be reached: the page asks again until it can tell applied from not. */
  | { state: 'unknown' }
  | { state: 'applied'; message: string }
  /** Refused by the API, or found not applied after the server came back. */
  | { state: 'failed'; message: string; action: string };

/** How often, and how many times, the page asks whether a write whose answer was lost was applied. */
const CHECK_EVERY_MS = 2000;
const MAX_CHECKS = 300;

export interface CheckedWrite {
  /** What to send. */
  send: () => Promise<unknown>;
  /** Reads the entity back: true when the write shows in it (the vote, the acknowledgement). */
  applied: () => Promise<boolean>;
  /** Said when it was applied. */
  done: string;
  /** Said when the server came back without it: what was not applied. */
  notApplied: string;
}

/**
 * Sends writes whose answer may be lost (a server restart, a dropped connection) and always ends
 * in a clear outcome: applied, refused with the API's reason, or, when the server could not be
 * reached, found applied or not applied by reading the entity back once the server answers again.
 * Until then the outcome is `unknown`, and the page keeps the comment that went with it.
 */
export function useCheckedWrite(): {
  outcome: WriteOutcome;
  run: (write: CheckedWrite) => Promise<WriteOutcome>;
} {
  const [outcome, setOutcome] = useState<WriteOutcome>({ state: 'idle' });
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );
  const settle = (next: WriteOutcome): WriteOutcome => {
    if (live.current) setOutcome(next);
    return next;
  };
  const run = async (write: CheckedWrite): Promise<WriteOutcome> => {
    setOutcome({ state: 'sending' });
    try {
      await write.send();
      return settle({ state: 'applied', message: write.done });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 0)
        return settle({ state: 'failed', action: 'Refused', message: messageOf(error) });
    }
    setOutcome({ state: 'unknown' });
    for (let i = 0; i < MAX_CHECKS && live.current; i++) {
      await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
      try {
        if (await write.applied())
          return settle({
            state: 'applied',
            message: `${write.done} The server recorded it before the connection was lost.`,
          });
        return settle({
          state: 'failed',
          action: 'Not applied',
          message: `${write.notApplied} The server could not be reached when it was sent. Your comment is kept: send it again.`,
        });
      } catch (error) {
        if (error instanceof ApiError && error.status === 0) continue;
        return settle({ state: 'failed', action: 'Not known', message: messageOf(error) });
      }
    }
    return settle({
      state: 'failed',
      action: 'Not known',
      message:
        'The server has not answered for ten minutes. Your comment is kept: reload the page to see whether it was applied.',
    });
  };
  return { outcome, run };
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}
