import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { GraphSimulator } from '../graph-simulator';

/**
 * The demo mailboxes on disk, so `npm start` shows yesterday's conversation again: every
 * message with its folder path, receive time and read flag (ids are new after a restore;
 * the channel's stored delta link then no longer resolves and it re-syncs — its ledger
 * keeps that from making a ticket twice), and the change subscriptions, which Graph keeps
 * too: without them the channel, whose subscription record says it is subscribed, would
 * fall back to polling. Written atomically (temp file + rename).
 */
const SnapshotMessage = z.object({
  folder: z.string().min(1),
  receivedDateTime: z.iso.datetime({ offset: true }),
  isRead: z.boolean(),
  rawBase64: z.base64(),
});

/** A subscription as the simulator holds it, its folder named by path (folder ids are new after a restore). */
const SnapshotSubscription = z.object({
  id: z.string().min(1),
  resource: z.string(),
  changeType: z.string(),
  clientState: z.string().optional(),
  notificationUrl: z.string(),
  lifecycleNotificationUrl: z.string().optional(),
  expirationDateTime: z.string(),
  applicationId: z.string(),
  creatorId: z.string(),
  tenantId: z.string(),
  mailbox: z.string(),
  folderPath: z.string().optional(),
  immutableIds: z.boolean(),
});

export const MailboxSnapshot = z.object({
  version: z.literal(1),
  mailboxes: z.record(z.string(), z.array(SnapshotMessage)),
  subscriptions: z.array(SnapshotSubscription).default([]),
});
export type MailboxSnapshot = z.infer<typeof MailboxSnapshot>;

export function takeSnapshot(sim: GraphSimulator): MailboxSnapshot {
  const mailboxes: MailboxSnapshot['mailboxes'] = {};
  for (const address of sim.mailboxAddresses()) {
    mailboxes[address] = sim.folderPaths(address).flatMap((folder) =>
      sim.folderMessages(address, folder).flatMap((m) => {
        const raw = sim.rawMessage(address, m.id);
        return raw ? [{ folder, receivedDateTime: m.receivedDateTime, isRead: m.isRead, rawBase64: raw.toString('base64') }] : [];
      }),
    );
  }
  const subscriptions = sim.subscriptions().flatMap(({ folderId, ...s }) => {
    if (!folderId) return [s];
    const folderPath = sim.folderPaths(s.mailbox).find((p) => sim.folderId(s.mailbox, p) === folderId);
    return folderPath ? [{ ...s, folderPath }] : [];
  });
  return { version: 1, mailboxes, subscriptions };
}

/** Number of messages put back; a missing file is an empty start, a damaged one is set aside. */
export async function restoreSnapshot(sim: GraphSimulator, file: string, log: (m: string) => void): Promise<number> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  let parsed: MailboxSnapshot;
  try {
    parsed = MailboxSnapshot.parse(JSON.parse(text));
  } catch (err) {
    const aside = `${file}.damaged-${Date.now()}`;
    fs.renameSync(file, aside);
    const why = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; ') : (err as Error).message;
    log(`demo mailboxes: ${path.basename(file)} could not be read (${why.slice(0, 300)}); moved to ${path.basename(aside)}, starting empty`);
    return 0;
  }
  let n = 0;
  for (const [address, messages] of Object.entries(parsed.mailboxes)) {
    sim.addMailbox(address);
    for (const m of messages) {
      await sim.deliver(address, m.folder, Buffer.from(m.rawBase64, 'base64'), { receivedAt: new Date(m.receivedDateTime), isRead: m.isRead });
      n++;
    }
  }
  for (const { folderPath, ...s } of parsed.subscriptions) {
    const folderId = folderPath ? sim.folderId(s.mailbox, folderPath) : undefined;
    if ((folderPath && !folderId) || !sim.mailboxAddresses().includes(s.mailbox)) continue;
    sim.restoreSubscription({ ...s, ...(folderId ? { folderId } : {}) });
  }
  return n;
}

export function writeSnapshot(file: string, snapshot: MailboxSnapshot): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(snapshot));
  fs.renameSync(tmp, file);
}
