import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

/**
 * A comment typed on the dashboard survives a reload and a server restart, and its submission
 * always ends clearly: applied, or not applied with the comment kept to send again, even when the
 * server stops while the vote is on its way.
 */
describeInChromium('comments across a server restart', (backend, b) => {
  let server: TestServer;
  const requests: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer(backend);
    const dana = await server.tokenFor('dana', ['data-scientist']);
    for (const name of ['scorecard-a', 'scorecard-b']) {
      expect(
        (
          await server.api('POST', '/api/v1/models', {
            body: { name, owner: 'dana', team: 'risk', riskTier: 1, description: 'Application scorecard' },
          })
        ).status,
      ).toBe(201);
      expect(
        (await server.api('POST', `/api/v1/models/${name}/versions`, { body: versionBody('1.0.0') })).status,
      ).toBe(201);
      const opened = await server.api('POST', `/api/v1/models/${name}/versions/1.0.0/transitions`, {
        token: dana,
        body: { to: 'staging', reason: 'Backtest complete' },
      });
      expect(opened.status).toBe(201);
      requests[name] = opened.body.id as string;
    }
  });
  afterAll(async () => {
    await server?.start(); // a failed test may leave it stopped
    await server?.close();
  });

  const decisions = async (id: string) =>
    ((await server.api('GET', `/api/v1/change-requests/${id}`)).body.decisions as any[]).map((d) => [
      d.principal,
      d.role,
      d.decision,
      d.comment,
    ]);
  const drafts = (p: Page) =>
    p.evaluate(() => {
      const storage = (globalThis as unknown as { localStorage: { length: number; key(i: number): string } })
        .localStorage;
      return Array.from({ length: storage.length }, (_, i) => storage.key(i)).filter((k) =>
        k.startsWith('warden.draft.'),
      );
    });

  it('keeps a half-typed comment through a reload and a restart, and says the vote sent while down was not applied', async () => {
    const id = requests['scorecard-a']!;
    const comment = 'Backtest reviewed: the 2025 holdout AUC is 0.81';
    const mia = await b.signedIn(
      server.url,
      await server.tokenFor('mia', ['ml-engineer']),
      `/change-requests/${id}`,
      { serverStops: true },
    );
    await mia.getByLabel('Comment').fill(comment);
    await mia.reload();
    await expect.poll(() => mia.getByLabel('Comment').inputValue()).toBe(comment);

    await server.stop();
    await mia.getByRole('button', { name: 'Approve as ml-engineer' }).click();
    await mia
      .getByRole('status')
      .filter({ hasText: /could not be reached, so whether this was applied is not known yet/ })
      .waitFor();
    expect(await mia.getByRole('button', { name: 'Approve as ml-engineer' }).isDisabled()).toBe(true);
    expect(await mia.getByLabel('Comment').inputValue()).toBe(comment);
    await b.shot(mia, 'comment-server-down');

    await server.start();
    const refusal = mia.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.innerText()).toBe(
      'Not applied: Your approval as ml-engineer was not recorded. The server could not be reached when it was sent. Your comment is kept: send it again.',
    );
    expect(await decisions(id)).toEqual([]);
    await expectAccessible(mia, 'comment not applied');
    await b.shot(mia, 'comment-not-applied');

    // The comment is still there after the restart, in a fresh load of the page, and now goes through.
    await mia.reload();
    await expect.poll(() => mia.getByLabel('Comment').inputValue()).toBe(comment);
    await mia.getByRole('button', { name: 'Approve as ml-engineer' }).click();
    await mia.getByRole('status').filter({ hasText: 'Approved as ml-engineer.' }).waitFor();
    expect(await decisions(id)).toEqual([['mia', 'ml-engineer', 'approve', comment]]);
    expect(await drafts(mia)).toEqual([]);
  });

  it('a vote applied just before the server stopped is reported applied once the server is back', async () => {
    const id = requests['scorecard-b']!;
    const comment = 'Validation evidence is in order';
    const val = await b.signedIn(
      server.url,
      await server.tokenFor('val', ['validator']),
      `/change-requests/${id}`,
      { serverStops: true },
    );
    await val.getByLabel('Comment').fill(comment);
    expect(await drafts(val)).toEqual([`warden.draft.val/change-request/${id}`]);
    // The vote reaches the server and is stored; then the server stops and the answer is lost.
    let stored = 0;
    await val.route(`**/api/v1/change-requests/${id}/decisions`, async (route) => {
      stored = (await route.fetch()).status();
      await server.stop();
      await route.abort('connectionreset');
    });
    await val.getByRole('button', { name: 'Approve as validator' }).click();
    await val
      .getByRole('status')
      .filter({ hasText: /not known yet/ })
      .waitFor();
    expect(stored).toBe(200);
    expect(await val.getByLabel('Comment').inputValue()).toBe(comment);

    await server.start();
    await val
      .getByRole('status')
      .filter({ hasText: 'Approved as validator. The server recorded it before the connection was lost.' })
      .waitFor();
    expect(await decisions(id)).toEqual([['val', 'validator', 'approve', comment]]);
    expect(await drafts(val)).toEqual([]);
    await val.getByText(`“${comment}”`).waitFor();
    await b.shot(val, 'comment-applied-before-restart');
  });

  it('signing out forgets the drafts', async () => {
    const id = requests['scorecard-b']!;
    const max = await b.signedIn(
      server.url,
      await server.tokenFor('max', ['ml-engineer']),
      `/change-requests/${id}`,
    );
    await max.getByLabel('Comment').fill('Not finished yet');
    expect(await drafts(max)).toHaveLength(1);
    await max.getByRole('button', { name: 'Sign out' }).click();
    await max.getByLabel('Token').waitFor();
    expect(await drafts(max)).toEqual([]);
  });
});
