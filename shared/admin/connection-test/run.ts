import type { ChannelInput, ChannelRecord, SecretRef } from '../../config/channel';
import { ChannelRecord as ChannelRecordSchema } from '../../config/channel';
import { getAccessToken, xoauth2 } from '../../auth/credential';
import type { TargetPolicy } from '../../net/address-policy';
import type { ResolveAll } from '../../net/connect-target';
import type { ApiIssue } from '../../http/api-error';
import type { ExtraTlsOptions } from '../../sources/imap-connection';
import { placeAt, secretSlots } from '../channel-secrets';
import { testGraphConnection } from './graph-test';
import { testImapConnection } from './imap-test';
import { redactResult, type ConnectionTestResult } from './result';
import { delegatedToken, SignInStageError, type DelegatedAccess } from './sign-in-check';
import type { OpenSocket } from './probe-net';

/**
 * Runs the connection test that fits a channel and returns its result with every secret it
 * touched — stored or sent in the body, and every token it obtained — redacted from it.
 */
export interface ConnectionTestDeps {
  /** A secret's value by its reference name (the secret store, or the body's values). */
  getSecret(ref: string): Promise<string | undefined>;
  targetPolicy: TargetPolicy;
  /** Extra trusted CAs (tests; a local stand-in). In the app, NODE_EXTRA_CA_CERTS serves. */
  trustedCaPem?: string | string[];
  resolve?: ResolveAll;
  openSocket?: OpenSocket;
  now?: () => number;
  /** A stored channel's sign-in, for the authorization-code flow (tokens as the sources get them); absent for an unsaved configuration. */
  delegated?: DelegatedAccess;
}

export async function runConnectionTest(channel: ChannelRecord, deps: ConnectionTestDeps): Promise<ConnectionTestResult> {
  const seen: string[] = [];
  const getSecret = async (ref: string) => {
    const v = await deps.getSecret(ref);
    if (v) seen.push(v);
    return v;
  };
  const common = {
    targetPolicy: deps.targetPolicy,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
    ...(deps.openSocket ? { openSocket: deps.openSocket } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  };
  let result: ConnectionTestResult;
  if (channel.connection.protocol === 'graph') {
    result = await testGraphConnection(channel, {
      ...common,
      getSecret,
      ...(deps.trustedCaPem ? { trustedCaPem: deps.trustedCaPem } : {}),
      onToken: (t) => seen.push(t),
      ...(deps.delegated ? { delegated: deps.delegated } : {}),
    });
  } else {
    const username = channel.connection.username;
    const tlsOptions: ExtraTlsOptions | undefined = deps.trustedCaPem ? { ca: deps.trustedCaPem } : undefined;
    result = await testImapConnection(channel, {
      ...common,
      getSecret: (ref: SecretRef) => getSecret(ref.ref),
      getAccessToken: async (auth, scope) => {
        let token: string;
        if (auth.flow === 'authorizationCode') {
          const r = await delegatedToken(deps.delegated, auth, scope);
          if ('failure' in r) throw new SignInStageError(r.failure);
          token = r.token;
        } else {
          token = await getAccessToken(auth, { getSecret }, scope, { targetPolicy: deps.targetPolicy, ...(deps.trustedCaPem ? { trustedCaPem: deps.trustedCaPem } : {}) });
        }
        seen.push(token, xoauth2(username, token));
        return token;
      },
      ...(tlsOptions ? { tlsOptions } : {}),
    });
  }
  return redactResult(result, seen);
}

/** The secrets a configuration needs to connect, by auth type and flow (dotted paths). */
export function requiredSecretPaths(input: ChannelInput): string[] {
  const paths: string[] = [];
  const conn = input.connection;
  const auths: [string, ChannelInput['connection']['auth'] | undefined][] = [['connection.auth', conn.auth]];
  if (conn.protocol === 'imap' && conn.smtp?.auth) auths.push(['connection.smtp.auth', conn.smtp.auth]);
  for (const [at, auth] of auths) {
    if (!auth) continue;
    if (auth.type === 'password') paths.push(`${at}.password`);
    // Both flows are a confidential client; the authorization-code flow's refresh token is the sign-in's, not the configuration's.
    if (auth.type === 'oauth') paths.push(`${at}.clientSecret`);
  }
  return paths;
}

export const SECRET_REQUIRED_FOR_TEST =
  'required to test an unsaved configuration: its secrets are read from the body only (a stored secret is used only by POST /api/channels/{id}/test-connection, on the server it was entered for)';

/**
 * An unsaved configuration as the record shape the probes take, its secrets held in memory
 * under made-up reference names: nothing is written anywhere. Every secret the configuration
 * needs must be in the body (`issues` otherwise).
 */
export function unsavedChannel(input: ChannelInput, now = new Date()): { channel: ChannelRecord; values: Map<string, string> } | { issues: ApiIssue[] } {
  const draft = structuredClone(input) as unknown as Record<string, unknown>;
  const values = new Map<string, string>();
  const at = now.toISOString();
  const given = new Set<string>();
  for (const slot of secretSlots(input)) {
    let v: unknown = input;
    for (const p of [...slot.auth, slot.key]) v = (v as Record<string, unknown> | undefined)?.[p];
    if (typeof v === 'string') {
      const ref = `unsaved-${slot.path.replaceAll('.', '-')}`;
      values.set(ref, v);
      given.add(slot.path);
      placeAt(draft, slot.path, { ref, updatedAt: at } satisfies SecretRef);
    } else {
      placeAt(draft, slot.path, undefined);
    }
  }
  const issues = requiredSecretPaths(input)
    .filter((p) => !given.has(p))
    .map((path) => ({ path, message: SECRET_REQUIRED_FOR_TEST }));
  if (issues.length) return { issues };
  const channel = ChannelRecordSchema.parse(JSON.parse(JSON.stringify({ ...draft, id: 'unsaved', status: 'draft', createdAt: at, createdBy: 'connection-test', updatedAt: at, updatedBy: 'connection-test' })));
  return { channel, values };
}
