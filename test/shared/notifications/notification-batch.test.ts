import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationBatch, parseNotifications } from '../../../shared/notifications/notification-batch';

/** A change notification exactly as Graph posts it for a new Outlook message. */
const graphChange = {
  id: 'lsgTZMr9KwAAA',
  subscriptionId: '8b0ca9ff-4e8b-4f3b-a7b4-1d0ed0a2f3c9',
  subscriptionExpirationDateTime: '2026-03-20T11:00:00.0000000Z',
  clientState: 'secretClientValue',
  changeType: 'created',
  resource: 'Users/b1c2/Messages/AAMkAGUAAA=',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  resourceData: {
    '@odata.type': '#Microsoft.Graph.Message',
    '@odata.id': 'Users/b1c2/Messages/AAMkAGUAAA=',
    '@odata.etag': 'W/"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf"',
    id: 'AAMkAGUAAA=',
  },
};

const graphLifecycle = {
  subscriptionId: '8b0ca9ff-4e8b-4f3b-a7b4-1d0ed0a2f3c9',
  subscriptionExpirationDateTime: '2026-03-20T11:00:00.0000000Z',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientState: 'secretClientValue',
  lifecycleEvent: 'reauthorizationRequired',
};

describe('notification batches as Graph posts them', () => {
  it('a change notification is read with its subscription, clientState, change type and message id', () => {
    const parsed = parseNotifications(NotificationBatch.parse({ value: [graphChange] }));
    assert.deepEqual(parsed.skipped, []);
    const [first] = parsed.notifications;
    assert.equal(first?.kind, 'change');
    assert.equal(first?.notification.subscriptionId, graphChange.subscriptionId);
    assert.equal(first?.notification.clientState, 'secretClientValue');
    assert.equal(first?.kind === 'change' ? first.notification.changeType : undefined, 'created');
    assert.equal(first?.kind === 'change' ? first.notification.resourceData?.id : undefined, 'AAMkAGUAAA=');
  });

  it('a lifecycle notification is told apart by its lifecycleEvent (resourceData null is fine)', () => {
    const parsed = parseNotifications(NotificationBatch.parse({ value: [{ ...graphLifecycle, resource: 'users/x/messages', resourceData: null }] }));
    assert.equal(parsed.notifications[0]?.kind, 'lifecycle');
    assert.equal(parsed.notifications[0]?.kind === 'lifecycle' ? parsed.notifications[0].notification.lifecycleEvent : '', 'reauthorizationRequired');
  });

  it('a malformed item is skipped with the field it lacks; the rest of the batch still counts', () => {
    const parsed = parseNotifications(NotificationBatch.parse({ value: [{ changeType: 'created' }, 42, graphChange, { ...graphLifecycle, lifecycleEvent: '' }] }));
    assert.equal(parsed.notifications.length, 1);
    assert.deepEqual(parsed.skipped.map((s) => s.index), [0, 1, 3]);
    assert.ok(parsed.skipped[0]?.problems.some((p) => p.startsWith('subscriptionId:')), JSON.stringify(parsed.skipped[0]));
    assert.ok(parsed.skipped[2]?.problems.some((p) => p.startsWith('lifecycleEvent:')), JSON.stringify(parsed.skipped[2]));
  });

  it('a skipped item is described by its fields, never by the values it carried', () => {
    const parsed = parseNotifications(NotificationBatch.parse({ value: [{ subscriptionId: 'sub', clientState: 'the-secret', changeType: 7 }] }));
    assert.equal(parsed.skipped.length, 1);
    assert.ok(!JSON.stringify(parsed.skipped).includes('the-secret'));
  });

  it('a body that is not { value: [...] } is refused, naming the field', () => {
    const r = NotificationBatch.safeParse({ values: [] });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues.map((i) => i.path.join('.')), ['value']);
  });
});
