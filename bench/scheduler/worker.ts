/**
 * One scheduler process for `bench/scheduler/run.ts`: opens the store named by BENCH_CONFIG with
 * the clock fixed at BENCH_CLOCK, prints "ready", waits for a line on stdin, then runs scheduler
 * rounds until none runs anything (or BENCH_LIMIT_MS passes) and prints `{ran, ms, cpuMs}` (this
 * process's user + system CPU over the drain). It keeps its store open until stdin closes, so the
 * caller can read the CPU of its PostgreSQL backends first.
 */
import type { Config } from '../../src/config/config.js';
import { runDueMonitors } from '../../src/monitoring/monitor-schedule.js';
import { createServices } from '../../src/server/services.js';

const config = JSON.parse(process.env.BENCH_CONFIG!) as Config;
const clock = new Date(process.env.BENCH_CLOCK!);
const limit = Number(process.env.BENCH_LIMIT_MS);
const ctx = await createServices(config, () => clock);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const began = performance.now();
const cpu = process.cpuUsage();
let ran = 0;
for (;;) {
  const n = await runDueMonitors(ctx, 'bench');
  ran += n;
  if (n === 0 || performance.now() - began > limit) break;
}
const ms = performance.now() - began;
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ ran, ms, cpuMs: (used.user + used.system) / 1000 })}\n`);
await new Promise<void>((resolve) => {
  if (process.stdin.readableEnded) resolve();
  else process.stdin.once('end', () => resolve());
});
await ctx.denials.close();
await ctx.store.close();
process.exit(0);
