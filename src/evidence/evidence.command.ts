import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson } from '../cli/output.js';
import { invalidInput, WardenError } from '../core/errors.js';
import { readTrustedKey, verifyPack } from './pack-verify.js';

/** `warden evidence export|verify`: signed evidence packs, and their offline verification. */
export function registerEvidenceCommands(program: Command): void {
  const evidence = program
    .command('evidence')
    .description('signed evidence packs for regulators and auditors');

  withClientOptions(evidence.command('export'))
    .description('export a signed evidence pack (zip) for a model and a framework')
    .requiredOption('--model <name>')
    .option('--version <semver>', 'default: the production champion, else the newest version')
    .requiredOption('--framework <framework>', 'eu-ai-act, sr-26-2, nist-ai-rmf or iso-42001')
    .requiredOption('--out <file>', 'where to write the zip')
    .action(
      async (o: ClientOptions & { model: string; version?: string; framework: string; out: string }) => {
        const response = await new ApiClient(o).raw('POST', '/api/v1/evidence-packs', {
          body: JSON.stringify({
            model: o.model,
            framework: o.framework,
            ...(o.version ? { version: o.version } : {}),
          }),
          headers: { 'content-type': 'application/json' },
        });
        if (!response.body) throw new WardenError('internal', 'the server sent no pack');
        await pipeline(Readable.fromWeb(response.body as never), fs.createWriteStream(o.out));
        const bytes = fs.statSync(o.out).size;
        if (o.json) return printJson({ out: o.out, bytes });
        process.stdout.write(`wrote ${o.out}: ${o.framework} evidence pack of ${o.model} (${bytes} bytes)\n`);
      },
    );

  evidence
    .command('verify <pack>')
    .description('verify a pack offline against a trusted key (exit 0 intact, 6 on any integrity failure)')
    .requiredOption(
      '--trusted-key <file>',
      'the Ed25519 public key (PEM) that `warden audit public-key` prints, or a saved signed head',
    )
    .option('--json', 'print the result as JSON')
    .action((pack: string, o: { trustedKey: string; json?: boolean }) => {
      let key;
      try {
        key = readTrustedKey(fs.readFileSync(o.trustedKey, 'utf8'));
      } catch (error) {
        throw invalidInput(`--trusted-key: ${(error as Error).message}`, '--trusted-key');
      }
      const verdict = verifyPack(fs.readFileSync(pack), key);
      if (!verdict.ok) throw new WardenError('integrity_failure', `${pack}: ${verdict.problem}`);
      const summary = {
        ok: true,
        model: verdict.manifest.model,
        version: verdict.manifest.version,
        framework: verdict.manifest.framework,
        files: verdict.files,
        proofs: verdict.proofs,
        auditTree: verdict.manifest.auditTree,
        gaps: verdict.manifest.gaps.map((g) => g.id),
      };
      if (o.json) return printJson(summary);
      process.stdout.write(
        `${pack}: intact — ${verdict.files} files match the signed manifest, ${verdict.proofs} audit entries proven in the tree of ${verdict.manifest.auditTree.size} (root ${verdict.manifest.auditTree.rootHash}); ${summary.gaps.length} framework items without evidence${summary.gaps.length ? `: ${summary.gaps.join(', ')}` : ''}\n`,
      );
    });
}
