import { describe, expect, it } from '@jest/globals';
import { isInvalidPageRequestError } from './errors.js';
import { decodeCursor, encodeCursor, pageSizeOf, toPage } from './page.js';

describe('page tokens', () => {
  it('round-trip the sort key for their own list only', () => {
    const token = encodeCursor('messages', { key: 42, id: 'M1' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('messages', token)).toEqual({ key: 42, id: 'M1' });
    expect(() => decodeCursor('members', token)).toThrow(/page_token/);
    const threads = encodeCursor('threads', { key: '2025-01-01T00:00:00.000Z', id: 'T1' });
    expect(decodeCursor('threads', threads)).toEqual({ key: '2025-01-01T00:00:00.000Z', id: 'T1' });
  });

  it('treat empty as the first page and reject anything else malformed', () => {
    expect(decodeCursor('messages', undefined)).toBeUndefined();
    expect(decodeCursor('messages', '')).toBeUndefined();
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const bad: [kind: 'messages' | 'threads', token: string][] = [
      ['messages', 'a b'],
      ['messages', '%%%'],
      ['messages', b64('not json')],
      ['messages', b64('{}')],
      ['messages', b64('[1,2]')],
      ['messages', b64('["messages","x","M1"]')],
      ['messages', b64('["messages",1.5,"M1"]')],
      ['threads', b64('["threads","not a date","T"]')],
      ['threads', b64('["threads",5,"T"]')],
      ['messages', 'x'.repeat(2000)],
    ];
    for (const [kind, token] of bad) {
      let caught: unknown;
      try {
        decodeCursor(kind, token);
      } catch (err) {
        caught = err;
      }
      expect({ token, invalid: isInvalidPageRequestError(caught) }).toEqual({ token, invalid: true });
    }
  });

  it('page size defaults to 100, is capped at 1000, and must be a non-negative integer', () => {
    expect(pageSizeOf({})).toBe(100);
    expect(pageSizeOf({ pageSize: 0 })).toBe(100);
    expect(pageSizeOf({ pageSize: 7 })).toBe(7);
    expect(pageSizeOf({ pageSize: 1001 })).toBe(1000);
    expect(() => pageSizeOf({ pageSize: -1 })).toThrow(/page_size/);
    expect(() => pageSizeOf({ pageSize: 1.5 })).toThrow(/page_size/);
  });

  it('a next token only when a row beyond the page exists', () => {
    const cursorOf = (n: number) => ({ key: n, id: String(n) });
    expect(toPage([1, 2], 2, 'messages', cursorOf, (n) => n)).toEqual({ items: [1, 2], nextPageToken: '' });
    const page = toPage([1, 2, 3], 2, 'messages', cursorOf, (n) => n);
    expect(page.items).toEqual([1, 2]);
    expect(decodeCursor('messages', page.nextPageToken)).toEqual({ key: 2, id: '2' });
  });
});
