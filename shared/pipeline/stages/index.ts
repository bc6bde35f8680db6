import type { Stage } from '../stage';
import { exclusionFolder } from './exclusion-folder';
import { senderDomain } from './sender-domain';
import { machineMail } from './machine-mail';
import { ownMailBounce } from './own-mail-bounce';

/** The filter stages, in order. The first that does not say "continue" decides. */
export const filterStages: readonly Stage[] = [exclusionFolder, ownMailBounce, senderDomain, machineMail];
