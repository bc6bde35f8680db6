import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ChannelInput, ChannelRecord } from '../shared/config/channel';
import { MailChannelError } from '../shared/errors';
import { dryRun, type DryRunResult } from '../shared/pipeline/dry-run';
import { seedTemplates } from '../shared/tickets/seed';
import { Template } from '../shared/tickets/template';
import { classifyMail, classifyOptions } from '../shared/mail/classify';
import { parseMailWithContent, type ParsedMailWithContent } from '../shared/mail/parse';
import type { Classification } from '../shared/mail/parsed-mail';
import { threadSignals } from '../shared/threading/thread-signals';
import { DEFAULT_TOKEN_FORMAT, tokenRef, type TicketTokenFormat } from '../shared/threading/ticket-token';

/**
 * `mail-channel inspect FILE... | -  [--channel channel.json] [--template template.json]`
 *
 * Prints one JSON object per mail (NDJSON) as soon as it is parsed: what the parser
 * understood, the classification, and with `--channel` the decision the pipeline would
 * take (through the pipeline's own dry run, so the CLI can never disagree with it).
 * Files are read one at a time, so hundreds of files in one call use bounded memory.
 * A file that cannot be read or parsed prints `{ file, error }`; the exit code is then 1.
 */

export const usage = `usage: mail-channel inspect FILE... | -  [--channel channel.json] [--template template.json]

  FILE            a raw RFC 822 message (.eml, .box); a directory inspects the files in it
  -               read one message from stdin
  --channel F     also print the decision this channel would take (channel JSON as written, as
                  the admin API returns it, or as stored)
  --template F    the ticket template to map onto (default: the built-in template the channel names)
`;

export interface InspectIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** One line of output for a mail that parsed. */
export interface InspectedMail {
  file: string;
  messageId?: string;
  from?: { address: string; name: string };
  to: { address: string; name: string }[];
  cc: { address: string; name: string }[];
  subject: string;
  date?: string;
  text: string;
  html?: string;
  replyText: string;
  replyHtml?: string;
  attachments: { filename: string; contentType: string; size: number; inline: boolean; cid?: string }[];
  classification: Classification;
  /**
   * What thread resolution would look up for this mail (subject tokens, body markers,
   * referenced Message-IDs): offline the CLI cannot read the thread index, so the
   * decision treats the mail as new; the admin dry run resolves it for real.
   */
  thread: { tokens: string[]; markers: string[]; messageIds: string[]; prefixKind?: string };
  warnings: string[];
  decision?: InspectDecision;
}

/** The pipeline's decision for the mail, as the dry run reports it. */
export type InspectDecision = Pick<DryRunResult, 'decision' | 'outcome' | 'targetFolder' | 'ticket' | 'ledgerKey'> & { note?: string };

export interface InspectFailure {
  file: string;
  error: { code: string; message: string };
}

export interface InspectContext {
  channel?: ChannelRecord;
  template?: Template;
}

/** Inspects one raw message. Never throws for bad input: a failure is a result. */
export async function inspectRaw(file: string, raw: Buffer, ctx: InspectContext = {}): Promise<InspectedMail | InspectFailure> {
  let parsed: ParsedMailWithContent;
  try {
    parsed = await parseMailWithContent(raw);
  } catch (err) {
    return { file, error: errorOf(err) };
  }
  const { mail } = parsed;
  const classification = classifyMail(mail, ctx.channel ? classifyOptions(ctx.channel) : {});
  const out: InspectedMail = {
    file,
    messageId: mail.messageId,
    from: mail.from,
    to: mail.to,
    cc: mail.cc,
    subject: mail.subject,
    date: mail.date,
    text: mail.text,
    html: mail.html,
    replyText: mail.replyText,
    replyHtml: mail.replyHtml,
    attachments: mail.attachments.map(({ filename, contentType, size, inline, cid }) => ({ filename, contentType, size, inline, ...(cid ? { cid } : {}) })),
    classification,
    thread: threadLookups(mail, ctx.channel?.threading.token ?? DEFAULT_TOKEN_FORMAT),
    warnings: mail.warnings,
  };
  if (ctx.channel) out.decision = await decisionFor(ctx.channel, ctx.template, raw, parsed);
  return out;
}

function threadLookups(mail: ParsedMailWithContent['mail'], format: TicketTokenFormat): InspectedMail['thread'] {
  const signals = threadSignals(mail, format);
  return {
    tokens: signals.tokens.map((t) => t.text),
    markers: signals.markers.map((m) => `[ref:${tokenRef(format, '', m.ticketNumber)}-${m.signature}]`),
    messageIds: signals.messageIds,
    ...(signals.prefixKind ? { prefixKind: signals.prefixKind } : {}),
  };
}

async function decisionFor(channel: ChannelRecord, template: Template | undefined, raw: Buffer, parsed: ParsedMailWithContent): Promise<InspectDecision> {
  const chosen = template ?? seedTemplates.find((t) => t.id === channel.ticketMapping.templateId);
  const result = await dryRun(channel, raw, {
    parse: async () => parsed, // parsed once above; the dry run sees the very same result
    classify: (mail, ch) => classifyMail(mail, classifyOptions(ch)),
    getTemplate: async (id) => (chosen?.id === id ? chosen : undefined),
  });
  const { decision, outcome, targetFolder, ticket, ledgerKey } = result;
  const note = chosen ? undefined : `template "${channel.ticketMapping.templateId}" is not known offline; pass --template to map fields`;
  return { decision, outcome, targetFolder, ledgerKey, ...(ticket ? { ticket } : {}), ...(note ? { note } : {}) };
}

