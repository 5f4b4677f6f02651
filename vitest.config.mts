import { defineConfig } from 'vitest/config';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

// One audit checkpoint key per test run, shared by the test workers and the CLIs they
// spawn: nothing is generated into the home directory (lib/audit/key.ts).
const auditKey = { SAGASCOPE_AUDIT_KEY: process.env.SAGASCOPE_AUDIT_KEY ?? randomBytes(32).toString('base64url') };

export default defineConfig({
  resolve: { alias: { '@': path.resolve(__dirname) } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['lib/**/*.test.ts', 'collector/**/*.test.ts', 'server/**/*.test.ts', 'demo/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          env: auditKey,
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          environment: 'node',
          env: auditKey,
          // One fault at a time: each loads the machine on purpose.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
