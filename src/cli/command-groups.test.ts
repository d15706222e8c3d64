import { Command } from 'commander';
import { expect, it } from 'vitest';
import { COMMAND_GROUPS, registerCommandGroups, requestedCommand } from './command-groups.js';

it('lists for every group exactly the top-level commands it registers', async () => {
  for (const group of COMMAND_GROUPS) {
    const program = new Command('warden');
    for (const register of await group.load()) register(program);
    expect(program.commands.map((c) => c.name()).sort()).toEqual([...group.commands].sort());
  }
});

it('names each top-level command in one group only', () => {
  const all = COMMAND_GROUPS.flatMap((g) => g.commands);
  expect(new Set(all).size).toBe(all.length);
});

it('loads only the named group, and every group for help or an unknown command', async () => {
  expect(requestedCommand(['--json', 'audit', 'verify'])).toBe('audit');
  const one = new Command('warden');
  await registerCommandGroups(one, ['audit', 'verify', '--data-dir', 'x']);
  expect(one.commands.map((c) => c.name())).toEqual(['audit']);

  const policy = new Command('warden');
  await registerCommandGroups(policy, ['policy', 'propose', 'p.yaml']);
  expect(policy.commands.map((c) => c.name())).toEqual(['policy']);
  expect(policy.commands[0]!.commands.map((c) => c.name())).toContain('propose');

  for (const args of [[], ['--help'], ['no-such-command']]) {
    const program = new Command('warden');
    await registerCommandGroups(program, args);
    expect(program.commands.length).toBe(COMMAND_GROUPS.flatMap((g) => g.commands).length);
  }
});

it('loads no group to print the version', async () => {
  for (const flag of ['--version', '-V']) {
    const program = new Command('warden');
    await registerCommandGroups(program, [flag]);
    expect(program.commands).toEqual([]);
  }
});