// ---------- the command ----------

/** Runs `inspect` with its arguments (after the word "inspect"). Resolves to the exit code. */
export async function runInspect(args: readonly string[], io: InspectIo): Promise<number> {
  let opts: { files: string[]; channel?: string; template?: string };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { channel: { type: 'string' }, template: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    if (values.help) {
      io.stdout.write(usage);
      return 0;
    }
    opts = { files: positionals, channel: values.channel, template: values.template };
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (opts.files.length === 0) {
    io.stderr.write(`no input: name one or more files, or - for stdin\n${usage}`);
    return 2;
  }

  const ctx: InspectContext = {};
  try {
    if (opts.channel) ctx.channel = await loadChannel(opts.channel);
    if (opts.template) ctx.template = await loadJson(opts.template, Template, 'template');
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }

  let failed = 0;
  for await (const input of inputs(opts.files, io.stdin)) {
    const result = 'error' in input ? input : await inspectRaw(input.file, input.raw, ctx);
    if ('error' in result) failed++;
    await writeLine(io.stdout, JSON.stringify(result));
  }
  return failed > 0 ? 1 : 0;
}

type Input = { file: string; raw: Buffer } | InspectFailure;

/** Files one at a time (directories expanded, sorted); `-` is stdin. */
async function* inputs(names: readonly string[], stdin: Readable): AsyncGenerator<Input> {
  for (const name of names) {
    if (name === '-') {
      yield { file: '-', raw: await readAll(stdin) };
      continue;
    }
    let stat;
    try {
      stat = await fs.stat(name);
    } catch (err) {
      yield { file: name, error: { code: 'FILE_UNREADABLE', message: (err as Error).message } };
      continue;
    }
    const files = stat.isDirectory()
      ? (await fs.readdir(name, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(name, e.name)).sort()
      : [name];
    for (const file of files) {
      try {
        yield { file, raw: await fs.readFile(file) };
      } catch (err) {
        yield { file, error: { code: 'FILE_UNREADABLE', message: (err as Error).message } };
      }
    }
  }
}

/**
 * A channel file as an admin writes it (`ChannelInput`), as the admin API returns it
 * (`ChannelView`, secrets as `{ isSet }`) or as it is stored (`ChannelRecord`). Secrets
 * are dropped: the dry run never needs them.
 */
export async function loadChannel(file: string): Promise<ChannelRecord> {
  const json = await readJson(file, 'channel');
  const asRecord = ChannelRecord.safeParse(json);
  if (asRecord.success) return asRecord.data;
  const asInput = ChannelInput.safeParse(withoutSecretStatus(json));
  if (!asInput.success) throw new Error(`${file}: not a valid channel: ${z.prettifyError(asInput.error)}`);
  const now = new Date().toISOString();
  return ChannelRecord.parse({
    ...withoutSecrets(asInput.data),
    id: typeof (json as { id?: unknown }).id === 'string' ? (json as { id: string }).id : 'inspect',
    status: 'draft',
    createdAt: now,
    createdBy: 'mail-channel inspect',
    updatedAt: now,
    updatedBy: 'mail-channel inspect',
  });
}

/** A ChannelView's `{ isSet }` secret markers removed, so it reads as a ChannelInput. */
function withoutSecretStatus(json: unknown): unknown {
  const clean = (auth: unknown) => {
    if (!auth || typeof auth !== 'object') return auth;
    const out: Record<string, unknown> = { ...(auth as Record<string, unknown>) };
    for (const key of ['password', 'clientSecret', 'refreshToken']) if (out[key] !== undefined && typeof out[key] !== 'string') delete out[key];
    return out;
  };
  if (!json || typeof json !== 'object') return json;
  const channel = json as { connection?: { auth?: unknown; smtp?: { auth?: unknown } } };
  if (!channel.connection) return json;
  const connection = { ...channel.connection, auth: clean(channel.connection.auth) };
  if (connection.smtp) connection.smtp = { ...connection.smtp, auth: clean(connection.smtp.auth) };
  return { ...channel, connection };
}

function withoutSecrets(input: ChannelInput): Record<string, unknown> {
  const strip = (auth: ChannelInput['connection']['auth']) =>
    auth.type === 'password' ? { type: 'password' as const } : { ...auth, clientSecret: undefined, refreshToken: undefined };
  const connection = { ...input.connection, auth: strip(input.connection.auth) };
  if (connection.protocol === 'imap' && connection.smtp?.auth) connection.smtp = { ...connection.smtp, auth: strip(connection.smtp.auth) };
  return { ...input, connection };
}

async function loadJson<S extends z.ZodType>(file: string, schema: S, what: string): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await readJson(file, what));
  if (!parsed.success) throw new Error(`${file}: not a valid ${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the ${what} file ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: the ${what} file is not JSON: ${(err as Error).message}`);
  }
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof MailChannelError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** Writes one line, waiting for the stream to drain so output stays bounded in memory. */
function writeLine(out: Writable, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = out.write(`${line}\n`, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else out.once('drain', resolve);
  });
}
