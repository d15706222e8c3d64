import { loadAuditSigner, type AuditSigner } from '../audit/audit-signer.js';
import { parseCheckpoint } from '../audit/index.js';
import { canonicalJson } from '../core/canonical-json.js';
import { invalidInput, notFound } from '../core/errors.js';
import { renderHtml, renderMarkdown } from '../documents/index.js';
import { getReport, reportDocument } from '../governance-reports/index.js';
import type { AppContext } from '../http/context.js';
import { generateModelCard, modelCardDocument } from '../modelcards/index.js';
import { decisionRightsFacts } from '../explanations/index.js';
import { getActivePolicy } from '../policy/index.js';
import { requireModel, requireVersion } from '../registry/registry.service.js';
import { FRAMEWORKS, type EvidenceKind, type Framework } from './framework-maps.js';
import { auditLeafHash, MerkleTree, type PackedAuditEntry } from './merkle-proof.js';
import {
  FRAMEWORK_TITLES,
  mapFramework,
  PACK_FORMAT,
  type PackFile,
  type PackManifest,
} from './pack-manifest.js';
import { linesFile, wholeFile, zipStream, type FileChunk, type FileDigests } from './zip-stream.js';

/** Most audit entries a pack proves inclusion for (the newest decisions first, then in order). */
export const MAX_CITED_ENTRIES = 5000;
/** High-volume entries a pack carries but does not cite with a proof each. */
const UNCITED_ACTIONS = new Set([
  'monitoring.inferences_ingested',
  'monitoring.evaluated',
  'monitoring.reference_ingested',
]);
const PAGE = 4000;

const signers = new WeakMap<AppContext, AuditSigner>();
function signerOf(ctx: AppContext): AuditSigner {
  let s = signers.get(ctx);
  if (!s) signers.set(ctx, (s = loadAuditSigner(ctx.config.dataDir, ctx.config.auditSigningKey)));
  return s;
}

export interface PackRequest {
  model: string;
  version?: string | undefined;
  framework: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Checks the request and resolves the version (the one named, else the production champion,
 * else the newest), before any byte is streamed, so bad input answers 400/404 and nothing else.
 */
export async function preparePack(ctx: AppContext, req: PackRequest) {
  if (!(FRAMEWORKS as readonly string[]).includes(req.framework))
    throw invalidInput(
      `framework must be one of ${FRAMEWORKS.join(', ')} (got "${req.framework}")`,
      'framework',
    );
  const model = await requireModel(ctx.db, req.model);
  let version = req.version ?? model.championVersion;
  if (!version) {
    const newest = await ctx.db
      .selectFrom('model_versions')
      .select('version')
      .where('model_id', '=', model.id)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!newest) throw notFound(`model "${model.name}" has no version to export`);
    version = newest.version;
  }
  await requireVersion(ctx.db, model.name, version);
  return { model, version, framework: req.framework as Framework };
}

/**
 * The evidence pack as a zip stream: documents (model card, stored reports), the raw records they
 * cite, the model's audit entries with an RFC 6962 inclusion proof per cited entry against the
 * audit log's signed checkpoint (included as `proofs/checkpoint.txt`), `manifest.json` mapping the framework's items to files, and
 * `manifest.sig`. Reads in pages: memory stays flat however long the audit log.
 */
