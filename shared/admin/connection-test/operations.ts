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
import type { DelegatedAccess } from './sign-in-check';
import { DelegatedTokenCredential } from '../../auth/delegated-credential';
import type { ChannelRecord } from '../../config/channel';
import type { SecretStore } from '../../secrets/secret-store';
import { readSignIn } from '../../store/channel-sign-in';

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
  const targetPolicy = targetPolicyFromEnv();
  const result = await runConnectionTest(stored.record, { getSecret: (ref) => store.get(ref), targetPolicy, delegated: delegatedAccess(stored.record, store, targetPolicy) });
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

/**
 * The stored channel's sign-in, redeemed as the mail sources redeem it (DelegatedTokenCredential: the rotated refresh
 * token is saved, a refusal marks the channel) but without the process's token cache: a cached access token would
 * pass the test after the grant was revoked, and the test is asked whether the sign-in holds now.
 */
function delegatedAccess(channel: ChannelRecord, store: SecretStore, targetPolicy: ReturnType<typeof targetPolicyFromEnv>): DelegatedAccess {
  return {
    channelId: channel.id,
    readSignIn: async () => (await readSignIn(channel.id))?.record,
    accessToken: async (auth, scope) => (await new DelegatedTokenCredential(channel.id, auth, { secrets: store, targetPolicy }).getToken(scope)).token,
  };
}
