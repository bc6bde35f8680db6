import { sumCounts } from './counting-proxy';
import { startWorld, type World } from './env';
import { fixed, listCounts, ratio, table } from './format';
import { channelSpec, deliverAll, graphCounts } from './mailbox';
import { firstIndexOf, MAIL_KINDS, sampleMail, type MailKind, type SampleMail } from './mails';
import type { Benchmark } from './benchmark';
import { acknowledgementsSentBy, customerReply } from './replies';
import { cosmosOps, difference, total, type RequestCounts } from './request-counts';
import { startWorker, type Worker } from './worker-client';

/**
 * 2. Requests per new-ticket mail: for one mail through the real processMail, the Graph
 * requests the simulator received (mailbox calls by endpoint, and token-service calls apart),
 * and the Cosmos and Blob requests counting proxies in front of the emulators saw, by kind.
 * Counted for the first mail of a fresh process ("cold": container checks, folder look-ups,
 * catalogue seeding) and then, warm, for one mail of each kind; the listing round (sync)
 * that found the mail is counted on its own, since one delta page serves up to 100 mails.
 *
 * Then the two-way part, warm: a reply that becomes a note (the customer's answer to the
 * acknowledgement of the plain mail's ticket), and an acknowledgement — what it adds to
 * its new-ticket mail (the same plain mail on a channel that does not acknowledge, the
 * difference) and what the send job costs to send it (counted for the first send of the
 * process, cold, and for the next, warm).
 */
const WRITE_KINDS = ['create', 'replace', 'upsert', 'delete', 'patch', 'batch'];

/** Mails in the steady-state row (one after another, warm). */
const STREAM_MAILS = 20;

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

/** The send job for one outbox record, counted. */
async function oneSend(world: World, worker: Worker, channelId: string, mailbox: string, outboxId: string): Promise<{ send: RequestCounts; outcome: string }> {
  reset(world);
  const r = await worker.call({ op: 'send', channelId, outboxIds: [outboxId], concurrency: 1 });
  if (r.failed > 0) throw new Error(`the send job failed: ${r.errors.join(' | ')}`);
  return { send: snapshot(world, mailbox), outcome: Object.keys(r.outcomes).join(',') };
}

const describe = (c: RequestCounts): string =>
  `Graph ${c.graph} (${listCounts(c.graphByEndpoint)}) + token service ${c.tokenRequests} token, ${c.openidDiscovery} discovery; ` +
  `Cosmos ${c.cosmos.reads + c.cosmos.writes + c.cosmos.queries + c.cosmos.metadata} (reads ${c.cosmos.reads}, writes ${c.cosmos.writes}, queries ${c.cosmos.queries}, metadata ${c.cosmos.metadata}); ` +
  `Blob writes ${c.blob.writes}, reads ${c.blob.reads}, container checks ${c.blob.containerChecks}; ` +
  `new TCP connections: Cosmos ${c.newConnections.cosmos}, Blob ${c.newConnections.blob}`;

async function oneMail(world: World, worker: Worker, channelId: string, mailbox: string, kind: MailKind, tag: string): Promise<{ listing: RequestCounts; mail: RequestCounts; status: string }> {
  const mail = await sampleMail(firstIndexOf(kind), { to: mailbox, tag });
  if (mail.kind !== kind) throw new Error(`sample ${firstIndexOf(kind)} is ${mail.kind}, not ${kind}`);
  return oneDelivered(world, worker, channelId, mailbox, mail);
}

/**
 * `n` plain new-ticket mails, warm, processed one after another as a queue hands them out:
 * what each costs in steady state, the counters' writes shared by the mails that close
 * within one second (store/channel-stats.ts). The listing is counted apart.
 */
async function streamOfPlain(world: World, worker: Worker, channelId: string, mailbox: string, n: number): Promise<{ mails: number; perMail: Record<string, number>; cosmosOpsPerMail: number; statsWritesPerMail: number; elapsedMs: number }> {
  const mails = await Promise.all(Array.from({ length: n }, (_, i) => sampleMail(firstIndexOf('plain'), { to: mailbox, tag: `stream-${i}` })));
  await deliverAll(world.sim, mailbox, mails);
  const listed = await worker.call({ op: 'list', channelId });
  if (listed.listed !== n) throw new Error(`the sync listed ${listed.listed} mails, expected ${n}`);
  reset(world);
  const res = await worker.call({ op: 'process', channelId, concurrency: 1 });
  if (res.failed > 0 || res.mails !== n) throw new Error(`processMail failed: ${res.errors.join(' | ')}`);
  const counts = snapshot(world, mailbox);
  const perMail = Object.fromEntries(Object.entries(counts.cosmos.byKind).map(([k, v]) => [k, v / n]));
  const statsWrites = sumCounts(Object.fromEntries(Object.entries(counts.cosmos.byKind).filter(([k]) => k.endsWith(' channelStats'))), WRITE_KINDS);
  return { mails: n, perMail, cosmosOpsPerMail: cosmosOps(counts) / n, statsWritesPerMail: statsWrites / n, elapsedMs: res.elapsedMs };
}

