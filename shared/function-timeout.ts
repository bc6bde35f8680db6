/**
 * The host's function timeout (`functionTimeout` in host.json; a test keeps the two equal).
 * A claim a delivery holds on a record (the ledger's, the outbox's) lasts this long, so it
 * outlives any live attempt and expires only for a holder that died.
 */
export const FUNCTION_TIMEOUT_MS = 10 * 60_000;
