import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulatorEnv, type EmulatorEnv } from '../store/emulator-env';
import { pipelineHarness } from '../../support/pipeline-harness';
import { rfc822 } from '../../support/mail-e2e';
import { syncMailbox } from '../../../shared/pipeline/sync-mailbox';

/**
 * syncMailbox with the real sync state (Cosmos emulator) and an in-memory mailbox:
 * one listing per folder at a time, and no request lost to that rule.
 */
let env: EmulatorEnv;
before(async () => { env = await useEmulatorEnv(); });
after(async () => { await env.stop(); });

test('two syncs at the same moment queue each of five mails once', async () => {
  const h = pipelineHarness();
  for (let i = 0; i < 5; i++) h.mailbox.append('INBOX', rfc822({ subject: `Mail ${i}` }), `<sync-twice-${i}@client.example.org>`);
  const reports = await Promise.all([h.sync('manual'), h.sync('schedule')]);
  assert.equal(h.queue.length, 5, 'five messages for five mails');
  assert.equal(reports.flatMap((r) => r.folders).reduce((a, f) => a + f.listed, 0), 5);
  assert.equal(h.mailbox.calls.listNew <= 3, true, 'the second sync did not list the folder from the same position');
});

test('a sync asked for while another lists the folder is not lost: the holder lists once more and queues the mail that arrived', async () => {
  const h = pipelineHarness();
  h.mailbox.append('INBOX', rfc822({ subject: 'Before' }), '<during-0@client.example.org>');
  const deps = h.syncDeps();
  let second: Promise<unknown> | undefined;
  const report = await syncMailbox(
    { channelId: h.channel.id, reason: 'schedule', fullResync: false, requestedAt: new Date().toISOString() },
    {
      ...deps,
      openSource: async (channel) => {
        const s = await deps.openSource(channel);
        return {
          ...s,
          listNew: async (folder, cursor, options) => {
            const listing = await s.listNew(folder, cursor, options);
            if (!second) {
              // while this listing runs: a mail arrives and "sync now" is asked for
              h.mailbox.append('INBOX', rfc822({ subject: 'During' }), '<during-1@client.example.org>');
              second = h.sync('manual');
              const skipped = (await second) as { busy?: string[] };
              assert.deepEqual(skipped.busy, ['Inbox'], 'the second sync leaves the folder to the first');
            }
            return listing;
          },
        };
      },
    },
  );
  assert.equal(report.folders[0]?.listed, 2);
  assert.deepEqual(h.queue.map((q) => q.body.internetMessageId).sort(), ['<during-0@client.example.org>', '<during-1@client.example.org>']);
});
