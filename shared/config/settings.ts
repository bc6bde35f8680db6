import { z } from 'zod';

/**
 * App settings (environment variables) of the Function App, validated once.
 *
 * In Azure the storage and Cosmos connections are identity-based (no keys):
 * `AzureWebJobsStorage__queueServiceUri` / `__blobServiceUri` and `COSMOS_ENDPOINT`
 * without `COSMOS_KEY`. Locally (`npm start`, tests) a storage connection string
 * for Azurite and the Cosmos emulator's key are given instead.
 */
export const SettingsSchema = z.object({
  /** Azurite / Azure Storage connection string (local). */
  AzureWebJobsStorage: z.string().min(1).optional(),
  AzureWebJobsStorage__queueServiceUri: z.url().optional(),
  AzureWebJobsStorage__blobServiceUri: z.url().optional(),
  /** Client id of a user-assigned identity, when one is used instead of the system one. */
  AzureWebJobsStorage__clientId: z.string().optional(),

  COSMOS_ENDPOINT: z.url(),
  /** Only for the local emulator; in Azure the app's identity has data-plane RBAC. */
  COSMOS_KEY: z.string().min(1).optional(),
  COSMOS_DATABASE: z.string().min(1).default('mailchannel'),

  /** Azure Key Vault for secrets; when absent the local encrypted store is used. */
  KEY_VAULT_URI: z.url().optional(),
  /** Local encrypted secret store (development only). */
  LOCAL_SECRETS_FILE: z.string().min(1).optional(),
  /** 32-byte key, base64 or hex, for the local secret store (development only). */
  LOCAL_SECRETS_KEY: z.string().min(1).optional(),

  /** Local admin key (development); in Azure admins come through App Service Authentication or a function key. */
  ADMIN_API_KEY: z.string().min(16).optional(),

  /** Public base URL of this Function App, used for Graph change-notification subscriptions. */
  PUBLIC_BASE_URL: z.url().optional(),

  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().optional(),

  /** Name, in the secret store (Key Vault in Azure), of the HMAC key that signs ticket tokens (shared/threading/token-key.ts). */
  THREAD_TOKEN_KEY_SECRET: z.string().regex(/^[A-Za-z0-9-]{1,127}$/).default('thread-token-key'),

  /**
   * IMAP connections one instance keeps per mailbox (server + user) at most. Servers cap a
   * user's connections (Dovecot 10 per user and IP, Exchange Online 20 per mailbox), and
   * other instances and people's mail clients count too: stay well under.
   */
  IMAP_MAX_CONNECTIONS_PER_MAILBOX: z.coerce.number().int().min(1).max(20).default(4),
  /** Seconds an unused IMAP connection stays logged in for the next mail. */
  IMAP_IDLE_SECONDS: z.coerce.number().int().min(0).max(600).default(20),

  /**
   * Graph's per app-and-mailbox request limit (Outlook: 10,000 per 600 s) that each instance
   * paces its requests by (shared/sources/graph-pacing.ts). Change only to match a stand-in.
   */
  GRAPH_MAILBOX_REQUESTS_PER_WINDOW: z.coerce.number().int().min(1).default(10_000),
  GRAPH_MAILBOX_WINDOW_SECONDS: z.coerce.number().positive().default(600),
  /**
   * Instances expected to send requests for one mailbox at the same time: each spends 1/n of
   * the limit and of the 4 concurrent requests. With more, Graph's 429s pause each instance's
   * requests for the mailbox.
   */
  GRAPH_PACING_INSTANCES: z.coerce.number().int().min(1).max(100).default(1),

  /**
   * Mail connections (IMAP, SMTP, Graph, token endpoint) may reach private and loopback
   * addresses. Off by default (in Azure such an address is the app's own network); on for the
   * local stack and tests, whose Dovecot listens on loopback. Link-local and metadata
   * addresses stay refused either way (shared/net/address-policy.ts).
   */
  MAIL_ALLOW_PRIVATE_HOSTS: z.stringbool().default(false),
});

export type Settings = z.infer<typeof SettingsSchema>;

let cached: Settings | undefined;

/** Reads and validates the settings; throws one message naming every wrong variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = SettingsSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid app settings:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** The process-wide settings (read once per process, as the Functions worker does). */
export function settings(): Settings {
  cached ??= loadSettings();
  return cached;
}

/** For tests that change the environment between cases. */
export function resetSettingsCache(): void {
  cached = undefined;
}
