import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // @peculiar/x509 needs reflect-metadata loaded first; the wrapper does both. Each test
    // file's temporary folders go under one root that is removed after it (test/setup/tmpdir.ts).
    setupFiles: ['./src/trust/x509.ts', './test/setup/tmpdir.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
