import { describe, expect, it } from '@jest/globals';
import { requireBoundedJson } from './json-bounds.js';

describe('requireBoundedJson', () => {
  const bounds = { maxArrayElements: 3, maxDepth: 4 };

  it.each([
    '{"a":[1,2,3]}',
    '{"a":[]," b":[ "x,y,z,[", "\\"],[" , {"c":[true, null, 1e3]} ]}',
    '[[1,2,3],[4],[]]',
    '{"a":{"b":{"c":[1]}}}',
    'not json at all [1,2',
  ])('lets %s through', (text) => {
    expect(() => requireBoundedJson(text, bounds)).not.toThrow();
  });

  it.each([
    ['{"a":[1,2,3,4]}', 'more than 3 elements'],
    ['[[1],[2],[3],[4]]', 'more than 3 elements'],
    ['{"a":["x","y", "z" , {}]}', 'more than 3 elements'],
    ['[[[[[1]]]]]', 'deeper than 4'],
  ])('refuses %s', (text, message) => {
    expect(() => requireBoundedJson(text, bounds)).toThrow(message);
  });

  it('refuses a 500,000-element list with the default bounds', () => {
    expect(() => requireBoundedJson(`{"accountIds":[${'0,'.repeat(499_999)}0]}`)).toThrow('more than 1000 elements');
  });
});
