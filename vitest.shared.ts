import { defineProject } from 'vitest/config';

/**
 * Workspace packages export `./src/index.ts` under the `@redstream/source` condition, so tests
 * run against the sources of sibling packages without a build step in between.
 */
export const SOURCE_CONDITION = '@redstream/source';

export function redstreamProject(name: string, overrides: { testTimeout?: number } = {}) {
  return defineProject({
    resolve: { conditions: [SOURCE_CONDITION, 'import', 'node', 'default'] },
    ssr: { resolve: { conditions: [SOURCE_CONDITION, 'import', 'node', 'default'] } },
    test: {
      name,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Generous: tests bound their own waits (waitFor timeouts); this only catches a hang,
      // and CI machines may be loaded.
      testTimeout: overrides.testTimeout ?? 120_000,
      hookTimeout: 60_000,
    },
  });
}
