import type { OutcomePoint } from '../admin/stats-series';
import { container } from './cosmos';

/**
 * Each finished mail's first attempt and outcome (a two-field projection of one partition),
 * for a monitoring series in buckets shorter than an hour (admin/stats-series.ts buckets
 * them). Whole hours come from the hourly counters instead (store/channel-stats.ts), which
 * count the same mails: finished ones, by the hour of their first attempt.
 */
export async function ledgerOutcomePoints(channelId: string, since?: string): Promise<OutcomePoint[]> {
  const c = await container('ledger');
  const parameters = [{ name: '@channelId', value: channelId }, ...(since ? [{ name: '@since', value: since }] : [])];
  const { resources } = await c.items
    .query<{ at?: string; outcome?: string }>({
      query: "SELECT c.timings.firstAttemptAt AS at, c.outcome FROM c WHERE c.channelId = @channelId AND c.state = 'done'" + (since ? ' AND c.timings.firstAttemptAt >= @since' : ''),
      parameters,
    })
    .fetchAll();
  return resources;
}
