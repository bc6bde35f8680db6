import { sumCounts } from './counting-proxy';
import { startWorld, type World } from './env';
import { fixed, listCounts, ratio } from './format';
import { channelSpec, deliverAll, graphCounts } from './mailbox';
import { firstIndexOf, MAIL_KINDS, sampleMail, type MailKind } from './mails';
import type { Benchmark } from './benchmark';
import { startWorker, type Worker } from './worker-client';

/**
 * 2. Requests per new-ticket mail: for one mail through the real processMail, the Graph
 * requests the simulator received (mailbox calls by endpoint, and token-service calls apart),
 * and the Cosmos and Blob requests counting proxies in front of the emulators saw, by kind.
 * Counted for the first mail of a fresh process ("cold": container checks, folder look-ups,
 * catalogue seeding) and then, warm, for one mail of each kind; the listing round (sync)
 * that found the mail is counted on its own, since one delta page serves up to 100 mails.
 */
export interface RequestCounts {
  graph: number;
  graphByEndpoint: Record<string, number>;
  tokenRequests: number;
  openidDiscovery: number;
  cosmos: { reads: number; writes: number; queries: number; metadata: number; byKind: Record<string, number> };
  blob: { writes: number; reads: number; containerChecks: number };
  /** New TCP connections the worker opened to Cosmos and to Blob storage. */
  newConnections: { cosmos: number; blob: number };
}

const WRITE_KINDS = ['create', 'replace', 'upsert', 'delete', 'patch'];

/** The baseline: what a plain new-ticket mail cannot do without. */
const MINIMUM = { graph: 2, cosmos: 2, blobWrites: 1 } as const;

function reset(world: World): void {
  world.sim.resetCounters();
  world.cosmosProxy?.reset();
  world.blobProxy?.reset();
}

function snapshot(world: World, mailbox: string): RequestCounts {
  const g = graphCounts(world.sim, mailbox);
  const cosmos = world.cosmosProxy?.counts() ?? {};
  const blob = world.blobProxy?.counts() ?? {};
  return {
    graph: g.mailboxRequests,
    graphByEndpoint: g.byEndpoint,
    tokenRequests: g.tokenRequests,
    openidDiscovery: g.discovery,
    cosmos: {
      reads: sumCounts(cosmos, ['read']),
      writes: sumCounts(cosmos, WRITE_KINDS),
      queries: sumCounts(cosmos, ['query']),
      metadata: sumCounts(cosmos, ['metadata', 'setup']),
      byKind: cosmos,
    },
    blob: { writes: blob['blob write'] ?? 0, reads: blob['blob read'] ?? 0, containerChecks: blob['blob container'] ?? 0 },
    newConnections: { cosmos: world.cosmosProxy?.connections() ?? 0, blob: world.blobProxy?.connections() ?? 0 },
  };
}

const describe = (c: RequestCounts): string =>
  `Graph ${c.graph} (${listCounts(c.graphByEndpoint)}) + token service ${c.tokenRequests} token, ${c.openidDiscovery} discovery; ` +
  `Cosmos ${c.cosmos.reads + c.cosmos.writes + c.cosmos.queries + c.cosmos.metadata} (reads ${c.cosmos.reads}, writes ${c.cosmos.writes}, queries ${c.cosmos.queries}, metadata ${c.cosmos.metadata}); ` +
  `Blob writes ${c.blob.writes}, reads ${c.blob.reads}, container checks ${c.blob.containerChecks}; ` +
  `new TCP connections: Cosmos ${c.newConnections.cosmos}, Blob ${c.newConnections.blob}`;

