import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/** How long a run of statements may hold the event loop before the next one waits a turn. */
export const SLICE_MS = 10;

/**
 * On the embedded store every statement runs synchronously on the event loop, and a chain of
 * awaited statements never lets it poll for I/O: a long run of them (a scheduler round over
 * thousands of models, a purge) would hold off every request, `/healthz` included, until it ends.
 * This plugin gives the loop back once a run of statements has held it for {@link SLICE_MS}: the
 * next statement's result is handed over after one turn of the loop, in which pending requests are
 * read and queued for the connection. It never yields inside a transaction: a transaction holds
 * the file's write lock, and another connection to the same file waiting for that lock (busy
 * timeout) waits synchronously, so a transaction runs to its end as before and the turn comes
 * with the first statement after it.
 */
export class EventLoopSlices implements KyselyPlugin {
  /** When the current run of statements began, or null when the loop has turned since. */
  #runStart: number | null = null;
  readonly #inTransaction: () => boolean;
  readonly #sliceMs: number;

  constructor(inTransaction: () => boolean, sliceMs = SLICE_MS) {
    this.#inTransaction = inTransaction;
    this.#sliceMs = sliceMs;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const now = performance.now();
    if (this.#runStart === null) {
      this.#runStart = now;
      // Runs at the loop's next check phase, i.e. once I/O has been polled: a new run begins after it.
      setImmediate(() => {
        this.#runStart = null;
      });
    } else if (now - this.#runStart >= this.#sliceMs && !this.#inTransaction()) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return args.result;
  }
}
