import { Template } from '../tickets/template';
import { container } from './cosmos';
import { readItem, queryAll, createOrReadExisting } from './cosmos-items';

/** Ticket templates in container `templates` (pk /id). */

export async function readTemplate(id: string): Promise<Template | undefined> {
  const resource = await readItem(await container('templates'), id, id);
  return resource ? Template.parse(resource) : undefined;
}

export async function listTemplateDocs(): Promise<Template[]> {
  const docs = await queryAll<unknown>(await container('templates'), 'SELECT * FROM c ORDER BY c.name ASC');
  return docs.map((d) => Template.parse(d));
}

/** Creates the template unless one with its id exists (which is then returned untouched). */
export async function createTemplateIfAbsent(template: Template): Promise<{ template: Template; created: boolean }> {
  const valid = Template.parse(template);
  const { resource, created } = await createOrReadExisting(await container('templates'), valid, valid.id);
  return { template: Template.parse(resource), created };
}
