import { ChannelRecord } from '../../shared/config/channel';
import { secretStore } from '../../shared/secrets';
import { createChannelRecord } from '../../shared/store/channel-repository';
import { ensureSeedCatalogue } from '../../shared/tickets/catalogue';
import type { ChannelSettings, ChannelSpec } from '../protocol';

/**
 * A published Graph channel on the simulator, stored as the admin API would store it: the
 * client secret in the secret store (the record keeps only its reference), the record in
 * Cosmos, the template `it-support` seeded. Connection settings are the schema's defaults
 * (3 retries, 2 s back-off, 30 s timeout), as an admin who changed nothing has them;
 * `settings` names what a benchmark changes: the template whitelist (replies become notes
 * only on whitelisted tickets) and whether new tickets are acknowledged.
 */
export async function setupChannel(spec: ChannelSpec, settings: ChannelSettings): Promise<{ channelId: string }> {
  await ensureSeedCatalogue();
  const secretRef = await secretStore().set(`channel-${spec.id}-client-secret`, spec.clientSecret);
  const now = new Date().toISOString();
  const record = ChannelRecord.parse({
    id: spec.id,
    status: 'published',
    name: `Bench ${spec.mailbox}`,
    connection: {
      protocol: 'graph',
      host: spec.host,
      port: spec.port,
      tls: 'implicit',
      username: spec.mailbox,
      auth: {
        type: 'oauth',
        flow: 'clientCredentials',
        tenantId: spec.tenantId,
        clientId: spec.clientId,
        clientSecret: secretRef,
        tokenEndpoint: spec.tokenEndpoint,
      },
    },
    folders: { read: ['Inbox'], success: 'Processed', fail: 'Failed' },
    ticketMapping: { templateId: 'it-support', whitelist: settings.whitelist },
    answers: { autoResponse: { enabled: settings.autoResponse } },
    createdAt: now,
    createdBy: 'bench',
    updatedAt: now,
    updatedBy: 'bench',
    publishedAt: now,
  });
  await createChannelRecord(record);
  return { channelId: record.id };
}
