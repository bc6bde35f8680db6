import type { Database } from '@azure/cosmos';
import { settings } from '../config/settings';
import { cosmosDatabase, ensureCosmos } from '../store/cosmos';
import { readTemplate, listTemplateDocs, createTemplateIfAbsent } from '../store/template-repository';
import { readOffer, listOfferDocs, createOfferIfAbsent, deleteOfferDoc } from '../store/offer-repository';
import type { Template } from './template';
import { Offer, silentOfferId } from './offer';
import { seedTemplates, seedOffers } from './seed';

/**
 * Templates and offers: the catalogue side of the ticketing system that a mail channel
 * plugs into. Locally (emulator with a key) the seed templates are created on first use.
 */

/** One seeding per database object, so a test that points the process at a new emulator seeds that one too. */
const seeded = new WeakMap<Database, Promise<void>>();

/** Creates the seed templates and catalogue offers when running locally; idempotent, never overwrites. */
export async function ensureSeedCatalogue(): Promise<void> {
  if (!settings().COSMOS_KEY) return; // Azure: templates come from the ticketing system, not from us
  await ensureCosmos();
  const db = cosmosDatabase();
  let run = seeded.get(db);
  if (!run) {
    run = (async () => {
      for (const t of seedTemplates) await createTemplateIfAbsent(t);
      for (const o of seedOffers) await createOfferIfAbsent(o);
    })();
    seeded.set(db, run);
    run.catch(() => seeded.delete(db));
  }
  await run;
}

export async function getTemplate(id: string): Promise<Template | undefined> {
  await ensureSeedCatalogue();
  return readTemplate(id);
}

export async function listTemplates(): Promise<Template[]> {
  await ensureSeedCatalogue();
  return listTemplateDocs();
}

/** The offer catalogue; silent offers (mail entry points) only when asked for. */
export async function listOffers(opts: { includeSilent?: boolean } = {}): Promise<Offer[]> {
  await ensureSeedCatalogue();
  return listOfferDocs(opts);
}

export async function getOffer(id: string): Promise<Offer | undefined> {
  return readOffer(id);
}

/**
 * The silent offer of a channel: its mail entry point into the template. Its id is
 * derived from the channel id, so publishing twice (or retrying a publish) makes one offer.
 * An existing offer is returned unchanged (the template cannot change after publishing).
 */
export async function ensureSilentOffer(channel: { id: string; name: string; templateId: string }): Promise<Offer> {
  const { offer } = await createOfferIfAbsent({
    id: silentOfferId(channel.id),
    templateId: channel.templateId,
    name: `Mail: ${channel.name}`.slice(0, 200),
    silent: true,
    channelId: channel.id,
    createdAt: new Date().toISOString(),
  });
  return offer;
}

export async function deleteSilentOffer(channelId: string): Promise<void> {
  await deleteOfferDoc(silentOfferId(channelId));
}
