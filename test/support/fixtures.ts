import { ChannelRecord, type ChannelInput } from '../../shared/config/channel';
import { ParsedMail } from '../../shared/mail/parsed-mail';

/** A published IMAP channel record with defaults filled, for pure-logic tests. */
export function channelRecord(over: Partial<ChannelInput> & { id?: string; status?: ChannelRecord['status']; publishedAt?: string } = {}): ChannelRecord {
  const now = '2026-11-01T00:00:00.000Z';
  return ChannelRecord.parse({
    id: over.id ?? 'ch-1',
    status: over.status ?? 'published',
    name: over.name ?? 'Service desk',
    connection: over.connection ?? { protocol: 'imap', host: '127.0.0.1', username: 'desk@example.com', auth: { type: 'password' } },
    folders: over.folders ?? {},
    domains: over.domains ?? {},
    ticketMapping: over.ticketMapping ?? { templateId: 'it-support' },
    import: over.import ?? {},
    ...(over.answers ? { answers: over.answers } : {}),
    createdAt: now,
    createdBy: 'test',
    updatedAt: now,
    updatedBy: 'test',
    publishedAt: over.publishedAt ?? now,
  });
}

/** A parsed mail with sensible defaults. */
export function parsedMail(over: Partial<ParsedMail> = {}): ParsedMail {
  return ParsedMail.parse({
    messageId: 'abc@mail.example.org',
    from: { address: 'alice@example.org', name: 'Alice' },
    to: [{ address: 'desk@example.com', name: '' }],
    subject: 'Printer on floor 3 is jammed',
    text: 'Hello, the printer is jammed again.',
    headers: {},
    rawSha256: 'f'.repeat(64),
    rawSize: 100,
    ...over,
  });
}
