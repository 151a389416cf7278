import { defineConfig } from 'vitest/config';

// One run over every workspace so `pnpm test` ends with a single summary.
export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'deploy'],
  },
});
