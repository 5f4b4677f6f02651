import { defineConfig } from 'prisma/config';

// Offline machines cannot download Prisma's native schema engine, and `generate`
// never uses it. Point the CLI at an existing file for `generate` only; every
// other command must keep the real engine (a fake one makes `migrate` a silent
// no-op). Migrations here run through prisma/migrate.ts (the wasm engine).
if (process.argv.includes('generate')) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= __filename;
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // `env()` would make `generate` fail where DATABASE_URL is unset (CI, first install).
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
