import type { ChannelRecord } from '../config/channel';
import type { Classification, ParsedMail } from '../mail/parsed-mail';
import type { StageVerdict } from './decision';

/** What every stage sees: the mail, what it is, where it was found, and the channel. */
export interface StageInput {
  channel: ChannelRecord;
  mail: ParsedMail;
  classification: Classification;
  /** The folder the mail was listed in. */
  folder: string;
}

/** A filter stage: one rule, one file, pure. */
export interface Stage {
  readonly name: string;
  run(input: StageInput): StageVerdict;
}