export function exportEvidencePack(
  ctx: AppContext,
  prepared: Awaited<ReturnType<typeof preparePack>>,
  actor: string,
  onDone?: (manifest: PackManifest, manifestSha256: string) => Promise<void>,
): ReadableStream<Uint8Array> {
  const { model, version, framework } = prepared;
  const kinds = new Map<string, EvidenceKind[]>();
  const file = (path: string, content: string, k: EvidenceKind[] = []) => {
    kinds.set(path, k);
    return wholeFile(path, content);
  };

  async function* produce(digests: FileDigests): AsyncGenerator<FileChunk> {
    const db = ctx.db;
    const generatedAt = ctx.now().toISOString();
    // Model card.
    const card = await generateModelCard(db, model.name, version, ctx.now());
    const present = (id: string) => card.sections.some((s) => s.id === id && s.status === 'present');
    const cardKinds: EvidenceKind[] = ['model-card'];
    if (present('intendedUse')) cardKinds.push('intended-use');
    if (present('limitations')) cardKinds.push('limitations');
    if (present('ethicalConsiderations')) cardKinds.push('ethics');
    if (present('fairness')) cardKinds.push('fairness');
    const doc = modelCardDocument(card);
    yield file('documents/model-card.json', json(card), cardKinds);
    yield file('documents/model-card.md', renderMarkdown(doc), cardKinds);
    yield file('documents/model-card.html', renderHtml(doc), cardKinds);

    // Stored reports: the newest twelve of each kind.
    for (const kind of ['periodic', 'post-implementation-review'] as const) {
      const rows = await db
        .selectFrom('governance_reports')
        .select('id')
        .where('model_id', '=', model.id)
        .where('kind', '=', kind)
        .orderBy('id', 'desc')
        .limit(12)
        .execute();
      for (const { id } of rows.reverse()) {
        const r = await getReport(ctx, id);
        const k: EvidenceKind[] = [kind === 'periodic' ? 'periodic-report' : 'post-implementation-review'];
        const rdoc = reportDocument(r.meta, r.content);
        yield file(`documents/reports/${id}.json`, json({ ...r.meta, content: r.content }), k);
        yield file(`documents/reports/${id}.md`, renderMarkdown(rdoc), k);
        yield file(`documents/reports/${id}.html`, renderHtml(rdoc), k);
      }
    }

    // Raw records.
    yield file('records/model.json', json(model), ['inventory']);
    const v = await requireVersion(db, model.name, version);
    yield file('records/version.json', json(v), [
      'lineage',
      'metrics',
      ...(v.features.length ? (['features'] as const) : []),
    ]);
    const runs = await db
      .selectFrom('validation_runs')
      .selectAll()
      .where('model_id', '=', model.id)
      .orderBy('id')
      .execute();
    const waivers = runs.length
      ? await db
          .selectFrom('validation_waivers')
          .selectAll()
          .where(
            'run_id',
            'in',
            runs.map((r) => r.id),
          )
          .orderBy('id')
          .execute()
      : [];
    yield file(
      'records/validation-runs.json',
      json(
        runs.map((r) => ({
          ...r,
          checks: JSON.parse(r.checks) as unknown,
          summary: JSON.parse(r.summary) as unknown,
        })),
      ),
      runs.length ? ['validation'] : [],
    );
    yield file('records/validation-waivers.json', json(waivers), waivers.length ? ['waivers'] : []);
    const requests = await db
      .selectFrom('change_requests')
      .selectAll()
      .where('model_id', '=', model.id)
      .orderBy('id')
      .execute();
    const decisions = requests.length
      ? await db
          .selectFrom('change_request_decisions')
          .selectAll()
          .where(
            'change_request_id',
            'in',
            requests.map((r) => r.id),
          )
          .orderBy('id')
          .execute()
      : [];
    yield file(
      'records/change-requests.json',
      json(requests.map((r) => ({ ...r, decisions: decisions.filter((d) => d.change_request_id === r.id) }))),
      [
        ...(requests.length ? (['change-history'] as const) : []),
        ...(decisions.length ? (['approvals'] as const) : []),
      ],
    );
    const deployments = await db
      .selectFrom('deployments')
      .selectAll()
      .where('model_id', '=', model.id)
      .orderBy('id')
      .execute();
    yield file('records/deployments.json', json(deployments), deployments.length ? ['deployments'] : []);
    const alerts = await db
      .selectFrom('alerts')
      .selectAll()
      .where('model_id', '=', model.id)
      .orderBy('id')
      .execute();
    yield file('records/alerts.json', json(alerts), alerts.length ? ['alerts'] : []);
    const incidents = await db
      .selectFrom('incidents')
      .selectAll()
      .where('model_id', '=', model.id)
      .orderBy('id')
      .execute();
    yield file('records/incidents.json', json(incidents), incidents.length ? ['incidents'] : []);
    const retraining = await db
      .selectFrom('retraining_requests')
      .selectAll()
      .where('model_id', '=', model.id)
      .orderBy('id')
      .execute();
    yield file('records/retraining-requests.json', json(retraining), retraining.length ? ['retraining'] : []);
    const policy = await getActivePolicy(db);
    yield file('records/policy.json', json(policy), ['policy']);
    // Decision rights over the pack's period: from the model's registration to the pack's generation.
    const rights = await decisionRightsFacts(db, model.id, model.name, model.createdAt, generatedAt);
    yield file(
      'records/decision-rights.json',
      json({ model: model.name, period: { from: model.createdAt, to: generatedAt }, ...rights }),
    );

    let monitoring = 0;
    kinds.set('records/monitoring-results.ndjson', []);
    yield* linesFile(
      'records/monitoring-results.ndjson',
      (async function* () {
        let after = '';
        for (;;) {
          const page = await db
            .selectFrom('monitoring_results')
            .selectAll()
            .where('model_id', '=', model.id)
            .where('id', '>', after)
            .orderBy('id')
            .limit(PAGE)
            .execute();
          for (const r of page) yield JSON.stringify(r);
          monitoring += page.length;
          if (page.length < PAGE) return;
          after = page[page.length - 1]!.id;
        }
      })(),
    );
    if (monitoring) kinds.set('records/monitoring-results.ndjson', ['monitoring']);

    // The audit log's signed tree head (its C2SP checkpoint, signed anew when the log has grown):
    // the pack covers the entries it commits to, and every proof leads to its root.
    const treeHead = await ctx.audit.treeHead();
    if (!treeHead) throw new Error('the audit log is empty: there is no signed tree head to prove against');
    const checkpoint = parseCheckpoint(treeHead.note);
    const size = checkpoint.size;
    const subjects = new Set<string>([`model:${model.name}`]);
    for (const r of requests) subjects.add(`change_request:${r.id}`);
    for (const r of runs) subjects.add(`validation:${r.id}`);
    for (const a of alerts) subjects.add(`alert:${a.id}`);
    for (const r of retraining) subjects.add(`retraining-request:${r.id}`);
    for (const r of await db
      .selectFrom('governance_reports')
      .select('id')
      .where('model_id', '=', model.id)
      .execute())
      subjects.add(`report:${r.id}`);
    const ofModel = (s: string) => subjects.has(s) || s.startsWith(`model:${model.name}@`);
    const leaves: Buffer[] = new Array<Buffer>(size);
    const cited: PackedAuditEntry[] = [];
    let modelEntries = 0;
    kinds.set('records/audit-entries.ndjson', []);
    yield* linesFile(
      'records/audit-entries.ndjson',
      (async function* () {
        for (let from = 0; from < size; from += PAGE) {
          const rows = await db
            .selectFrom('audit_log')
            .selectAll()
            .where('seq', '>', from)
            .where('seq', '<=', Math.min(from + PAGE, size))
            .orderBy('seq')
            .execute();
          for (const r of rows) {
            const e: PackedAuditEntry = {
              seq: Number(r.seq),
              at: r.at,
              actor: r.actor,
              action: r.action,
              subject: r.subject,
              requestId: r.request_id,
              change: r.change,
              prevHash: r.prev_hash,
              hash: r.hash,
            };
            leaves[e.seq - 1] = auditLeafHash(e);
            if (!ofModel(e.subject)) continue;
            modelEntries++;
            if (!UNCITED_ACTIONS.has(e.action)) {
              cited.push(e);
              if (cited.length > MAX_CITED_ENTRIES) cited.shift();
            }
            yield JSON.stringify(e);
          }
        }
      })(),
    );
    if (modelEntries) kinds.set('records/audit-entries.ndjson', ['audit-trail']);

    const tree = new MerkleTree(leaves);
    const root = tree.root().toString('hex');
    if (root !== checkpoint.rootHash.toString('hex'))
      throw new Error(
        `the audit log's first ${size} entries do not hash to the root of its signed checkpoint: run warden audit verify`,
      );
    yield wholeFile('proofs/checkpoint.txt', treeHead.note);
    kinds.set('proofs/checkpoint.txt', []);
    yield* linesFile(
      'proofs/inclusion.ndjson',
      // eslint-disable-next-line @typescript-eslint/require-await -- linesFile reads an async iterable
      (async function* () {
        for (const e of cited)
          yield JSON.stringify({
            seq: e.seq,
            leafIndex: e.seq - 1,
            treeSize: size,
            path: tree.inclusionPath(e.seq - 1).map((h) => h.toString('hex')),
          });
      })(),
    );
    kinds.set('proofs/inclusion.ndjson', []);

    const files: PackFile[] = [...digests.entries()].map(([path, d]) => ({
      path,
      sha256: d.sha256,
      bytes: d.bytes,
      kinds: kinds.get(path) ?? [],
    }));
    const signer = signerOf(ctx);
    const manifest: PackManifest = {
      format: PACK_FORMAT,
      framework,
      frameworkTitle: FRAMEWORK_TITLES[framework],
      model: model.name,
      version,
      generatedAt,
      generatedBy: actor,
      publicKey: signer.publicKeyPem,
      auditTree: {
        size,
        rootHash: root,
        headHash: treeHead.hash,
        origin: checkpoint.origin,
        checkpoint: 'proofs/checkpoint.txt',
      },
      citedEntries: {
        count: cited.length,
        proofs: 'proofs/inclusion.ndjson',
        entries: 'records/audit-entries.ndjson',
        note: `Every audit entry of the model is in the entries file; decisions (all but ingestion and evaluation entries, at most ${MAX_CITED_ENTRIES}, the newest) carry an inclusion proof against the root of the audit log's signed checkpoint (auditTree.checkpoint, a C2SP signed note).`,
      },
      files,
      ...mapFramework(framework, files),
    };
    const manifestText = canonicalJson(manifest);
    const manifestBytes = Buffer.from(manifestText, 'utf8');
    yield wholeFile('manifest.json', manifestBytes);
    yield wholeFile('manifest.sig', `${signer.sign(manifestBytes)}\n`);
    await onDone?.(manifest, digests.get('manifest.json')!.sha256);
  }

  return zipStream(produce);
}
