import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';

/**
 * The timer's persisted schedule status (the Timers extension's StorageScheduleMonitor):
 * a blob `azure-webjobs-hosts/timers/{hostId}/{timerName}/status` holding
 * `{ Last, Next, LastUpdated }`. It lets a restarted host see an occurrence it missed
 * (isPastDue) and keeps the schedule across restarts.
 */
export const ScheduleStatusSchema = z.object({
  Last: z.string(),
  Next: z.string(),
  LastUpdated: z.string(),
});
export type ScheduleStatusJson = z.infer<typeof ScheduleStatusSchema>;

export interface ScheduleStatus { last: Date; next: Date; lastUpdated: Date }

/** DateTime.MinValue, the extension's "never". */
export const NEVER = new Date('0001-01-01T00:00:00Z');

export interface ScheduleMonitor {
  get(timer: string): Promise<ScheduleStatus | undefined>;
  update(timer: string, status: ScheduleStatus): Promise<void>;
}

export function blobScheduleMonitor(container: ContainerClient, hostId: string): ScheduleMonitor {
  const blobName = (timer: string) => `timers/${hostId}/${timer}/status`;
  let ensured: Promise<unknown> | undefined;
  return {
    async get(timer) {
      try {
        const buf = await container.getBlockBlobClient(blobName(timer)).downloadToBuffer();
        const s = ScheduleStatusSchema.parse(JSON.parse(buf.toString('utf8')));
        const last = new Date(s.Last); const next = new Date(s.Next); const lastUpdated = new Date(s.LastUpdated);
        if ([last, next, lastUpdated].some((d) => Number.isNaN(d.getTime()))) return undefined;
        return { last, next, lastUpdated };
      } catch {
        // Missing or unreadable status is treated as none, as GetSafeStatusAsync does.
        return undefined;
      }
    },
    async update(timer, status) {
      ensured ??= container.createIfNotExists();
      await ensured;
      const body = JSON.stringify({ Last: status.last.toISOString(), Next: status.next.toISOString(), LastUpdated: status.lastUpdated.toISOString() });
      await container.getBlockBlobClient(blobName(timer)).upload(body, Buffer.byteLength(body));
    },
  };
}

/**
 * How late the timer is at start (ScheduleMonitor.CheckPastDueAsync): past due when the
 * recorded next occurrence (or, if the schedule changed since, the one the new schedule
 * gives after the last update) is already behind us. Returns 0 when not past due.
 */
export function pastDueMs(now: Date, status: ScheduleStatus | undefined, nextAfter: (d: Date) => Date): number {
  if (!status) return 0;
  const expected = status.lastUpdated.getTime() > NEVER.getTime() ? nextAfter(status.lastUpdated) : status.next;
  const recorded = status.next.getTime() > expected.getTime() ? expected : status.next;
  return now.getTime() > recorded.getTime() ? now.getTime() - recorded.getTime() : 0;
}
