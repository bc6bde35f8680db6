/**
 * Decoding of queue message text, as the Storage queues extension 5.x does through
 * Azure.Storage.Queues: with `messageEncoding` "base64" (the default) the text must be
 * valid base64 as .NET's `Convert.FromBase64String` reads it (whitespace ignored,
 * length a multiple of 4, `=` padding only at the end); the bytes are read as UTF-8.
 * Text that fails to decode is not retried: the extension moves it to the poison queue
 * at once (QueueServiceClientProvider's MessageDecodingFailed handler).
 */
export type MessageEncoding = 'base64' | 'none';

export function isDotNetBase64(text: string): boolean {
  const s = text.replace(/[ \t\r\n]/g, '');
  if (s.length % 4 !== 0) return false;
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

/** The message as the function sees it, or undefined when it cannot be decoded. */
export function decodeMessageText(text: string, encoding: MessageEncoding): string | undefined {
  if (encoding === 'none') return text;
  if (!isDotNetBase64(text)) return undefined;
  return Buffer.from(text.replace(/[ \t\r\n]/g, ''), 'base64').toString('utf8');
}

/** How a sender must encode a message for a trigger with this encoding. */
export function encodeMessageText(text: string, encoding: MessageEncoding): string {
  return encoding === 'none' ? text : Buffer.from(text, 'utf8').toString('base64');
}
