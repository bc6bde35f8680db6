import { test } from 'node:test';
import assert from 'node:assert/strict';
import { table } from '../../bench/format';

test('a table aligns every column to its widest cell: names left, figures right', () => {
  assert.deepEqual(table([
    ['', 'Graph', 'Cosmos'],
    ['reply → note', '2', '19'],
    ['acknowledgement', '1', '10'],
  ]), [
    '                 Graph  Cosmos',
    'reply → note         2      19',
    'acknowledgement      1      10',
  ]);
});

test('a short row is padded as if its missing cells were empty, and no line ends in spaces', () => {
  const lines = table([['name', 'a', 'b'], ['x', '1']]);
  assert.deepEqual(lines, ['name  a  b', 'x     1']);
});
