/**
 * google.api.http path templates (`/v1/threads/{thread_id}/destroy`),
 * compiled to a regular expression with one capture group per variable.
 *
 * Grammar (from google/api/http.proto):
 *   Template = "/" Segments [ Verb ] ;
 *   Segments = Segment { "/" Segment } ;
 *   Segment  = "*" | "**" | LITERAL | Variable ;
 *   Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *   Verb     = ":" LITERAL ;
 */

/** A compiled template: match a URL path and get its variables back. */
export interface PathTemplate {
  /** The template as written in the annotation. */
  readonly source: string;
  /** Field paths bound by variables, in order (`['thread_id']`). */
  readonly variables: readonly string[];
  /** Number of literal segments, used to prefer specific routes. */
  readonly literalCount: number;
  /** Variables by field path (still percent-encoded), or undefined on no match. */
  match(path: string): Map<string, string> | undefined;
}

/** A template that does not follow the grammar. */
export class PathTemplateError extends Error {
  override readonly name = 'PathTemplateError';
}

/** True when `err` is a {@link PathTemplateError}. */
export function isPathTemplateError(err: unknown): err is PathTemplateError {
  return err instanceof PathTemplateError;
}

const literalPattern = /^[A-Za-z0-9._~!$&'()+,;=@%-]+$/;
const fieldPathPattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits on "/" outside braces. */
function splitSegments(text: string, source: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (depth < 0 || depth > 1) throw new PathTemplateError(`unbalanced braces in path template ${source}`);
    if (ch === '/' && depth === 0) {
      segments.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw new PathTemplateError(`unbalanced braces in path template ${source}`);
  segments.push(current);
  return segments;
}

/** Regex for plain segments (no variables); counts literals. */
function plainSegmentsRegExp(segments: readonly string[], source: string): { pattern: string; literals: number } {
  let literals = 0;
  const parts = segments.map((segment) => {
    if (segment === '*') return '[^/]+';
    if (segment === '**') return '.+';
    if (!literalPattern.test(segment)) throw new PathTemplateError(`bad segment "${segment}" in path template ${source}`);
    literals++;
    return escapeRegExp(segment);
  });
  return { pattern: parts.join('/'), literals };
}

/** Compiles one template; throws {@link PathTemplateError} when it is malformed. */
export function compilePathTemplate(source: string): PathTemplate {
  if (!source.startsWith('/')) throw new PathTemplateError(`path template must start with "/": ${source}`);
  let body = source.slice(1);
  let verb = '';
  const colon = body.lastIndexOf(':');
  if (colon >= 0 && colon > body.lastIndexOf('}')) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
    if (!literalPattern.test(verb)) throw new PathTemplateError(`bad verb in path template ${source}`);
  }
  const variables: string[] = [];
  let literalCount = 0;
  const parts = splitSegments(body, source).map((segment) => {
    if (!segment.startsWith('{')) {
      const plain = plainSegmentsRegExp([segment], source);
      literalCount += plain.literals;
      return plain.pattern;
    }
    if (!segment.endsWith('}')) throw new PathTemplateError(`bad variable "${segment}" in path template ${source}`);
    const [fieldPath = '', inner] = segment.slice(1, -1).split('=', 2);
    if (!fieldPathPattern.test(fieldPath)) throw new PathTemplateError(`bad field path "${fieldPath}" in path template ${source}`);
    if (variables.includes(fieldPath)) throw new PathTemplateError(`field "${fieldPath}" bound twice in path template ${source}`);
    variables.push(fieldPath);
    const plain = plainSegmentsRegExp(inner === undefined ? ['*'] : inner.split('/'), source);
    literalCount += plain.literals;
    return `(${plain.pattern})`;
  });
  const regExp = new RegExp(`^/${parts.join('/')}${verb === '' ? '' : `:${escapeRegExp(verb)}`}$`);
  return {
    source,
    variables,
    literalCount,
    match(path: string): Map<string, string> | undefined {
      const found = regExp.exec(path);
      if (found === null) return undefined;
      return new Map(variables.map((name, index) => [name, found[index + 1] ?? '']));
    },
  };
}
