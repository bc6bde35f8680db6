import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normalizeMessageId } from '../pipeline/ledger-key';

/**
 * How many automatic answers a channel sent one sender lately: the rate limit's memory.
 * One small record per channel, sender and clock hour (key = channel + sender hash +
 * hour bucket), so the wiring reads the current and the previous hour with two point
 * reads and writes one record per answer (ETag-guarded). The sender is kept as a hash
 * only: the record exists to count, not to say who wrote.
 *
 * The pure rules: `nextCount` adds an answer to a record; `answersInLastHour` counts the
 * answers of a sliding hour from the two records — a sliding hour, not the clock hour,
 * so 5 answers at 10:59 and 5 more at 11:00 are 10 in one hour, and the 6th is refused.
 * The records also keep the Message-IDs of those answers: a mail that answers one of
 * them is an autoresponder answering ours (answer-policy.ts's loop rule).
 */

/** Answers remembered per record: the highest per-hour limit a channel may set. */
export const MAX_TRACKED_ANSWERS = 100;
const HOUR_MS = 3_600_000;
/** Cosmos TTL of a record: the hour it counts, the next hour that reads it back, and slack. */
export const COUNTER_TTL_SECONDS = 3 * 3600;

export const AnswerCounter = z.object({
  /** `<senderHash>.<hour>`: unique within the channel's partition. */
  id: z.string().regex(/^[0-9a-f]{32}\.\d{10}$/),
  /** Partition key. */
  channelId: z.string().min(1),
  senderHash: z.string().regex(/^[0-9a-f]{32}$/),
  /** The clock hour (UTC) the answers fall in, `YYYYMMDDHH`. */
  hour: z.string().regex(/^\d{10}$/),
  /** Answers sent in that hour; more than `answers` holds when the list was cut. */
  count: z.number().int().min(0),
  /** The latest answers, oldest first, at most MAX_TRACKED_ANSWERS. */
  answers: z
    .array(z.object({ at: z.iso.datetime(), messageId: z.string().min(1).max(998).optional() }))
    .max(MAX_TRACKED_ANSWERS),
  ttl: z.number().int().positive(),
});
export type AnswerCounter = z.infer<typeof AnswerCounter>;

/**
 * The sender as the counter knows it: a hash of the address, lower-cased (case-folding the
 * local part too: `Jane@` and `jane@` are one person to a rate limit), with the channel
 * inside so one channel's records say nothing about another's.
 */
export function senderHash(channelId: string, address: string): string {
  return createHash('sha256').update(`answers\n${channelId}\n${address.trim().toLowerCase()}`).digest('hex').slice(0, 32);
}

/** The UTC clock hour of an instant, `YYYYMMDDHH`. */
export function hourBucket(at: Date): string {
  return at.toISOString().slice(0, 13).replace(/[-T]/g, '');
}

/** Where the counters of a sender at an instant are: the current hour's id and the previous hour's. */
export function counterIds(channelId: string, address: string, now: Date): { senderHash: string; current: string; previous: string } {
  const hash = senderHash(channelId, address);
  return { senderHash: hash, current: `${hash}.${hourBucket(now)}`, previous: `${hash}.${hourBucket(new Date(now.getTime() - HOUR_MS))}` };
}

/**
 * The record after one more answer at `at`: a new record for the hour when there is none
 * (or the one given is of another hour), else the same record counting one more, its
 * list cut to the latest MAX_TRACKED_ANSWERS.
 */
export function nextCount(
  record: AnswerCounter | undefined,
  answer: { channelId: string; sender: string; at: Date; messageId?: string | undefined },
): AnswerCounter {
  const hash = senderHash(answer.channelId, answer.sender);
  const hour = hourBucket(answer.at);
  const same = record && record.channelId === answer.channelId && record.senderHash === hash && record.hour === hour ? record : undefined;
  const entry = { at: answer.at.toISOString(), ...(answer.messageId ? { messageId: normalizeMessageId(answer.messageId) } : {}) };
  const answers = [...(same?.answers ?? []), entry].slice(-MAX_TRACKED_ANSWERS);
  return { id: `${hash}.${hour}`, channelId: answer.channelId, senderHash: hash, hour, count: (same?.count ?? 0) + 1, answers, ttl: COUNTER_TTL_SECONDS };
}

export interface RecentAnswers {
  /** Answers sent to the sender in the hour before `now`. */
  count: number;
  /** Their Message-IDs (normalised), for the loop rule. */
  messageIds: string[];
}

/**
 * The answers of the sliding hour before `now`, from the sender's records (the current and
 * the previous hour; others are ignored). Answers a cut list no longer holds are counted
 * as recent: when in doubt, the limit holds.
 */
export function answersInLastHour(records: readonly (AnswerCounter | undefined)[], now: Date): RecentAnswers {
  const since = now.getTime() - HOUR_MS;
  const current = hourBucket(now);
  const previous = hourBucket(new Date(since));
  let count = 0;
  const messageIds: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    if (!r || seen.has(r.id) || (r.hour !== current && r.hour !== previous)) continue;
    seen.add(r.id);
    const recent = r.answers.filter((a) => Date.parse(a.at) > since && Date.parse(a.at) <= now.getTime());
    // cut answers are older than every kept one: recent if the oldest kept one is
    const cut = Math.max(0, r.count - r.answers.length);
    const oldestKept = r.answers[0] ? Date.parse(r.answers[0].at) : now.getTime();
    count += recent.length + (oldestKept > since ? cut : 0);
    for (const a of recent) if (a.messageId) messageIds.push(a.messageId);
  }
  return { count, messageIds };
}
