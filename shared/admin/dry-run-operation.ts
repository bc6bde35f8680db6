import type { ApiOperation } from '../http/handler';
import { HttpError } from '../http/api-error';
import { parseOrThrow } from '../http/validation';
import type { ChannelRecord } from '../config/channel';
import { classifyMail, classifyOptions } from '../mail/classify';
import { parseMailWithContent } from '../mail/parse';
import type { ParsedMail } from '../mail/parsed-mail';
import { dryRun, type DryRunResult } from '../pipeline/dry-run';
import { dryRunMemoryBudget, processMemoryBudget, tryAcquireAll } from '../pipeline/memory-budget';
import { resolutionDeps } from '../pipeline/runtime';
import { getRawMail } from '../store/blobs';
import { readChannelRecord } from '../store/channel-repository';
import { NotFoundError } from '../store/errors';
import { readLedger } from '../store/ledger';
import { getTemplate } from '../tickets/catalogue';
import { previewPatchedChannel } from './channel-service';
import { DryRunRequest, fieldMappingPreview, type DryRunMail, type FieldMappingPreviewRow } from './dry-run-request';
import { MAX_DRY_RUN_BYTES } from './mail-operations';

/**
 * The dry run itself, for both of its request forms: the decision of every stage, the
 * ticket, and what each field mapping row makes of the mail. And its JSON form
 * (dry-run-request.ts): a sample mail by text, base64 or stored key, and the edited
 * configuration as a merge patch, so the channel editor previews what is not saved yet.
 */
export type DryRunAnswer = DryRunResult & { fieldMapping?: FieldMappingPreviewRow[] };

const RETRY_AFTER_SECONDS = 5;

export const busy = () =>
  new HttpError(503, 'busy', 'the instance is processing as much mail as its memory allows; retry the dry run shortly', undefined, {
    'retry-after': String(RETRY_AFTER_SECONDS),
  });

export async function runDryRun(channel: ChannelRecord, raw: Buffer, folder: string | undefined): Promise<DryRunAnswer> {
  let parsedMail: ParsedMail | undefined;
  const result = await dryRun(
    channel,
    raw,
    {
      getTemplate,
      parse: async (bytes) => {
        const parsed = await parseMailWithContent(bytes);
        parsedMail = parsed.mail;
        return parsed;
      },
      classify: (mail, ch) => classifyMail(mail, classifyOptions(ch)),
      readLedger,
      resolve: resolutionDeps(),
    },
    folder,
  );
  if (!parsedMail) return result;
  return { ...result, fieldMapping: fieldMappingPreview(channel, await getTemplate(channel.ticketMapping.templateId), parsedMail) };
}

/** POST /api/channels/{id}/dry-run with an application/json body (DryRunRequest). */
export const dryRunJsonOperation: ApiOperation = async (req) => {
  const request = parseOrThrow(DryRunRequest, await req.json());
  const id = req.param('id');
  const channel = request.patch ? (await previewPatchedChannel(id, request.patch)).edited : await storedChannel(id);
  const mail = await sampleMail(channel.id, request.mail);
  const release = tryAcquireAll([processMemoryBudget, dryRunMemoryBudget], mail.size);
  if (!release) throw busy();
  try {
    const raw = await mail.read();
    return { body: await runDryRun(channel, raw, req.request.query.get('folder') ?? undefined) };
  } finally {
    release();
  }
};

async function storedChannel(id: string): Promise<ChannelRecord> {
  const stored = await readChannelRecord(id);
  if (!stored) throw new NotFoundError('channel', id);
  return stored.record;
}

/** The sample's size (to reserve memory for before reading a stored one) and how to get its bytes. */
async function sampleMail(channelId: string, mail: DryRunMail): Promise<{ size: number; read: () => Promise<Buffer> }> {
  if ('text' in mail) {
    const raw = Buffer.from(mail.text, 'utf8');
    return { size: raw.length, read: async () => raw };
  }
  if ('base64' in mail) {
    const raw = Buffer.from(mail.base64, 'base64');
    if (raw.length === 0) throw new HttpError(400, 'empty_body', 'the mail is empty');
    return { size: raw.length, read: async () => raw };
  }
  const entry = await readLedger(channelId, mail.storedKey);
  if (!entry) throw new NotFoundError('message', mail.storedKey);
  const blob = entry.record.rawBlob;
  if (!blob) throw new HttpError(410, 'not-stored', `the mail ${mail.storedKey} was never fetched, so its original is not stored`);
  return { size: Math.min(entry.record.rawSize ?? MAX_DRY_RUN_BYTES, MAX_DRY_RUN_BYTES), read: () => getRawMail(blob) };
}
