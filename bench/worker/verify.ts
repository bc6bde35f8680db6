import { queryAll } from '../../shared/store/cosmos-items';
import { container } from '../../shared/store/cosmos';
import type { VerifyReport } from '../protocol';

/**
 * What Cosmos holds for a channel after a run: every ticket (with the Message-ID of the
 * mail it came from, so a doubled mail shows as fewer distinct ids than tickets) and the
 * state and outcome of every ledger record; the notes mail added to its tickets (a reply
 * noted twice shows as more notes than replies).
 */
const count = (values: (string | undefined)[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[v ?? '(none)'] = (out[v ?? '(none)'] ?? 0) + 1;
  return out;
};

export async function verifyChannel(channelId: string): Promise<VerifyReport> {
  const parameters = [{ name: '@channelId', value: channelId }];
  const tickets = await queryAll<{ id: string; source?: { messageId?: string } }>(
    await container('tickets'),
    "SELECT c.id, c.source FROM c WHERE c.type = 'ticket' AND c.channelId = @channelId",
    parameters,
  );
  const notes = await queryAll<{ ticketId: string }>(
    await container('tickets'),
    "SELECT c.ticketId FROM c WHERE c.type = 'note' AND c.source.channelId = @channelId",
    parameters,
  );
  const ledger = await queryAll<{ state?: string; outcome?: string }>(
    await container('ledger'),
    'SELECT c.state, c.outcome FROM c WHERE c.channelId = @channelId AND IS_DEFINED(c.state)',
    parameters,
  );
  return {
    tickets: tickets.length,
    distinctTicketIds: new Set(tickets.map((t) => t.id)).size,
    distinctMessageIds: new Set(tickets.map((t) => t.source?.messageId ?? t.id)).size,
    notes: notes.length,
    notedTickets: new Set(notes.map((n) => n.ticketId)).size,
    ledgerRecords: ledger.length,
    ledgerStates: count(ledger.map((r) => r.state)),
    ledgerOutcomes: count(ledger.map((r) => r.outcome)),
  };
}
