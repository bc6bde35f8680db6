import { ChannelInput } from '../../config/channel';
import { ValidationError } from '../../http/api-error';
import type { ApiOperation } from '../../http/handler';
import { parseOrThrow } from '../../http/validation';
import { targetPolicyFromEnv } from '../../net/connect-target';
import { secretStore } from '../../secrets';
import { readChannelRecord } from '../../store/channel-repository';
import { NotFoundError } from '../../store/errors';
import { dropSecretStatusObjects } from '../channel-secrets';
import { redactResult } from './result';
import { runConnectionTest, unsavedChannel } from './run';

/**
 * The admin routes of the connection test. Both answer 200 with the staged result whether
 * the connection works or not (the test ran); 400/404 only when there is nothing to test.
 */

/** POST /api/channels/{id}/test-connection — the stored channel with its stored secrets. */
export const testStoredConnectionOperation: ApiOperation = async (req) => {
  const id = req.param('id');
  const stored = await readChannelRecord(id);
  if (!stored) throw new NotFoundError('channel', id);
  const store = secretStore();
  const result = await runConnectionTest(stored.record, { getSecret: (ref) => store.get(ref), targetPolicy: targetPolicyFromEnv() });
  return { body: result };
};

/**
 * POST /api/channels/test-connection — an unsaved configuration (ChannelInput) with its
 * secrets in the body; nothing is stored. A stored secret is never borrowed here: the
 * configuration in the body may point anywhere, and a stored secret goes only where it was
 * entered for (channel-secrets.ts).
 */
export const testUnsavedConnectionOperation: ApiOperation = async (req) => {
  const body = await req.json();
  const input = parseOrThrow(ChannelInput, dropSecretStatusObjects(body), req.secrets());
  const unsaved = unsavedChannel(input);
  if ('issues' in unsaved) throw new ValidationError(unsaved.issues);
  const result = await runConnectionTest(unsaved.channel, { getSecret: async (ref) => unsaved.values.get(ref), targetPolicy: targetPolicyFromEnv() });
  return { body: redactResult(result, [...req.secrets(), ...unsaved.values.values()]) };
};
