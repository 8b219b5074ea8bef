// Temporary baseline config (created by the test-support work); replace freely.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real helm binaries and a real registry: far slower than unit tests.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: [],
    // Child processes (helm, docker-registry) are spawned from tests; forks
    // give each file its own process so stray children die with it.
    pool: 'forks',
  },
});
