import { cont, leave } from '../decision';
import type { Stage } from '../stage';

/** Mail in the channel's exclusion folder is never touched: no ticket, no move. */
export const exclusionFolder: Stage = {
  name: 'exclusion-folder',
  run: ({ channel, folder }) => {
    const excl = channel.folders.exclusion;
    return excl && excl.toLowerCase() === folder.toLowerCase()
      ? leave('EXCLUSION_FOLDER', `the mail is in the exclusion folder "${excl}"`)
      : cont();
  },
};
