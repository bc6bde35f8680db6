import { z } from 'zod';

/**
 * An offer: an entry point that creates tickets of one template. The catalogue lists the
 * normal ones; a *silent* offer is not listed there but is the entry point of a mail
 * channel, created when the channel is first published. Container `offers` (pk /id).
 */
export const Offer = z.object({
  id: z.string().min(1),
  templateId: z.string().min(1),
  name: z.string().min(1).max(200),
  silent: z.boolean(),
  /** The mail channel whose entry point this is (silent offers). */
  channelId: z.string().min(1).optional(),
  createdAt: z.iso.datetime(),
});
export type Offer = z.infer<typeof Offer>;

/** One channel has exactly one silent offer, so its id is derived from the channel's. */
export function silentOfferId(channelId: string): string {
  return `channel-${channelId}`;
}
