import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import type { Rollout } from './rollout.schema.js';

const LIST_COLUMNS = [
  'id',
  'model',
  'strategy',
  'status',
  'candidate',
  'champion',
  'step',
  'candidateShare',
  'verdict',
  'createdAt',
];

function numbersOf(value: string | undefined, flag: string): number[] | undefined {
  if (value === undefined) return undefined;
  const steps = value.split(',').map((s) => Number(s.trim()));
  if (steps.some((n) => !Number.isFinite(n)))
    throw invalidInput(`${flag} expects numbers separated by commas, got "${value}"`, flag);
  return steps;
}

function numberOf(value: string | undefined, flag: string): number | undefined {
  return numbersOf(value, flag)?.[0];
}

/** Status as a person reads it: step, weights, and each metric per variant with its samples and verdict. */
/** The governance change request holding a rollout looser than the tier's policy (a 202). */
interface HeldRollout {
  id: string;
  kind: string;
  status: string;
  required: Array<{ role: string; count: number }>;
  payload: { fields?: Array<{ field: string; requested: unknown; policy: unknown; policyPath: string }> };
}

function printHeld(cr: HeldRollout): void {
  process.stdout.write(
    `not started: the plan is looser than the tier's policy; held for approval in change request ${cr.id} (${cr.status}), needing ${cr.required.map((r) => `${r.count} ${r.role}`).join(', ')}\n`,
  );
  printTable(
    (cr.payload.fields ?? []).map((f) => ({
      field: f.field,
      requested: JSON.stringify(f.requested),
      policy: JSON.stringify(f.policy),
      'policy path': f.policyPath,
    })),
    ['field', 'requested', 'policy', 'policy path'],
  );
}

function printStatus(r: Rollout): void {
  const out = process.stdout;
  out.write(`rollout ${r.id}: ${r.model} ${r.strategy} ${r.candidate} against ${r.champion} — ${r.status}\n`);
  out.write(
    `step ${r.step + 1} of ${r.steps.length} (${r.steps.join(' → ')}), weights champion ${r.weights.champion} % / candidate ${r.weights.candidate} %\n`,
  );
  if (r.phase)
    out.write(
      r.phase === 'smoke'
        ? 'phase: smoke analysis (the full switch follows when it passes)\n'
        : 'phase: switched (a breach switches back to the champion)\n',
    );
  if (r.reason) out.write(`reason: ${r.reason}\n`);
  out.write(`verdict: ${r.verdict ?? 'not analysed yet'}   next analysis: ${r.nextAnalysisAt}\n`);
  if (r.analysis.length > 0)
    printTable(
      r.analysis.map((m) => ({
        metric: m.metric,
        champion: m.value.champion,
        championN: m.counts.champion,
        candidate: m.value.candidate,
        candidateN: m.counts.candidate,
        threshold: m.threshold,
        verdict:
          (m.blocking ? m.verdict : `${m.verdict} (advisory)`) +
          (m.failureLimit ? ` (${m.failures ?? 0}/${m.failureLimit} failures)` : ''),
      })),
      ['metric', 'champion', 'championN', 'candidate', 'candidateN', 'threshold', 'verdict'],
    );
}

