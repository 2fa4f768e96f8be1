import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

/** What the browser chat page is told at `/ui/config.json`. */
export interface ChatPageConfig {
  /** The development issuer's base URL; the page then fetches `<issuer>/dev/token?account_id=…`. Unset: no tokens. */
  issuerUrl: string | undefined;
}

/** The page's files, read once at start-up, by the path they are served at. */
export interface ChatPage {
  /** Answers `GET path` when it is one of the page's; false otherwise. */
  serve(path: string, res: ServerResponse): boolean;
}

const files: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/**
 * The small chat page (`services/rest-edge/ui/`, plain HTML + ES module, no
 * build step), served at `/` when the local start enables it (UI_ENABLED;
 * off in the manifests). Its CSP lets it talk only to this edge and, when
 * set, the development issuer.
 */
export function loadChatPage(config: ChatPageConfig, directory = new URL('../ui/', import.meta.url)): ChatPage {
  const bodies = new Map(Object.entries(files).map(([path, { file, type }]) => [path, { body: readFileSync(new URL(file, directory)), type }]));
  bodies.set('/ui/config.json', { body: Buffer.from(JSON.stringify({ issuerUrl: config.issuerUrl ?? null })), type: 'application/json' });
  const issuerOrigin = config.issuerUrl === undefined ? '' : ` ${new URL(config.issuerUrl).origin}`;
  const headers = {
    'content-security-policy': `default-src 'self'; connect-src 'self'${issuerOrigin}; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
  return {
    serve(path, res) {
      const found = bodies.get(path);
      if (found === undefined) return false;
      res.writeHead(200, { ...headers, 'content-type': found.type, 'content-length': found.body.length }).end(found.body);
      return true;
    },
  };
}
