import type { ChannelRecord } from '../config/channel';
import type { Classification, ParsedMail } from '../mail/parsed-mail';
import type { StageVerdict } from './decision';
import type { OwnMailBounce } from '../outbound/bounce-of-own-mail';

/** What every stage sees: the mail, what it is, where it was found, and the channel. */
export interface StageInput {
  channel: ChannelRecord;
  mail: ParsedMail;
  classification: Classification;
  /** The folder the mail was listed in. */
  folder: string;
  /** Resolution found the mail to be a delivery failure of a mail we sent. */
  ownMailBounce?: OwnMailBounce | undefined;
}

/** A filter stage: one rule, one file, pure. */
export interface Stage {
  readonly name: string;
  run(input: StageInput): StageVerdict;
}
