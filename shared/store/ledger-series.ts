import type { OutcomePoint } from '../admin/stats-series';
import { container } from './cosmos';

/**
 * Each mail's first attempt and outcome (a two-field projection of one partition), for the
 * monitoring chart (admin/stats-series.ts buckets them). Read only when a series is asked
 * for; pre-aggregated counters can feed the same function instead.
 */
export async function ledgerOutcomePoints(channelId: string, since?: string): Promise<OutcomePoint[]> {
  const c = await container('ledger');
  const parameters = [{ name: '@channelId', value: channelId }, ...(since ? [{ name: '@since', value: since }] : [])];
  const { resources } = await c.items
    .query<{ at?: string; outcome?: string }>({
      query: 'SELECT c.timings.firstAttemptAt AS at, c.outcome FROM c WHERE c.channelId = @channelId' + (since ? ' AND c.timings.firstAttemptAt >= @since' : ''),
      parameters,
    })
    .fetchAll();
  return resources;
}
