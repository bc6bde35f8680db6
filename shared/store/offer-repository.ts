import { Offer } from '../tickets/offer';
import { container } from './cosmos';
import { cosmosStatus } from './errors';
import { readItem, queryAll, createOrReadExisting } from './cosmos-items';

/** Offers in container `offers` (pk /id); silent ones included. */

export async function readOffer(id: string): Promise<Offer | undefined> {
  const resource = await readItem(await container('offers'), id, id);
  return resource ? Offer.parse(resource) : undefined;
}

/** The catalogue: normal offers only, unless `includeSilent`. */
export async function listOfferDocs(opts: { includeSilent?: boolean } = {}): Promise<Offer[]> {
  const query = opts.includeSilent
    ? 'SELECT * FROM c ORDER BY c.createdAt ASC'
    : 'SELECT * FROM c WHERE c.silent = false ORDER BY c.createdAt ASC';
  const docs = await queryAll<unknown>(await container('offers'), query);
  return docs.map((d) => Offer.parse(d));
}

/** Creates the offer unless one with its id exists (which is then returned untouched). */
export async function createOfferIfAbsent(offer: Offer): Promise<{ offer: Offer; created: boolean }> {
  const valid = Offer.parse(offer);
  const { resource, created } = await createOrReadExisting(await container('offers'), valid, valid.id);
  return { offer: Offer.parse(resource), created };
}

/** Deletes the offer; a missing one is not an error. */
export async function deleteOfferDoc(id: string): Promise<void> {
  try {
    await (await container('offers')).item(id, id).delete();
  } catch (err) {
    if (cosmosStatus(err) !== 404) throw err;
  }
}
