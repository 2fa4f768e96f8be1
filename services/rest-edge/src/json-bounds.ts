import { BadRequestError } from './errors.js';

/** What {@link requireBoundedJson} allows. */
export interface JsonBounds {
  /** Elements in any one array: the longest list a request carries is 1,000 ids. @default 1000 */
  maxArrayElements: number;
  /** Nesting of arrays and objects. @default 16 */
  maxDepth: number;
}

export const defaultJsonBounds: JsonBounds = { maxArrayElements: 1_000, maxDepth: 16 };

const quote = 0x22;
const backslash = 0x5c;

/**
 * Refuses a body whose arrays are longer, or whose nesting deeper, than any
 * valid request's, before JSON.parse builds it: a 1 MB body of 500,000 tiny
 * elements would otherwise cost a parse and hundreds of MB of objects only
 * to be refused by the command service. One pass over the text, no
 * allocation but a small stack; malformed JSON is left to JSON.parse.
 */
export function requireBoundedJson(text: string, bounds: JsonBounds = defaultJsonBounds): void {
  // Per open container: elements seen so far in an array, or -1 for an object.
  const counts: number[] = [];
  let inString = false;
  let pendingValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === backslash) i++;
      else if (c === quote) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    const top = counts.length - 1;
    if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      counts.pop();
      pendingValue = false;
      continue;
    }
    // Any other token in an array with no element counted yet since the last comma starts one.
    const elements = top >= 0 ? counts[top]! : -1;
    if (pendingValue && elements >= 0) {
      counts[top] = elements + 1;
      if (elements + 1 > bounds.maxArrayElements) {
        throw new BadRequestError(`request body: a list holds more than ${bounds.maxArrayElements} elements, more than any request may carry`);
      }
    }
    pendingValue = c === 0x2c /* , */ || c === 0x5b /* [ */;
    if (c === quote) inString = true;
    else if (c === 0x5b || c === 0x7b /* { */) {
      counts.push(c === 0x5b ? 0 : -1);
      if (counts.length > bounds.maxDepth) throw new BadRequestError(`request body: nested deeper than ${bounds.maxDepth} levels`);
    }
  }
}
