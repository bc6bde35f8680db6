import type { TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Auth, ChannelRecord } from '../config/channel';
import { MailChannelError, PermanentError } from '../errors';
import { assertTokenEndpointAllowed, classifyTokenError, cachedTokenCredential, forgetTokenCredential, readClientSecret, requireOAuth, type SecretLookup } from '../auth/credential';
import { createGraphClient, graphScope, isMicrosoftGraphHost, type GraphEndpoint } from '../auth/graph-client';
import { cachedManagedIdentityCredential, classifyManagedIdentityError, forgetManagedIdentityCredential } from '../auth/managed-identity';
import { cachedDelegatedCredential, forgetDelegatedCredential } from '../auth/delegated-credential';
import { secretStore } from '../secrets';
import { graphStatus, isMailboxOutOfScope, toChannelError } from './graph-errors';
import { mailboxKey } from './graph-limiter';
import { pacedGate } from './graph-pacing';
import { resolveConnectTarget, TARGET_REFUSED, targetPolicyFromEnv, type TargetPolicy } from '../net/connect-target';

/**
 * One channel's authenticated way into Graph: credential, client, the mailbox's path, and
 * `call()`, which every Graph operation goes through. `call()` makes sure a token can be had
 * before the request (so a refused secret surfaces as AUTH_REJECTED, not as a network error),
 * retries once with a brand-new credential when Graph answers 401/403 (a revoked or stale
 * token), and turns every failure into a TransientError or PermanentError.
 */
export interface GraphSourceDeps extends SecretLookup {
  /** Extra CA certificates (PEM) to trust — only for a local Graph/Entra stand-in. */
  trustedCaPem?: string | string[];
  /** A Retry-After longer than this fails the call (transient, with the hint) instead of waiting. Default 60 s. */
  maxInProcessWaitMs?: number;
  /** Which addresses Graph and the token endpoint may resolve to; default: the app setting MAIL_ALLOW_PRIVATE_HOSTS. */
  targetPolicy?: TargetPolicy;
}

/** Every request asks for immutable ids, so a message keeps its id when it is moved. */
export const IMMUTABLE_ID_PREFERENCE = 'IdType="ImmutableId"';

export class GraphConnection {
  readonly mailbox: string;
  /** `/users/{mailbox}` */
  readonly userPath: string;
  readonly endpoint: GraphEndpoint;
  private credential?: TokenCredential;
  private client?: Client;

  constructor(
    readonly channel: ChannelRecord,
    private readonly deps: GraphSourceDeps,
  ) {
    const conn = channel.connection;
    if (conn.protocol !== 'graph') throw new PermanentError('GRAPH_CONFIG', `channel ${channel.id} is not a Graph channel (protocol "${conn.protocol}")`);
    this.mailbox = conn.username;
    this.userPath = `/users/${encodeURIComponent(conn.username)}`;
    this.endpoint = { host: conn.host, port: conn.port, tls: conn.tls };
    if (conn.tls === 'none') throw new PermanentError('GRAPH_CONFIG', 'connection.tls: Graph needs TLS ("implicit"); "none" cannot carry the token');
  }

  private forgetCredential?: () => void;

  private async open(): Promise<{ credential: TokenCredential; client: Client }> {
    if (this.credential && this.client) return { credential: this.credential, client: this.client };
    const conn = this.channel.connection;
    const policy = this.deps.targetPolicy ?? targetPolicyFromEnv();
    if (conn.auth.type === 'managedIdentity') assertManagedIdentityHost(conn.host, policy);
    else await assertTokenEndpointAllowed(requireOAuth(conn.auth, 'a Graph channel', ['clientCredentials', 'authorizationCode']), { targetPolicy: policy });
    // Checked before a secret or token is handed over; the clients' sockets check again at connect time.
    await resolveConnectTarget(conn.host, policy, `Graph host ${conn.host}`).catch((err: unknown) => {
      if (err instanceof MailChannelError && err.code === TARGET_REFUSED) throw err;
    });
    const { credential, forget } = await this.credentialFor(conn.auth);
    this.forgetCredential = forget;
    const client = createGraphClient({
      credential,
      endpoint: this.endpoint,
      maxRetries: conn.settings.retryCount,
      backoffMs: conn.settings.backoffMs,
      maxInProcessWaitMs: this.deps.maxInProcessWaitMs ?? 60_000,
      timeoutMs: conn.settings.timeoutMs,
      gate: pacedGate(mailboxKey(`${this.endpoint.host}:${this.endpoint.port}`, this.mailbox)),
      defaultHeaders: { Prefer: IMMUTABLE_ID_PREFERENCE },
      ...(this.deps.trustedCaPem ? { trustedCaPem: this.deps.trustedCaPem } : {}),
      ...(this.deps.targetPolicy ? { targetPolicy: this.deps.targetPolicy } : {}),
    });
    this.credential = credential;
    this.client = client;
    return { credential, client };
  }