/** Delivers the mail, lists it (counted apart) and processes it (counted). */
async function oneDelivered(world: World, worker: Worker, channelId: string, mailbox: string, mail: SampleMail): Promise<{ listing: RequestCounts; mail: RequestCounts; status: string }> {
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

/**
 * A reply that becomes a note, and an acknowledgement (in the pipeline, and sent), warm.
 * `plain`: the warm plain new-ticket mail of `channelId`, a channel that acknowledges.
 */
async function repliesAndAcknowledgements(world: World, worker: Worker, channelId: string, mailbox: string, plain: RequestCounts, print: (line: string) => void): Promise<Record<string, unknown>> {
  // the same plain mail on a channel that does not acknowledge: the difference is the acknowledgement's share
  const quietMailbox = 'requests-no-ack@contoso.example';
  const quietId = 'bench-requests-no-ack';
  await worker.call({ op: 'setupChannel', channel: channelSpec(world.sim, quietId, quietMailbox), settings: { autoResponse: false } });
  await oneMail(world, worker, quietId, quietMailbox, 'plain', 'no-ack-cold');
  const unacknowledged = await oneMail(world, worker, quietId, quietMailbox, 'plain', 'no-ack-warm');
  const inPipeline = difference(plain, unacknowledged.mail);
  print(`warm, plain on a channel that does not acknowledge (${unacknowledged.status}): ${describe(unacknowledged.mail)}`);
  print(`  an acknowledgement adds to its new-ticket mail: ${describe(inPipeline)}`);
  print(`  Cosmos by kind: ${listCounts(inPipeline.cosmos.byKind)}`);
  const stream = await streamOfPlain(world, worker, quietId, quietMailbox, STREAM_MAILS);
  print(
    `${stream.mails} plain mails one after another on that channel (warm, ${fixed(stream.elapsedMs / 1000, 1)} s): Cosmos ops per mail ${fixed(stream.cosmosOpsPerMail, 2)}, ` +
      `of which stats counter writes ${fixed(stream.statsWritesPerMail, 2)} (a lone mail: 1)`,
  );
  print(`  Cosmos by kind, per mail: ${listCounts(Object.fromEntries(Object.entries(stream.perMail).map(([k, v]) => [k, Number(v.toFixed(2))])))}`);

  // the send job: the first send of the process (cold), then one more (warm); the rest unmeasured
  const { outboxIds } = await worker.call({ op: 'queuedOutbox', channelId });
  const [first, second, ...rest] = outboxIds;
  if (!first || !second) throw new Error(`${outboxIds.length} acknowledgements queued, expected at least 2`);
  const coldSend = await oneSend(world, worker, channelId, mailbox, first);
  print(`send job, first send of a fresh process (${coldSend.outcome}): ${describe(coldSend.send)}`);
  const warmSend = await oneSend(world, worker, channelId, mailbox, second);
  print(`send job, warm (${warmSend.outcome}): ${describe(warmSend.send)}`);
  print(`  Cosmos by kind: ${listCounts(warmSend.send.cosmos.byKind)}`);
  if (rest.length) await worker.call({ op: 'send', channelId, outboxIds: rest, concurrency: 1 });
  // the acknowledgement of a mail that started its thread (its References name that mail alone), whichever
  // the outbox's order sent last: an acknowledgement of the sample reply would name more ids, and cost more reads
  const ack = (await acknowledgementsSentBy(world.sim, mailbox)).filter((a) => a.references.length === 1).at(-1);
  if (!ack) throw new Error('no acknowledgement of a new mail reached the simulator');
  const perAutoResponse = total(inPipeline, warmSend.send);

  // the customer's answer to that acknowledgement
  const reply = await oneDelivered(world, worker, channelId, mailbox, await customerReply(ack, 0, { to: mailbox, tag: 'requests' }));
  if (reply.status !== 'done:noted') throw new Error(`the reply came out ${reply.status}, not done:noted`);
  print(`warm, a reply that becomes a note (${reply.status}): ${describe(reply.mail)}`);
  print(`  Cosmos by kind: ${listCounts(reply.mail.cosmos.byKind)}`);

  const row = (name: string, c: RequestCounts) => [
    name,
    String(c.graph),
    String(c.tokenRequests),
    String(cosmosOps(c)),
    String(c.cosmos.reads),
    String(c.cosmos.writes),
    String(c.cosmos.queries),
    String(c.blob.writes),
  ];
  print('per piece of work, warm:');
  for (const line of table([
    ['', 'Graph', 'token', 'Cosmos', 'reads', 'writes', 'queries', 'Blob writes'],
    row('new-ticket mail (plain, acknowledged)', plain),
    row('new-ticket mail (plain, not acknowledged)', unacknowledged.mail),
    row('reply → note', reply.mail),
    row('acknowledgement: added to its mail', inPipeline),
    row('acknowledgement: send job', warmSend.send),
    row('acknowledgement: in all', perAutoResponse),
  ]))
    print(`  ${line}`);
  return {
    perReply: reply.mail,
    perAutoResponse: { inPipeline, sendJob: warmSend.send, sendJobCold: coldSend.send, total: perAutoResponse },
    unacknowledgedMail: unacknowledged.mail,
    unacknowledgedStream: stream,
    graphCallsPerReply: reply.mail.graph,
    cosmosOpsPerReply: cosmosOps(reply.mail),
    graphCallsPerAutoResponse: perAutoResponse.graph,
    cosmosOpsPerAutoResponse: cosmosOps(perAutoResponse),
  };
}

export const requests: Benchmark = {
  name: 'requests',
  title: '2. Requests per new-ticket mail, per reply and per acknowledgement (Graph, token service, Cosmos, Blob), counted on the wire',
  async run({ print }) {
    const world = await startWorld({ countRequests: true });
    const worker = await startWorker(world.workerEnv);
    const mailbox = 'requests@contoso.example';
    const channelId = 'bench-requests';
    try {
      // the template takes mail updates: the reply measured below becomes a note
      await worker.call({ op: 'setupChannel', channel: channelSpec(world.sim, channelId, mailbox), settings: { whitelist: ['it-support'] } });
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
      const plainOps = cosmosOps(plain);
      print(
        `per new-ticket mail (warm, plain): Graph calls ${plain.graph} (K for benchmark 4), token requests ${plain.tokenRequests}, ` +
          `Cosmos ops ${plainOps} (reads ${plain.cosmos.reads}, writes ${plain.cosmos.writes}, queries ${plain.cosmos.queries}), blob writes ${plain.blob.writes}`,
      );
      print(`  Cosmos by kind: ${listCounts(plain.cosmos.byKind)}`);
      const withAttachment = warm['pdf-200k'];
      if (withAttachment) print(`  a mail with one attachment adds ${fixed(withAttachment.blob.writes - plain.blob.writes, 0)} blob write(s)`);
      const vsMinimum = { graph: ratio(plain.graph, MINIMUM.graph), cosmos: ratio(plainOps, MINIMUM.cosmos), blobWrites: ratio(plain.blob.writes, MINIMUM.blobWrites) };
      print(
        `ratio to the minimum a new-ticket mail needs (Graph ${MINIMUM.graph}: fetch + move; Cosmos ${MINIMUM.cosmos}: ledger + ticket write; Blob ${MINIMUM.blobWrites}: the raw MIME): ` +
          `Graph ${fixed(vsMinimum.graph, 2)}, Cosmos ${fixed(vsMinimum.cosmos, 2)}, Blob writes ${fixed(vsMinimum.blobWrites, 2)}; ` +
          `token requests ${plain.tokenRequests} per mail (minimum 0: a token lasts an hour)`,
      );
      const twoWay = await repliesAndAcknowledgements(world, worker, channelId, mailbox, plain, print);
      return { cold: cold.mail, firstSyncRound: cold.listing, laterSyncRound: listing, warm, graphCallsPerMail: plain.graph, cosmosOpsPerMail: plainOps, tokenRequestsPerMail: plain.tokenRequests, minimum: MINIMUM, vsMinimum, ...twoWay };
    } finally {
      await worker.stop();
      await world.stop();
    }
  },
};
