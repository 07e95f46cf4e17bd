import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // @peculiar/x509 needs reflect-metadata loaded first; the wrapper does both.
    setupFiles: ['./src/trust/x509.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
