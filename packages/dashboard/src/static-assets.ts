import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  body: Buffer;
  contentType: string;
  /** Vite names files under assets/ by content hash: they never change, browsers may keep them. */
  immutable: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * The built web app (`dist/web`, written by `vite build`): src/ and dist/ are both one level
 * under the package root, so the same path works from the sources (tests) and the build.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../dist/web/', import.meta.url));

/**
 * Every file of the built web app, read once into memory (a few hundred KiB): the server
 * answers from this map only, so no request path ever reaches the file system.
 */
export function loadStaticAssets(root = DEFAULT_WEB_ROOT): Map<string, StaticAsset> | undefined {
  if (!existsSync(join(root, 'index.html'))) return undefined;
  const assets = new Map<string, StaticAsset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const urlPath = `/${relative(root, path).split(sep).join('/')}`;
      if (urlPath.endsWith('.map')) continue;
      assets.set(urlPath, {
        body: readFileSync(path),
        contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
        immutable: urlPath.startsWith('/assets/'),
      });
    }
  };
  walk(root);
  return assets;
}
