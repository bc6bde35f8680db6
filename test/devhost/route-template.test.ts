import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { comparePrecedence, matchRoute, parseRouteTemplate } from '../../devhost/http/route-template';

const match = (template: string, path: string) => matchRoute(parseRouteTemplate(template), path);

describe('HTTP route templates (ASP.NET Core syntax)', () => {
  test('literals match case-insensitively and parameters capture one decoded segment', () => {
    assert.deepEqual(match('channels/{id}/pause', '/Channels/a%20b/PAUSE'), { id: 'a b' });
    assert.equal(match('channels/{id}', '/channels/a/b'), undefined);
    assert.equal(match('channels/{id}', '/channels'), undefined);
    assert.deepEqual(match('channels/{id}', '/channels/x/'), { id: 'x' }, 'a trailing slash is tolerated');
  });

  test('optional parameters and defaults may be left out', () => {
    assert.deepEqual(match('echo/{name?}', '/echo'), {});
    assert.deepEqual(match('echo/{name?}', '/echo/bob'), { name: 'bob' });
    assert.deepEqual(match('page/{n:int=1}', '/page'), { n: '1' });
  });

  test('constraints: int, long, bool, guid, alpha, length, range, regex', () => {
    assert.deepEqual(match('i/{id:int}', '/i/-12'), { id: '-12' });
    assert.equal(match('i/{id:int}', '/i/2147483648'), undefined, 'beyond Int32');
    assert.deepEqual(match('l/{id:long}', '/l/2147483648'), { id: '2147483648' });
    assert.equal(match('b/{v:bool}', '/b/yes'), undefined);
    assert.deepEqual(match('b/{v:bool}', '/b/True'), { v: 'True' });
    assert.deepEqual(match('g/{v:guid}', '/g/3f2504e0-4f89-11d3-9a0c-0305e82c3301'), { v: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    assert.equal(match('a/{v:alpha}', '/a/abc1'), undefined);
    assert.equal(match('s/{v:minlength(3):maxlength(4)}', '/s/ab'), undefined);
    assert.deepEqual(match('s/{v:length(2,3)}', '/s/abc'), { v: 'abc' });
    assert.equal(match('r/{v:range(1,10)}', '/r/11'), undefined);
    assert.deepEqual(match('x/{v:regex(^[a-z]{{2}}\\d$)}', '/x/ab1'), { v: 'ab1' });
    assert.throws(() => parseRouteTemplate('x/{v:nosuch}'), /unknown route constraint "nosuch"/);
  });

  test('a catch-all takes the rest of the path; complex segments split on their literals', () => {
    assert.deepEqual(match('files/{*path}', '/files/a/b/c.txt'), { path: 'a/b/c.txt' });
    assert.deepEqual(match('files/{*path}', '/files'), {});
    assert.deepEqual(match('dl/{name}.{ext}', '/dl/report.final.pdf'), { name: 'report', ext: 'final.pdf' });
  });

  test('more specific routes take precedence: literal, then constrained, then plain parameter, then catch-all', () => {
    const routes = ['items/{*rest}', 'items/{name}', 'items/{id:int}', 'items/latest'].map(parseRouteTemplate);
    const ordered = [...routes].sort(comparePrecedence).map((r) => r.template);
    assert.deepEqual(ordered, ['items/latest', 'items/{id:int}', 'items/{name}', 'items/{*rest}']);
  });
});
