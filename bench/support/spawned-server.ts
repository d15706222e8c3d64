/** What the benchmarks that start `warden serve` as a process of its own share. Traffic goes to 127.0.0.1 only. */

/** Waits until the server at `url` answers `/healthz` (at most 60 s). */
export async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

/** Runs `fn` over `items` with `width` calls in flight at once, as that many clients would. */
export async function inParallel<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