  /** The channel's credential: its app registration's (client secret), or the Function App's managed identity. */
  private async credentialFor(auth: Auth): Promise<{ credential: TokenCredential; forget: () => void }> {
    if (auth.type === 'managedIdentity') {
      return { credential: cachedManagedIdentityCredential(auth), forget: () => forgetManagedIdentityCredential(auth) };
    }
    const oauth = requireOAuth(auth, 'a Graph channel', ['clientCredentials', 'authorizationCode']);
    const options = {
      ...(this.deps.trustedCaPem ? { trustedCaPem: this.deps.trustedCaPem } : {}),
      ...(this.deps.targetPolicy ? { targetPolicy: this.deps.targetPolicy } : {}),
    };
    if (oauth.flow === 'authorizationCode') {
      // Delegated: the signed-in user's refresh token (rotated and saved on each use).
      const channelId = this.channel.id;
      return { credential: cachedDelegatedCredential(channelId, oauth, { secrets: secretStore(), ...options }), forget: () => forgetDelegatedCredential(channelId, oauth) };
    }
    const secret = await readClientSecret(oauth, this.deps);
    return { credential: cachedTokenCredential(oauth, secret, options), forget: () => forgetTokenCredential(oauth, secret, options) };
  }

  /** Drops the credential (and its token cache): the next call gets a fresh token. */
  private reset(): void {
    this.forgetCredential?.();
    this.credential = undefined;
    this.client = undefined;
  }

  /** A token now, or the typed reason why not (AUTH_REJECTED is permanent). */
  async ensureToken(): Promise<Client> {
    const { credential, client } = await this.open();
    try {
      await credential.getToken(graphScope(this.endpoint.host));
    } catch (err) {
      const auth = this.channel.connection.auth;
      throw auth.type === 'managedIdentity' ? classifyManagedIdentityError(err, auth) : classifyTokenError(err);
    }
    return client;
  }

  /**
   * Runs one Graph operation with error mapping and a single fresh-token retry on 401/403 —
   * except for a mailbox outside the app's Exchange scope, which no token changes.
   */
  async call<T>(what: string, op: (client: Client) => Promise<T>): Promise<T> {
    const context = { mailbox: this.mailbox };
    try {
      return await op(await this.ensureToken());
    } catch (err) {
      const status = graphStatus(err);
      if ((status !== 401 && status !== 403) || isMailboxOutOfScope(err)) throw toChannelError(err, what, context);
    }
    this.reset();
    try {
      return await op(await this.ensureToken());
    } catch (err) {
      throw toChannelError(err, what, context);
    }
  }

  /** Like `call`, but hands raw Graph errors of the given statuses back to the caller to decide on. */
  async callKeeping<T>(what: string, keep: (err: unknown) => boolean, op: (client: Client) => Promise<T>): Promise<T | { kept: unknown }> {
    return this.call(what, async (client) => {
      try {
        return await op(client);
      } catch (err) {
        if (keep(err)) return { kept: err };
        throw err;
      }
    });
  }
}

/**
 * The Function App's identity holds Mail.ReadWrite/Mail.Send for the tenant (or its Exchange
 * scope) and no secret guards it: anyone who may edit a channel could otherwise point its host
 * at a server of their own and receive that token. So it is only ever sent to Microsoft's Graph
 * hosts — or, where the address policy allows private hosts (the local stack, never Azure), to
 * a stand-in.
 */
export function assertManagedIdentityHost(host: string, policy: TargetPolicy): void {
  if (isMicrosoftGraphHost(host) || policy.allowPrivate) return;
  throw new PermanentError(
    'GRAPH_CONFIG',
    `connection.host: the managed identity's token is sent only to Microsoft Graph (graph.microsoft.com or a national cloud's Graph host), not to "${host}"`,
  );
}
