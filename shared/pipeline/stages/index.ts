import type { Stage } from '../stage';
import { exclusionFolder } from './exclusion-folder';
import { senderDomain } from './sender-domain';
import { machineMail } from './machine-mail';

/** The filter stages, in order. The first that does not say "continue" decides. */
export const filterStages: readonly Stage[] = [exclusionFolder, senderDomain, machineMail];
