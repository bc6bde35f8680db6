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
  const c = await container('answerCounters');
  const ids = counterIds(channelId, sender, now);
  const docs = await Promise.all([ids.current, ids.previous].map((id) => readItem(c, id, channelId)));
  const records = docs.map((d) => (d ? AnswerCounter.parse(d) : undefined));
  const skip = except ? normalizeMessageId(except) : undefined;
  const without = skip
    ? records.map((r) => (r && r.answers.some((a) => a.messageId === skip) ? { ...r, count: r.count - 1, answers: r.answers.filter((a) => a.messageId !== skip) } : r))
    : records;
  return answersInLastHour(without, now);
}

const MAX_ROUNDS = 8;

/** Counts one answer to `sender`; an answer already counted (same Message-ID) is not counted again. */
export async function countAnswer(channelId: string, sender: string, at: Date, messageId: string): Promise<void> {
  const c = await container('answerCounters');
  const id = counterIds(channelId, sender, at).current;
  const own = normalizeMessageId(messageId);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const doc = await readItem(c, id, channelId);
    const record = doc ? AnswerCounter.parse(doc) : undefined;
    if (record?.answers.some((a) => a.messageId === own)) return;
    const next = nextCount(record, { channelId, sender, at, messageId });
    try {
      if (doc) await c.item(id, channelId).replace(next, { accessCondition: { type: 'IfMatch', condition: doc._etag ?? '' } });
      else await c.items.create(next);
      return;
    } catch (err) {
      const status = cosmosStatus(err);
      if (status !== 409 && status !== 412) throw err;
    }
  }
  throw new TransientError('ANSWER_COUNTER_CONTENDED', `the answer counter of a sender in channel ${channelId} kept changing`);
}
