/**
 * Work a server does on its own (delivering webhooks, evaluating monitors, escalating alerts,
 * advancing rollouts). Each domain exports its tasks; the server lists them. `Ctx` is the
 * context the server passes (the application context), kept generic so that this type needs no domain.
 */
export interface BackgroundTask<Ctx> {
  name: string;
  /** Does one round of work now and resolves when it is done (tests call this directly). */
  runOnce(ctx: Ctx): Promise<void>;
  /** How long to wait between rounds. */
  intervalMs: number;
}
