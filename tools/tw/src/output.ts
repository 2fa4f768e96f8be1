/** Where a command's result goes: JSON for scripts (`--json`), aligned text for people. */
export interface Output {
  readonly json: boolean;
  /** Prints `value` as one JSON document with `--json`, else the text `human()` makes. */
  result(value: unknown, human: () => string): void;
}

/** An {@link Output} writing to `stream` (stdout in main.ts). */
export function createOutput(json: boolean, stream: NodeJS.WritableStream): Output {
  return {
    json,
    result(value, human) {
      stream.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
  };
}

/** Rows as a table with a header line; columns as wide as their widest cell. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `key  value` lines, keys aligned: one record shown vertically. */
export function fields(entries: readonly (readonly [string, string | number | undefined])[]): string {
  const shown = entries.filter(([, v]) => v !== undefined && v !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${String(v)}`).join('\n');
}

/** An RFC 3339 timestamp, or '' for none. */
export const timestamp = (date: Date | undefined): string => date?.toISOString() ?? '';

/** The line printed after a page when there are more: how to ask for the next. */
export function nextPageHint(token: string): string {
  return token === '' ? '' : `\n(more: --page-token ${token})`;
}
