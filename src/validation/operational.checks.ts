import type { CheckRequirement } from '../policy/index.js';
import { missingInput, result, round, type CheckTable, type SuiteInput } from './check-context.js';
import type { CheckResult } from './validation.schema.js';

const SUBMITTED = 'submitted by the caller, not measured by Warden';

function latency(req: CheckRequirement, input: SuiteInput): CheckResult {
  const { latencyP95Ms: p95, latencyP99Ms: p99 } = input.evidence;
  const limits = { p95: input.policy.latencyP95Ms, p99: input.policy.latencyP99Ms };
  if (p95 === undefined && p99 === undefined)
    return missingInput(
      req,
      limits,
      'latency evidence',
      'submit the measured p95/p99 ("evidence.latencyP95Ms" / "latencyP99Ms", --latency-p95 / --latency-p99)',
    );
  const over: string[] = [];
  if (p95 !== undefined && !(p95 < limits.p95)) over.push(`p95 ${p95} ms is not below ${limits.p95} ms`);
  if (p99 !== undefined && !(p99 < limits.p99)) over.push(`p99 ${p99} ms is not below ${limits.p99} ms`);
  return result(
    req,
    over.length === 0 ? 'pass' : 'fail',
    { p95: p95 ?? null, p99: p99 ?? null },
    limits,
    `${SUBMITTED}${over.length > 0 ? `; ${over.join('; ')}` : ''}`,
  );
}

function memory(req: CheckRequirement, input: SuiteInput): CheckResult {
  const peak = input.evidence.peakMemoryMb;
  const limitMb = input.evidence.memoryLimitMb ?? input.policy.memoryLimitMb;
  const maxPct = input.policy.memoryMaxPct;
  if (peak === undefined)
    return missingInput(
      req,
      maxPct,
      'memory evidence',
      'submit the measured peak ("evidence.peakMemoryMb", --peak-memory-mb)',
    );
  const pct = round((peak / limitMb) * 100, 3);
  return result(
    req,
    pct < maxPct ? 'pass' : 'fail',
    pct,
    maxPct,
    `${SUBMITTED}; peak ${peak} MB of a ${limitMb} MB limit${pct < maxPct ? '' : ` is not below ${maxPct} %`}`,
  );
}

function artifact(req: CheckRequirement, input: SuiteInput): CheckResult {
  const a = input.artifact;
  switch (a.status) {
    case 'absent':
      return result(req, 'fail', null, 'present', 'the version has no artifact');
    case 'missing':
      return result(req, 'fail', null, a.expected, 'the artifact blob is missing from storage');
    case 'mismatch':
      return result(req, 'fail', a.actual, a.expected, 'the stored artifact no longer matches its digest');
    case 'match':
      return result(req, 'pass', a.sha256, a.sha256, 'artifact rehashed; SHA-256 matches');
  }
}

function signature(req: CheckRequirement, input: SuiteInput): CheckResult {
  const required = input.policy.requireSignature;
  const verified = input.version.verified;
  const signers = input.version.signatures.filter((s) => s.verified && !s.keyRevoked).map((s) => s.keyName);
  if (verified) return result(req, 'pass', true, required, `signed by ${signers.join(', ')}`);
  if (!required) return result(req, 'skipped', false, false, 'the tier does not require a signature');
  return result(
    req,
    'fail',
    false,
    true,
    input.version.signatures.length === 0
      ? 'the tier requires a signed artifact and the version has no signature'
      : 'no signature from a registered, unrevoked key verifies the artifact',
  );
}

function pii(req: CheckRequirement, input: SuiteInput): CheckResult {
  const findings = input.version.piiFindings;
  return result(
    req,
    findings.length === 0 ? 'pass' : 'fail',
    findings.length,
    0,
    findings.length === 0
      ? 'no personal data found in the version’s stored fields'
      : findings.map((f) => `${f.kind} in ${f.field}`).join('; '),
    findings.map((f) => ({ ...f })),
  );
}

export const OPERATIONAL_CHECKS: CheckTable = {
  'infrastructure.latency': latency,
  'infrastructure.memory': memory,
  'security.artifact': artifact,
  'security.signature': signature,
  'security.pii': pii,
};
