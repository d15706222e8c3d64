import type { WriteOutcome } from '../checked-write';
import { ErrorBox } from './ui';

/** A write's outcome in words: applied (a status), refused or not applied (an alert), or still being checked. */
export function WriteOutcomeNote({ outcome }: { outcome: WriteOutcome }) {
  return (
    <>
      {outcome.state === 'failed' ? <ErrorBox error={outcome.message} action={outcome.action} /> : null}
      <p
        class={outcome.state === 'applied' || outcome.state === 'unknown' ? 'notice' : undefined}
        role="status"
      >
        {outcome.state === 'applied'
          ? outcome.message
          : outcome.state === 'unknown'
            ? 'The server could not be reached, so whether this was applied is not known yet. Your comment is kept, and this page asks the server again every few seconds.'
            : ''}
      </p>
    </>
  );
}
