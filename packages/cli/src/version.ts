import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The package version, read from package.json (one directory up from both src/ and dist/). */
export const CLI_VERSION: string = (require('../package.json') as { version: string }).version;
