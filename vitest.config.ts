import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // graphql 16 names an ES build in "module" and a CommonJS one in "main". Node (as deployed) loads
  // "main" for everyone; vitest would give our files the ES build while Apollo and the gateway,
  // loaded by Node, get the CommonJS one: two copies of every class, so Apollo would not recognise
  // our GraphQLErrors and graphql's instanceof checks would throw on the gateway's schema. One copy,
  // as in production:
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
    // expect.poll waits for something to happen elsewhere (a socket to close, a subscriber to
    // appear): a bound, not a timing assertion, so it is generous for a loaded 2-core machine
    // (1 s, vitest's default, flaked the subscription tests there).
    expect: { poll: { timeout: 10_000, interval: 50 } },
    env: { SCRYPT_COST_LOG2: "12", NODE_ENV: "test" },
  },
});
