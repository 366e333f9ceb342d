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
    // One test file at a time. Files share one database, so every stack's outbox relays read the
    // same outbox tables: with two files at once, one stack's relay could take an event another
    // file's request made and queue it under its own Redis prefix, where the other stack's
    // consumer never sees it (a test waiting for library to learn of its accounts timed out), and
    // global figures (rankings, platform statistics) moved under another file's assertions. The
    // suite takes about 100 s this way instead of 60 s, and none of that can happen.
    maxWorkers: 1,
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
