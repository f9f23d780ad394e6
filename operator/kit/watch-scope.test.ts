import { describe, expect, it } from 'vitest';
import { describeScope, watchScopeOf } from './watch-scope.ts';

describe('watchScopeOf', () => {
  it('watches a list of namespaces, a selector, or all', () => {
    expect(watchScopeOf({ namespaces: ['a', 'b', 'a'] })).toEqual({ kind: 'namespaces', namespaces: ['a', 'b'] });
    expect(watchScopeOf({ namespaceSelector: 'team in (a,b)' })).toEqual({
      kind: 'selector',
      labelSelector: 'team in (a,b)',
    });
    expect(watchScopeOf({ namespaces: [] })).toEqual({ kind: 'all' });
    expect(describeScope(watchScopeOf({ namespaces: ['a', 'b'] }))).toBe('a,b');
  });

  it('refuses a list and a selector together', () => {
    expect(() => watchScopeOf({ namespaces: ['a'], namespaceSelector: 'team=a' })).toThrow(/not both/);
  });
});
