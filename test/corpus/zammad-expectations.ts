import fs from 'node:fs';
import path from 'node:path';
import { parseDocument, type Tags } from 'yaml';
import { z } from 'zod';

/**
 * Reads the `mailNNN.yml` files that ship with the Zammad corpus: Zammad's own parse
 * result of each `mailNNN.box`, dumped by Ruby's Psych. Two Ruby-isms need care:
 * - every hash is tagged `!ruby/hash:ActiveSupport::HashWithIndifferentAccess`
 *   (registered below as a plain map);
 * - Psych ends a multi-line single-quoted scalar with its closing quote at column 0,
 *   which strict YAML 1.2 refuses; such a line is indented before parsing (inside a
 *   flow scalar, leading blanks of continuation lines are folded away, so this does not
 *   change the value).
 */
export const corpusDir = path.resolve(__dirname, '../../../shared/corpus/zammad-mail');

const rubyHash: Tags[number] = {
  tag: '!ruby/hash:ActiveSupport::HashWithIndifferentAccess',
  collection: 'map',
  resolve: (map) => map,
};

const Expectation = z.object({
  from: z.string().optional(),
  from_email: z.string().optional(),
  from_display_name: z.string().optional(),
  subject: z.string().optional(),
  body: z.string().optional(),
  content_type: z.string().optional(),
  attachments: z.array(z.object({ filename: z.string().optional() }).loose()).optional(),
}).loose();
export type Expectation = z.infer<typeof Expectation>;

export function readExpectation(ymlFile: string): Expectation {
  const text = fs
    .readFileSync(ymlFile, 'utf8')
    .split('\n')
    .map((line) => (/^['"]\s*$/.test(line) ? `    ${line}` : line))
    .join('\n');
  const doc = parseDocument(text, { customTags: [rubyHash], uniqueKeys: false });
  if (doc.errors.length) throw new Error(`${path.basename(ymlFile)}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return Expectation.parse(doc.toJS());
}

/** Every `.box` of the corpus with its `.yml`, sorted by name. */
export function corpusPairs(): { name: string; box: string; yml: string }[] {
  return fs
    .readdirSync(corpusDir)
    .filter((f) => f.endsWith('.box'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.box$/, '');
      return { name, box: path.join(corpusDir, f), yml: path.join(corpusDir, `${name}.yml`) };
    });
}
