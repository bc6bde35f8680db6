/**
 * Requests one piece of work cost, as the counting proxies and the Graph simulator saw them
 * (benchmark 2), and the arithmetic on them: what an acknowledgement adds to a new-ticket
 * mail is the difference between the same mail on a channel that acknowledges and on one
 * that does not; what it costs in all is that plus the send job's requests.
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

export const cosmosOps = (c: RequestCounts): number => c.cosmos.reads + c.cosmos.writes + c.cosmos.queries + c.cosmos.metadata;

type Op = (a: number, b: number) => number;

/** Key by key; keys that come out 0 are left out (a class neither side used, or both alike). */
function combineRecords(a: Record<string, number>, b: Record<string, number>, op: Op): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const v = op(a[key] ?? 0, b[key] ?? 0);
    if (v !== 0) out[key] = v;
  }
  return out;
}

function combine(a: RequestCounts, b: RequestCounts, op: Op): RequestCounts {
  return {
    graph: op(a.graph, b.graph),
    graphByEndpoint: combineRecords(a.graphByEndpoint, b.graphByEndpoint, op),
    tokenRequests: op(a.tokenRequests, b.tokenRequests),
    openidDiscovery: op(a.openidDiscovery, b.openidDiscovery),
    cosmos: {
      reads: op(a.cosmos.reads, b.cosmos.reads),
      writes: op(a.cosmos.writes, b.cosmos.writes),
      queries: op(a.cosmos.queries, b.cosmos.queries),
      metadata: op(a.cosmos.metadata, b.cosmos.metadata),
      byKind: combineRecords(a.cosmos.byKind, b.cosmos.byKind, op),
    },
    blob: { writes: op(a.blob.writes, b.blob.writes), reads: op(a.blob.reads, b.blob.reads), containerChecks: op(a.blob.containerChecks, b.blob.containerChecks) },
    newConnections: { cosmos: op(a.newConnections.cosmos, b.newConnections.cosmos), blob: op(a.newConnections.blob, b.newConnections.blob) },
  };
}

/** `a − b`, class by class (negative where `b` made more requests of a class). */
export const difference = (a: RequestCounts, b: RequestCounts): RequestCounts => combine(a, b, (x, y) => x - y);

/** `a + b`, class by class. */
export const total = (a: RequestCounts, b: RequestCounts): RequestCounts => combine(a, b, (x, y) => x + y);
