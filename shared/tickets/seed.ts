import type { Template } from './template';
import type { Offer } from './offer';

/**
 * The templates (and their catalogue offers) a fresh local installation starts with,
 * so a channel can be configured and published without first building templates.
 * Created on first use when running against the local emulator; never overwritten.
 */
const SEEDED_AT = '2024-01-01T00:00:00.000Z';

export const seedTemplates: readonly Template[] = [
  {
    id: 'it-support',
    name: 'IT support request',
    description: 'Something does not work and the requester needs help.',
    createdAt: SEEDED_AT,
    fields: [
      { name: 'category', label: 'Category', type: 'enum', required: false, options: ['Hardware', 'Software', 'Network', 'Account', 'Other'] },
      { name: 'affectedSystem', label: 'Affected system', type: 'string', required: false },
      { name: 'contactEmail', label: 'Contact e-mail', type: 'email', required: false },
      { name: 'details', label: 'Details', type: 'text', required: false },
    ],
  },
  {
    id: 'access-request',
    name: 'Access request',
    description: 'A person needs access to a system, share or group.',
    createdAt: SEEDED_AT,
    fields: [
      { name: 'system', label: 'System or resource', type: 'string', required: true },
      { name: 'accessLevel', label: 'Access level', type: 'enum', required: true, options: ['Read', 'Write', 'Admin'] },
      { name: 'forUser', label: 'For user (e-mail)', type: 'email', required: false },
      { name: 'neededBy', label: 'Needed by', type: 'date', required: false },
      { name: 'justification', label: 'Justification', type: 'text', required: false },
    ],
  },
  {
    id: 'hardware-order',
    name: 'Hardware order',
    description: 'Order of a device or accessory.',
    createdAt: SEEDED_AT,
    fields: [
      { name: 'item', label: 'Item', type: 'string', required: true },
      { name: 'quantity', label: 'Quantity', type: 'number', required: true },
      { name: 'costCenter', label: 'Cost center', type: 'string', required: false },
      { name: 'deliveryDate', label: 'Wanted delivery date', type: 'date', required: false },
    ],
  },
  {
    id: 'incident',
    name: 'Incident',
    description: 'An outage or degradation of a service.',
    createdAt: SEEDED_AT,
    fields: [
      { name: 'severity', label: 'Severity', type: 'enum', required: true, options: ['Sev1', 'Sev2', 'Sev3', 'Sev4'] },
      { name: 'service', label: 'Affected service', type: 'string', required: false },
      { name: 'startedAt', label: 'Started at', type: 'date', required: false },
      { name: 'usersAffected', label: 'Users affected', type: 'number', required: false },
    ],
  },
];

/** One catalogue (non-silent) offer per seeded template. */
export const seedOffers: readonly Offer[] = seedTemplates.map((t) => ({
  id: `catalogue-${t.id}`,
  templateId: t.id,
  name: t.name,
  silent: false,
  createdAt: SEEDED_AT,
}));
