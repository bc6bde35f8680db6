import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normalizeMessageId } from '../pipeline/ledger-key';

/**
 * How many automatic answers a channel sent one sender lately: the rate limit's memory.
 * One small record per channel and sender (id = sender hash), holding the answers of the
 * last hour, so the wiring reads it with one point read and writes it once per answer
 * (ETag-guarded). The sender is kept as a hash only: the record exists to count, not to
 * say who wrote.
 *
 * The pure rules: `nextCount` adds an answer to the record and drops the ones older than an
 * hour; `answersInLastHour` counts the answers of a sliding hour — not the clock hour, so
 * 5 answers at 10:59 and 5 more at 11:00 are 10 in one hour, and the 6th is refused. The
 * record also keeps the Message-IDs of those answers: a mail that answers one of them is
 * an autoresponder answering ours (answer-policy.ts's loop rule).
 */

/** Answers remembered per record: the highest per-hour limit a channel may set, so an hour's answers always fit. */
export const MAX_TRACKED_ANSWERS = 100;
const HOUR_MS = 3_600_000;
/** Cosmos TTL of a record, from its last write: the hour its latest answer counts, and slack. */
export const COUNTER_TTL_SECONDS = 2 * 3600;

export const AnswerCounter = z.object({
  /** The sender hash: one record per sender within the channel's partition. */
  id: z.string().regex(/^[0-9a-f]{32}$/),
  /** Partition key. */
  channelId: z.string().min(1),
  senderHash: z.string().regex(/^[0-9a-f]{32}$/),
  /** The answers of the hour before the latest one, oldest first, at most MAX_TRACKED_ANSWERS. */
  answers: z
    .array(z.object({ at: z.iso.datetime(), messageId: z.string().min(1).max(998).optional() }))
    .max(MAX_TRACKED_ANSWERS),
  ttl: z.number().int().positive(),
});
export type AnswerCounter = z.infer<typeof AnswerCounter>;

/**
 * The sender as the counter knows it: a hash of the address, lower-cased (case-folding the
 * local part too: `Jane@` and `jane@` are one person to a rate limit), with the channel
 * inside so one channel's records say nothing about another's. It is the record's id.
 */
export function senderHash(channelId: string, address: string): string {
  return createHash('sha256').update(`answers\n${channelId}\n${address.trim().toLowerCase()}`).digest('hex').slice(0, 32);
}

/**
 * The record after one more answer at `at`: the answers of the hour before `at` (an
 * instance whose clock runs behind keeps more, never fewer) and this one, cut to the latest
 * MAX_TRACKED_ANSWERS. A record of another sender or channel is not merged.
 */
export function nextCount(
  record: AnswerCounter | undefined,
  answer: { channelId: string; sender: string; at: Date; messageId?: string | undefined },
): AnswerCounter {
  const hash = senderHash(answer.channelId, answer.sender);
  const same = record && record.channelId === answer.channelId && record.senderHash === hash ? record : undefined;
  const since = answer.at.getTime() - HOUR_MS;
  const entry = { at: answer.at.toISOString(), ...(answer.messageId ? { messageId: normalizeMessageId(answer.messageId) } : {}) };
  const kept = (same?.answers ?? []).filter((a) => Date.parse(a.at) > since);
  const answers = [...kept, entry].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).slice(-MAX_TRACKED_ANSWERS);
  return { id: hash, channelId: answer.channelId, senderHash: hash, answers, ttl: COUNTER_TTL_SECONDS };
}

export interface RecentAnswers {
  /** Answers sent to the sender in the hour before `now`. */
  count: number;
  /** Their Message-IDs (normalised), for the loop rule. */
  messageIds: string[];
}

/** The answers of the sliding hour before `now`, from the sender's record. */
export function answersInLastHour(record: AnswerCounter | undefined, now: Date): RecentAnswers {
  const since = now.getTime() - HOUR_MS;
  const recent = (record?.answers ?? []).filter((a) => Date.parse(a.at) > since && Date.parse(a.at) <= now.getTime());
  return { count: recent.length, messageIds: recent.flatMap((a) => (a.messageId ? [a.messageId] : [])) };
}
