import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // One graphql module, as under Node: Node loads graphql's CommonJS build (package "main") for
  // every importer, while Vite would hand our transformed sources its ESM build ("module"), and
  // schemas built by Apollo's CommonJS packages then fail graphql's instanceof checks in
  // validate/execute (subscriptions run those themselves, ARCHITECTURE.md §8).
  resolve: { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") }] },
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/setup/global.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: two test files at a time, each with its own services and Redis prefix.
    maxWorkers: 2,
    // Test files share one module graph per worker: importing Apollo, Prisma and the services
    // again for every file was a third of the suite's time (50 s isolated, 24-30 s shared, same
    // machine). Files stay independent through what they own (their services, a Redis key prefix
    // of their own, their own rows), not through fresh modules, so no file may change module
    // state another reads: no module mocks, no stubbed globals.
    isolate: false,
    env: { SCRYPT_COST_LOG2: "12", NODE_ENV: "test" },
  },
});
