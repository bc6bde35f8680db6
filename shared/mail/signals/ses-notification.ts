import { header, hit, splitAddress, type Signal } from './signal';

/**
 * Amazon SES reports bounces and complaints of the mail it sent as JSON notifications
 * (`"notificationType":"Bounce"` / `"Complaint"`, or `"eventType"` for event
 * publishing), delivered by mail through Amazon SNS — as such, or wrapped in SNS's own
 * JSON envelope, where the inner quotes are escaped. Only mail SNS sent counts (its
 * `X-Amz-Sns-Message-Id` header, or From …@sns.amazonaws.com): a person pasting such
 * JSON into a question keeps their mail.
 */
const MAX_SCANNED = 64 * 1024;
const kinds: readonly (readonly [string, 'bounce' | 'report', string])[] = [
  ['Bounce', 'bounce', 'an Amazon SES bounce notification'],
  ['Complaint', 'report', 'an Amazon SES complaint (feedback) notification'],
];

function fromSns(address: string | undefined): boolean {
  const domain = splitAddress(address)?.domain ?? '';
  return domain === 'sns.amazonaws.com' || domain.endsWith('.sns.amazonaws.com');
}

export const sesNotification: Signal = {
  name: 'ses-notification',
  test: ({ mail }) => {
    if (header(mail, 'x-amz-sns-message-id') === undefined && !fromSns(mail.from?.address)) return undefined;
    // SNS keeps the JSON compact; the escaped form is the same JSON inside SNS's "Message" string.
    const body = mail.text.slice(0, MAX_SCANNED).replace(/\\"/g, '"').replace(/"\s*:\s*"/g, '":"');
    for (const [type, kind, what] of kinds) {
      if (body.includes(`"notificationType":"${type}"`) || body.includes(`"eventType":"${type}"`)) return hit(kind, `the body is ${what} (JSON, "${type}")`);
    }
    return undefined;
  },
};