async function oneMail(world: World, worker: Worker, channelId: string, mailbox: string, kind: MailKind, tag: string): Promise<{ listing: RequestCounts; mail: RequestCounts; status: string }> {
  const mail = await sampleMail(firstIndexOf(kind), { to: mailbox, tag });
  if (mail.kind !== kind) throw new Error(`sample ${firstIndexOf(kind)} is ${mail.kind}, not ${kind}`);
  await deliverAll(world.sim, mailbox, [mail]);
  reset(world);
  const listed = await worker.call({ op: 'list', channelId });
  if (listed.listed !== 1) throw new Error(`the sync listed ${listed.listed} mails, expected 1`);
  const listing = snapshot(world, mailbox);
  reset(world);
  const res = await worker.call({ op: 'process', channelId, concurrency: 1 });
  if (res.failed > 0) throw new Error(`processMail failed: ${res.errors.join(' | ')}`);
  return { listing, mail: snapshot(world, mailbox), status: Object.keys(res.statuses).join(',') };
}

export const requests: Benchmark = {
  name: 'requests',
  title: '2. Requests per new-ticket mail (Graph, token service, Cosmos, Blob), counted on the wire',
  async run({ print }) {
    const world = await startWorld({ countRequests: true });
    const worker = await startWorker(world.workerEnv);
    const mailbox = 'requests@contoso.example';
    const channelId = 'bench-requests';
    try {
      await worker.call({ op: 'setupChannel', channel: channelSpec(world.sim, channelId, mailbox) });
      const cold = await oneMail(world, worker, channelId, mailbox, 'plain', 'cold');
      print(`first sync round of the channel (1 mail listed): ${describe(cold.listing)}`);
      print(`cold, first mail of a fresh process (${cold.status}): ${describe(cold.mail)}`);
      const warm: Record<string, RequestCounts> = {};
      let listing: RequestCounts | undefined;
      for (const kind of MAIL_KINDS) {
        const r = await oneMail(world, worker, channelId, mailbox, kind, `warm-${kind}`);
        warm[kind] = r.mail;
        listing ??= r.listing;
        print(`warm, ${kind} (${r.status}): ${describe(r.mail)}`);
      }
      if (listing) print(`a later sync round (1 mail listed; a delta page holds up to 100): ${describe(listing)}`);
      const plain = warm.plain;
      if (!plain) throw new Error('no plain mail measured');
      const cosmosOps = plain.cosmos.reads + plain.cosmos.writes + plain.cosmos.queries + plain.cosmos.metadata;
      print(
        `per new-ticket mail (warm, plain): Graph calls ${plain.graph} (K for benchmark 4), token requests ${plain.tokenRequests}, ` +
          `Cosmos ops ${cosmosOps} (reads ${plain.cosmos.reads}, writes ${plain.cosmos.writes}, queries ${plain.cosmos.queries}), blob writes ${plain.blob.writes}`,
      );
      print(`  Cosmos by kind: ${listCounts(plain.cosmos.byKind)}`);
      const withAttachment = warm['pdf-200k'];
      if (withAttachment) print(`  a mail with one attachment adds ${fixed(withAttachment.blob.writes - plain.blob.writes, 0)} blob write(s)`);
      const vsMinimum = { graph: ratio(plain.graph, MINIMUM.graph), cosmos: ratio(cosmosOps, MINIMUM.cosmos), blobWrites: ratio(plain.blob.writes, MINIMUM.blobWrites) };
      print(
        `ratio to the minimum a new-ticket mail needs (Graph ${MINIMUM.graph}: fetch + move; Cosmos ${MINIMUM.cosmos}: ledger + ticket write; Blob ${MINIMUM.blobWrites}: the raw MIME): ` +
          `Graph ${fixed(vsMinimum.graph, 2)}, Cosmos ${fixed(vsMinimum.cosmos, 2)}, Blob writes ${fixed(vsMinimum.blobWrites, 2)}; ` +
          `token requests ${plain.tokenRequests} per mail (minimum 0: a token lasts an hour)`,
      );
      return { cold: cold.mail, firstSyncRound: cold.listing, laterSyncRound: listing, warm, graphCallsPerMail: plain.graph, cosmosOpsPerMail: cosmosOps, tokenRequestsPerMail: plain.tokenRequests, minimum: MINIMUM, vsMinimum };
    } finally {
      await worker.stop();
      await world.stop();
    }
  },
};
