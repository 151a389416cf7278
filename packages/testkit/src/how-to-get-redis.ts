/** What every "no Redis" error tells the user to do. */
export const HOW_TO_GET_REDIS =
  'Install one: `sudo apt-get install redis-server` (Debian/Ubuntu), `brew install redis` (macOS), ' +
  'or set REDIS_URL=redis://host:port to use a running server, or start a Docker engine for testcontainers.';