/** `warden rollouts start|status|promote|pause|resume|abort|list`. */
export function registerRolloutCommands(program: Command): void {
  const rollouts = program
    .command('rollouts')
    .description('canary, shadow, blue-green and A/B rollouts with automatic rollback');

  withClientOptions(rollouts.command('start <model> <candidate>'))
    .description('start a rollout of an approved candidate against the champion')
    .requiredOption('--strategy <strategy>', 'canary | shadow | blue-green | ab')
    .option('--steps <list>', 'canary steps, e.g. 10,25,50,100 (default: the tier’s policy)')
    .option('--interval <seconds>', 'analysis interval')
    .option('--step-seconds <seconds>', 'least time each step holds')
    .option('--min-samples <n>', 'records each variant needs before a step can pass')
    .option('--max-wait <seconds>', 'pause (and notify) when a step has waited this long')
    .option('--error-rate <fraction>', 'abort above this candidate error rate, e.g. 0.005')
    .option('--latency-p95 <ms>', 'abort above this candidate p95 latency')
    .option('--duration-hours <h>', 'shadow and A/B: how long the rollout runs at least')
    .option(
      '--smoke-pct <percent>',
      'blue-green: candidate share of live traffic while smoke-tested (default 0)',
    )
    .option('--ab-metric <metric>', 'A/B outcome: error_rate | accuracy | latency_ms')
    .option('--ab-baseline <rate>', 'A/B: the champion rate the effect is measured from')
    .option('--ab-sd <value>', 'A/B on latency: the outcome standard deviation')
    .option('--ab-mde <effect>', 'A/B: minimum detectable effect (absolute)')
    .option('--ab-split <percent>', 'A/B: candidate share (default 50)')
    .action(
      async (model: string, candidate: string, o: ClientOptions & Record<string, string | undefined>) => {
        const thresholds = {
          ...(o.errorRate !== undefined ? { errorRate: numberOf(o.errorRate, '--error-rate') } : {}),
          ...(o.latencyP95 !== undefined ? { latencyP95Ms: numberOf(o.latencyP95, '--latency-p95') } : {}),
        };
        const analysis = {
          ...(o.interval !== undefined ? { intervalSeconds: numberOf(o.interval, '--interval') } : {}),
          ...(o.stepSeconds !== undefined ? { stepSeconds: numberOf(o.stepSeconds, '--step-seconds') } : {}),
          ...(o.minSamples !== undefined
            ? { minSamplesPerVariant: numberOf(o.minSamples, '--min-samples') }
            : {}),
          ...(o.maxWait !== undefined ? { maxWaitSeconds: numberOf(o.maxWait, '--max-wait') } : {}),
          ...(Object.keys(thresholds).length > 0 ? { thresholds } : {}),
        };
        const body = {
          candidate,
          strategy: o.strategy,
          ...(o.steps !== undefined ? { steps: numbersOf(o.steps, '--steps') } : {}),
          ...(Object.keys(analysis).length > 0 ? { analysis } : {}),
          ...(o.durationHours !== undefined
            ? { durationHours: numberOf(o.durationHours, '--duration-hours') }
            : {}),
          ...(o.smokePct !== undefined ? { smokePct: numberOf(o.smokePct, '--smoke-pct') } : {}),
          ...(o.abMde !== undefined
            ? {
                ab: {
                  mde: numberOf(o.abMde, '--ab-mde'),
                  ...(o.abMetric !== undefined ? { metric: o.abMetric } : {}),
                  ...(o.abBaseline !== undefined
                    ? { baseline: numberOf(o.abBaseline, '--ab-baseline') }
                    : {}),
                  ...(o.abSd !== undefined ? { sd: numberOf(o.abSd, '--ab-sd') } : {}),
                  ...(o.abSplit !== undefined ? { split: numberOf(o.abSplit, '--ab-split') } : {}),
                },
              }
            : {}),
        };
        const r = await new ApiClient(o).request<Rollout | HeldRollout>(
          'POST',
          `/api/v1/models/${seg(model)}/rollouts`,
          body,
        );
        if (o.json) return printJson(r);
        return 'kind' in r ? printHeld(r) : printStatus(r);
      },
    );

  withClientOptions(rollouts.command('status <model> [id]'))
    .description('the active (or latest) rollout of a model, or one rollout by id')
    .action(async (model: string, id: string | undefined, o: ClientOptions) => {
      const r = await new ApiClient(o).get<Rollout>(
        `/api/v1/models/${seg(model)}/rollouts/${id ? seg(id) : 'current'}`,
      );
      return o.json ? printJson(r) : printStatus(r);
    });

  for (const control of ['promote', 'pause', 'resume', 'abort'] as const)
    withClientOptions(rollouts.command(`${control} <model> <id>`))
      .description(
        control === 'promote'
          ? 'skip to the next step (at the last step: complete)'
          : control === 'abort'
            ? 'abort and roll back'
            : `${control} the rollout`,
      )
      .option('--reason <text>')
      .action(async (model: string, id: string, o: ClientOptions & { reason?: string }) => {
        const r = await new ApiClient(o).request<Rollout>(
          'POST',
          `/api/v1/models/${seg(model)}/rollouts/${seg(id)}/${control}`,
          o.reason !== undefined ? { reason: o.reason } : {},
        );
        return o.json ? printJson(r) : printStatus(r);
      });

  withClientOptions(rollouts.command('list'))
    .description('rollouts, newest first')
    .option('--status <status>', 'pending | progressing | paused | succeeded | aborted')
    .option('--model <name>')
    .option('--limit <n>', 'how many', '50')
    .action(async (o: ClientOptions & Record<string, string | undefined>) => {
      const page = await new ApiClient(o).get<{ items: Rollout[] }>('/api/v1/rollouts', {
        status: o.status,
        model: o.model,
        limit: o.limit,
      });
      if (o.json) return printJson(page);
      printTable(
        page.items.map((r) => ({
          ...r,
          step: `${r.step + 1}/${r.steps.length}`,
          candidateShare: r.weights.candidate,
        })),
        LIST_COLUMNS,
      );
    });
}
