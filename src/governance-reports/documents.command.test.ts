import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import type { Command } from 'commander';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { loadAuditSigner } from '../audit/audit-signer.js';
import { registerEvidenceCommands } from '../evidence/evidence.command.js';
import { readTrustedKey, verifyPack } from '../evidence/pack-verify.js';
import { registerModelCardCommands } from '../modelcards/model-card.command.js';
import { features, post, seeded } from '../monitoring/monitoring.test-helper.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { registerReportCommands } from './report.command.js';

const V = '/api/v1/models/credit/versions/1.0.0';

/**
 * The document commands against a real server: `warden model-card`, `warden reports
 * list|generate|show|download` and `warden evidence export`, each checked against what the API
 * itself answers.
 */
describeEachBackend('document commands', (backend) => {
  let h: WorkflowHarness;
  let tmp: string;
  let env: Record<string, string>;
  let deployment: string;
  const register = (program: Command) => {
    registerModelCardCommands(program);
    registerReportCommands(program);
    registerEvidenceCommands(program);
  };
  const warden = (args: string[], token?: string) =>
    runCommandsInProcess(register, args, token ? { ...env, WARDEN_TOKEN: token } : env);
  const apiText = async (p: string) =>
    (await fetch(`${h.s.url}${p}`, { headers: { authorization: `Bearer ${h.s.adminToken}` } })).text();

  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-doc-cli-'));
    env = { WARDEN_URL: h.s.url, WARDEN_TOKEN: h.s.adminToken };
    await h.createModel('credit', 1, { team: 'risk' });
    await h.createVersion('credit', '1.0.0', { metrics: { accuracy: 0.9, precision: 0.9, recall: 0.9 } });
    const dep = await h.s.api('POST', `${V}/deployments`, {
      body: { environment: 'shadow', target: 'scoring-api' },
    });
    expect(dep.status).toBe(201);
    deployment = dep.body.id as string;
    h.clock.now = new Date('2026-03-04T09:00:00.000Z');
    const rng = seeded(7);
    await post(
      h.s,
      `${V}/inferences`,
      Array.from({ length: 100 }, (_, i) => ({
        id: `r${i}`,
        timestamp: '2026-03-03T10:00:00Z',
        features: features(rng),
        prediction: i % 2,
        score: i % 2 ? 0.8 : 0.2,
      })),
    );
  });
  afterAll(async () => {
    await h.s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('model-card writes a human section from a file, prints the card as the API renders it, and lists revisions', async () => {
    const file = path.join(tmp, 'limitations.txt');
    fs.writeFileSync(file, 'Thin-file applicants score poorly.');
    const dana = await h.as('dana', ['data-scientist']);
    const set = await warden(['model-card', 'credit', '1.0.0', '--set', `limitations=${file}`], dana);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('limitations: revision 1 written by dana\n');

    const md = await warden(['model-card', 'credit', '1.0.0']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('# Model card: credit 1.0.0');
    expect(md.stdout).toContain('Thin-file applicants score poorly.');
    expect(md.stdout).toContain(
      '_Written by dana at 2026-03-04T09:00:00.000Z (model-card API, revision 1)._',
    );

    const out = path.join(tmp, 'card.html');
    const html = await warden(['model-card', 'credit', '1.0.0', '--format', 'html', '--out', out]);
    expect(html.code, html.stderr).toBe(0);
    const page = fs.readFileSync(out, 'utf8');
    expect(html.stdout).toBe(`wrote ${out}: model card of credit 1.0.0 (${Buffer.byteLength(page)} bytes)\n`);
    expect(page).toContain('<h1>Model card: credit 1.0.0</h1>');

    const json = await warden(['model-card', 'credit', '1.0.0', '--format', 'json']);
    const card = JSON.parse(json.stdout);
    expect(card.kind).toBe('model-card');
    expect(card.gaps).not.toContain('limitations');

    const history = await warden(['model-card', 'credit', '1.0.0', '--history', '--json']);
    expect(JSON.parse(history.stdout).items).toEqual([
      expect.objectContaining({ section: 'limitations', revision: 1, writtenBy: 'dana' }),
    ]);

    const bad = await warden(['model-card', 'credit', '1.0.0', '--format', 'pdf']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--format');
  });

  it('reports generate, list, show and download a periodic report and a review, byte for byte as the API serves them', async () => {
    const gen = await warden([
      'reports',
      'generate',
      '--model',
      'credit',
      '--from',
      '2026-03-03T00:00:00Z',
      '--to',
      '2026-03-04T00:00:00Z',
      '--json',
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    const periodic = JSON.parse(gen.stdout);
    expect(periodic).toMatchObject({ kind: 'periodic', model: 'credit' });

    const pir = await warden(['reports', 'generate', '--deployment', deployment, '--json']);
    expect(pir.code, pir.stderr).toBe(0);
    expect(JSON.parse(pir.stdout)).toMatchObject({ kind: 'post-implementation-review', model: 'credit' });

    const list = await warden(['reports', 'list', '--json']);
    expect((JSON.parse(list.stdout).items as { id: string }[]).map((r) => r.id).sort()).toEqual(
      [periodic.id, JSON.parse(pir.stdout).id].sort(),
    );
    const table = await warden(['reports', 'list', '--kind', 'periodic']);
    expect(table.stdout).toContain(periodic.id);
    expect(table.stdout).not.toContain(JSON.parse(pir.stdout).id);

    const shown = await warden(['reports', 'show', periodic.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(await apiText(`/api/v1/reports/${periodic.id}?format=md`));
    expect(shown.stdout).toContain('# Periodic monitoring report: credit');

    for (const format of ['html', 'md']) {
      const out = path.join(tmp, `report.${format}`);
      const saved = await warden(['reports', 'download', periodic.id, '--format', format, '--out', out]);
      expect(saved.code, saved.stderr).toBe(0);
      expect(fs.readFileSync(out, 'utf8')).toBe(
        await apiText(`/api/v1/reports/${periodic.id}?format=${format}`),
      );
    }

    const future = await warden([
      'reports',
      'generate',
      '--model',
      'credit',
      '--from',
      '2026-03-04T00:00:00Z',
      '--to',
      '2026-03-05T00:00:00Z',
    ]);
    expect(future.code).not.toBe(0);
    expect(future.stderr).toContain('(field: to)');
  });

  it('evidence export writes a pack that verifies, for each framework; refuses an unknown one and roles that may not export', async () => {
    const key = readTrustedKey(
      loadAuditSigner(h.s.ctx.config.dataDir, h.s.ctx.config.auditSigningKey).publicKeyPem,
    );
    const compliance = await h.as('cora', ['compliance']);
    for (const framework of ['eu-ai-act', 'sr-26-2', 'nist-ai-rmf', 'iso-42001']) {
      const out = path.join(tmp, `${framework}.zip`);
      const run = await warden(
        ['evidence', 'export', '--model', 'credit', '--framework', framework, '--out', out],
        compliance,
      );
      expect(run.code, run.stderr).toBe(0);
      const bytes = fs.readFileSync(out);
      expect(run.stdout).toBe(`wrote ${out}: ${framework} evidence pack of credit (${bytes.length} bytes)\n`);
      const verdict = verifyPack(bytes, key);
      expect(verdict.ok, verdict.ok ? '' : verdict.problem).toBe(true);
      const manifest = JSON.parse(strFromU8(unzipSync(bytes)['manifest.json']!));
      expect(manifest).toMatchObject({ framework, model: 'credit', version: '1.0.0' });
    }

    const unknown = path.join(tmp, 'unknown.zip');
    const bad = await warden(
      ['evidence', 'export', '--model', 'credit', '--framework', 'gdpr', '--out', unknown],
      compliance,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('(field: framework)');
    expect(fs.existsSync(unknown)).toBe(false);

    const refused = path.join(tmp, 'refused.zip');
    const dana = await h.as('dana', ['data-scientist']);
    const denied = await warden(
      ['evidence', 'export', '--model', 'credit', '--framework', 'eu-ai-act', '--out', refused],
      dana,
    );
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('dana lacks a role this route needs');
    expect(fs.existsSync(refused)).toBe(false);
  });
});
