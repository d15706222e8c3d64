import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';

interface Token {
  id: string;
  principal: string;
  roles: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  token?: string;
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens');
  withClientOptions(token.command('create'))
    .description('create a token for a principal (admin); prints the secret once')
    .requiredOption('--principal <name>', 'who the token identifies')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. data-scientist,ml-engineer')
    .option('--expires-at <iso>', 'expiry time (ISO-8601)')
    .action(async (o: ClientOptions & { principal: string; roles: string; expiresAt?: string }) => {
      const created = await new ApiClient(o).request<Token>('POST', '/api/v1/tokens', {
        principal: o.principal,
        roles: o.roles
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
        ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}),
      });
      if (o.json) return printJson(created);
      printRecord(created as unknown as Record<string, unknown>, ['id', 'principal', 'roles', 'expiresAt']);
      process.stdout.write(`${created.token}\n`);
    });
  withClientOptions(token.command('list'))
    .description('list tokens (admin)')
    .action(async (o: ClientOptions) => {
      const page = await new ApiClient(o).get<{ items: Token[] }>('/api/v1/tokens', { limit: 1000 });
      if (o.json) return printJson(page);
      printTable(page.items as unknown as Array<Record<string, unknown>>, [
        'id',
        'principal',
        'roles',
        'expiresAt',
        'revokedAt',
      ]);
    });
  withClientOptions(token.command('revoke <id>'))
    .description('revoke a token (admin)')
    .action(async (id: string, o: ClientOptions) => {
      const revoked = await new ApiClient(o).request<Token>('POST', `/api/v1/tokens/${seg(id)}/revoke`);
      if (o.json) return printJson(revoked);
      process.stdout.write(`revoked ${revoked.id} (${revoked.principal})\n`);
    });
}
