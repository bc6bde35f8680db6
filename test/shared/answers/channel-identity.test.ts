import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerSettings } from '../../../shared/answers/answer-settings';
import { channelIdentity, channelOwnAddresses } from '../../../shared/answers/channel-identity';
import type { ChannelRecord } from '../../../shared/config/channel';

const conn = (username: string, replyTo?: string) => ({ connection: { username, ...(replyTo ? { replyTo } : {}) } }) as unknown as Pick<ChannelRecord, 'connection'>;
const channel = { id: 'ch-1', name: 'IT Service Desk', ...conn('Support@Desk.example', 'help@desk.example') } as Pick<ChannelRecord, 'id' | 'name' | 'connection'>;

test('the channel sends from its mailbox with its reply-to', () => {
  assert.deepEqual(channelIdentity(channel), { id: 'ch-1', name: 'IT Service Desk', address: 'Support@Desk.example', replyTo: 'help@desk.example' });
});

test('our addresses: mailbox, reply-to, aliases and every other channel’s mailbox and reply-to, as mailbox keys', () => {
  const own = channelOwnAddresses(channel, AnswerSettings.parse({ aliases: ['it@desk.example'] }), [conn('sales@other.example', 'orders@other.example'), conn('hr@other.example')]);
  assert.deepEqual([...own].sort(), ['help@desk.example', 'hr@other.example', 'it@desk.example', 'orders@other.example', 'sales@other.example', 'support@desk.example']);
});
