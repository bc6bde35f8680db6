import { AnswerCounter, answersInLastHour, nextCount, senderHash, type RecentAnswers } from '../answers/answer-counter';
import { normalizeMessageId } from '../pipeline/ledger-key';
import { TransientError } from '../errors';
import { container } from './cosmos';
import { readItem } from './cosmos-items';
import { cosmosStatus } from './errors';

/**
 * The answer counters in Cosmos (container `answerCounters`, pk /channelId; rules in
 * answers/answer-counter.ts): one point read says what a sender got in the last hour, one
 * ETag-guarded write counts an answer.
 */

/**
 * The sender's answers in the sliding hour before `now`, leaving out `except` (the answer
 * this very mail was given by an earlier delivery: a redelivered mail is not rate-limited
 * by its own acknowledgement).
 */
export async function recentAnswers(channelId: string, sender: string, now: Date, except?: string): Promise<RecentAnswers> {
  const read = await readCounter(channelId, sender);
  keepRead(channelId, read);
  const skip = except ? normalizeMessageId(except) : undefined;
  const r = read.record;
  return answersInLastHour(skip && r ? { ...r, answers: r.answers.filter((a) => a.messageId !== skip) } : r, now);
}

/**
 * The sender's record (one point read) and its ETag. A record of the hourly shape an
 * earlier version wrote (`<hash>.<hour>`) has another id and is never read: after the
 * upgrade each sender's hour starts empty once, and those records expire by their TTL.
 */
async function readCounter(channelId: string, sender: string) {
  const c = await container('answerCounters');
  const id = senderHash(channelId, sender);
  const found = await readItem(c, id, channelId);
  return { container: c, id, etag: found?._etag, record: found ? AnswerCounter.parse(found) : undefined };
}

type CounterRead = Awaited<ReturnType<typeof readCounter>>;

/**
 * The counters the decision read (recentAnswers), kept a few seconds so the reservation
 * moments later in the same attempt starts from them instead of reading both again. Taken
 * once; counters changed meanwhile lose the guarded write (412/409) and are read afresh, so
 * the limit holds exactly as before.
 */
const READ_KEPT_MS = 10_000;
const keptReads = new Map<string, { at: number; read: CounterRead }>();
const readKey = (channelId: string, id: string) => `${channelId}\n${id}`;
function keepRead(channelId: string, read: CounterRead): void {
  if (keptReads.size >= 1_000) for (const [k, e] of keptReads) if (Date.now() - e.at >= READ_KEPT_MS) keptReads.delete(k);
  if (keptReads.size < 1_000) keptReads.set(readKey(channelId, read.id), { at: Date.now(), read });
}
function takeRead(channelId: string, sender: string): CounterRead | undefined {
  const key = readKey(channelId, senderHash(channelId, sender));
  const kept = keptReads.get(key);
  keptReads.delete(key);
  return kept && Date.now() - kept.at < READ_KEPT_MS ? kept.read : undefined;
}

/** Rounds against other writers of the same counter: each round one writer wins, and a full hour stops the rest without a write. */
const MAX_ROUNDS = 40;
const jitter = () => new Promise<void>((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 45)));

/**
 * Reserves one automatic answer to `sender` within the channel's limit per sliding hour,
 * atomically: the answer is counted (ETag-guarded) only while fewer than `limit` were sent,
 * so a burst of mails from one sender processed at once gets at most `limit` answers, not
 * one each (the decision's read of the counters happened before any of them counted).
 * True = send it; false = the hour is full. The same Message-ID reserves once: a
 * redelivered mail finds its reservation and sends (the outbox keeps it to one mail).
 */
export async function reserveAnswer(channelId: string, sender: string, at: Date, messageId: string, limit: number): Promise<boolean> {
  const own = normalizeMessageId(messageId);
  let kept = takeRead(channelId, sender);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { container: c, id, etag, record } = kept ?? (await readCounter(channelId, sender));
    kept = undefined;
    if (record?.answers.some((a) => a.messageId === own)) return true;
    if (answersInLastHour(record, at).count >= limit) return false;
    const next = nextCount(record, { channelId, sender, at, messageId });
    try {
      if (record) await c.item(id, channelId).replace(next, { accessCondition: { type: 'IfMatch', condition: etag ?? '' } });
      else await c.items.create(next);
      return true;
    } catch (err) {
      const status = cosmosStatus(err);
      if (status !== 409 && status !== 412) throw err;
    }
    await jitter();
  }
  throw new TransientError('ANSWER_COUNTER_CONTENDED', `the answer counter of a sender in channel ${channelId} kept changing`);
}
