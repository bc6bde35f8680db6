import { AnswerCounter, answersInLastHour, counterIds, nextCount, type RecentAnswers } from '../answers/answer-counter';
import { normalizeMessageId } from '../pipeline/ledger-key';
import { TransientError } from '../errors';
import { container } from './cosmos';
import { readItem } from './cosmos-items';
import { cosmosStatus } from './errors';

/**
 * The answer counters in Cosmos (container `answerCounters`, pk /channelId; rules in
 * answers/answer-counter.ts): two point reads say what a sender got in the last hour, one
 * ETag-guarded write counts an answer.
 */

/**
 * The sender's answers in the sliding hour before `now`, leaving out `except` (the answer
 * this very mail was given by an earlier delivery: a redelivered mail is not rate-limited
 * by its own acknowledgement).
 */
export async function recentAnswers(channelId: string, sender: string, now: Date, except?: string): Promise<RecentAnswers> {
  const read = await readCounters(channelId, sender, now);
  keepRead(channelId, sender, read);
  const { records } = read;
  const skip = except ? normalizeMessageId(except) : undefined;
  const without = skip
    ? records.map((r) => (r && r.answers.some((a) => a.messageId === skip) ? { ...r, count: r.count - 1, answers: r.answers.filter((a) => a.messageId !== skip) } : r))
    : records;
  return answersInLastHour(without, now);
}

/** The sender's records of the current and the previous clock hour (two point reads), and the current one's ETag. */
async function readCounters(channelId: string, sender: string, at: Date) {
  const c = await container('answerCounters');
  const ids = counterIds(channelId, sender, at);
  const [current, previous] = await Promise.all([readItem(c, ids.current, channelId), readItem(c, ids.previous, channelId)]);
  return {
    container: c,
    currentId: ids.current,
    etag: current?._etag,
    records: [current ? AnswerCounter.parse(current) : undefined, previous ? AnswerCounter.parse(previous) : undefined] as const,
  };
}

type CounterRead = Awaited<ReturnType<typeof readCounters>>;

/**
 * The counters the decision read (recentAnswers), kept a few seconds so the reservation
 * moments later in the same attempt starts from them instead of reading both again. Taken
 * once; counters changed meanwhile lose the guarded write (412/409) and are read afresh, so
 * the limit holds exactly as before.
 */
const READ_KEPT_MS = 10_000;
const keptReads = new Map<string, { at: number; read: CounterRead }>();
const readKey = (channelId: string, sender: string, currentId: string) => `${channelId}\n${sender}\n${currentId}`;
function keepRead(channelId: string, sender: string, read: CounterRead): void {
  if (keptReads.size >= 1_000) for (const [k, e] of keptReads) if (Date.now() - e.at >= READ_KEPT_MS) keptReads.delete(k);
  if (keptReads.size < 1_000) keptReads.set(readKey(channelId, sender, read.currentId), { at: Date.now(), read });
}
function takeRead(channelId: string, sender: string, at: Date): CounterRead | undefined {
  const key = readKey(channelId, sender, counterIds(channelId, sender, at).current);
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
  let kept = takeRead(channelId, sender, at);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { container: c, currentId, etag, records } = kept ?? (await readCounters(channelId, sender, at));
    kept = undefined;
    const [record, before] = records;
    if (record?.answers.some((a) => a.messageId === own) || before?.answers.some((a) => a.messageId === own)) return true;
    if (answersInLastHour(records, at).count >= limit) return false;
    const next = nextCount(record, { channelId, sender, at, messageId });
    try {
      if (record) await c.item(currentId, channelId).replace(next, { accessCondition: { type: 'IfMatch', condition: etag ?? '' } });
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
