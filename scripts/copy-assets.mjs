// Copies non-TypeScript assets (Lua scripts) from src to dist, keeping the folder layout,
// because tsc only emits what it compiles. Assets of these extensions that are in dist but no
// longer in src are removed: a renamed script left behind would still be loaded.
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [from, to, ...extensions] = process.argv.slice(2);
if (!from || !to || extensions.length === 0) {
  console.error('usage: copy-assets.mjs <from> <to> <.ext> [.ext...]');
  process.exit(1);
}

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (extensions.some((ext) => name.endsWith(ext))) {
      cpSync(path, join(to, path.slice(from.length)), { recursive: true });
    }
  }
}
function prune(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) prune(path);
    else if (
      extensions.some((ext) => name.endsWith(ext)) &&
      !existsSync(join(from, path.slice(to.length)))
    ) {
      rmSync(path);
    }
  }
}
prune(to);
walk(from);
