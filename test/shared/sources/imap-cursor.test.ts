import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextCursor, parseImapCursor, planListing, searchSinceDate } from '../../../shared/sources/imap-cursor';
import { PermanentError } from '../../../shared/errors';

describe('IMAP sync position', () => {
  const folder = { uidValidity: '1700000000', uidNext: 42 };

  it('a new folder without a start date skips what is there and starts at UIDNEXT-1', () => {
    assert.deepEqual(planListing(undefined, folder), { kind: 'nothing', resynced: false });
    assert.deepEqual(nextCursor(undefined, folder, []), { uidValidity: '1700000000', lastUid: 41 });
  });

  it('a new folder with a start date lists everything since then', () => {
    const since = new Date('2026-11-01T08:30:00Z');
    assert.deepEqual(planListing(undefined, folder, since), { kind: 'uids', fromUid: 1, since, resynced: false });
  });

  it('a known folder lists only UIDs above the last one, and nothing when UIDNEXT did not move', () => {
    assert.deepEqual(planListing({ uidValidity: '1700000000', lastUid: 30 }, folder), { kind: 'uids', fromUid: 31, resynced: false });
    assert.deepEqual(planListing({ uidValidity: '1700000000', lastUid: 41 }, folder), { kind: 'nothing', resynced: false });
  });

  it('a changed UIDVALIDITY lists the whole folder again and says it is a resync', () => {
    assert.deepEqual(planListing({ uidValidity: '1600000000', lastUid: 900 }, folder), { kind: 'uids', fromUid: 1, since: undefined, resynced: true });
    // The old lastUid means nothing in the new numbering.
    assert.deepEqual(nextCursor({ uidValidity: '1600000000', lastUid: 900 }, folder, [3, 7]), { uidValidity: '1700000000', lastUid: 41 });
  });

  it('mail that arrived while listing moves the position past it; the position never goes back', () => {
    assert.equal(nextCursor({ uidValidity: '1700000000', lastUid: 30 }, folder, [31, 44]).lastUid, 44);
    assert.equal(nextCursor({ uidValidity: '1700000000', lastUid: 50 }, folder, []).lastUid, 50);
  });

  it('a cursor from another source type is refused with the field named', () => {
    assert.throws(() => parseImapCursor({ deltaLink: 'x' }), (e: unknown) => e instanceof PermanentError && e.code === 'IMAP_BAD_CURSOR' && /uidValidity/.test(e.message));
    assert.throws(() => parseImapCursor({ uidValidity: 17, lastUid: 1 }), PermanentError, 'UIDVALIDITY must be a decimal string');
    assert.deepEqual(parseImapCursor({ uidValidity: '17', lastUid: 0 }), { uidValidity: '17', lastUid: 0 });
    assert.equal(parseImapCursor(undefined), undefined);
  });

  it('SEARCH SINCE asks one day earlier, so no time zone hides a mail', () => {
    assert.equal(searchSinceDate(new Date('2026-11-02T00:30:00Z')).toISOString(), '2026-11-01T00:30:00.000Z');
  });
});
