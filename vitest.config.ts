import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/setup/global.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: two test files at a time, each with its own services and Redis prefix.
    maxWorkers: 2,
    env: { SCRYPT_COST_LOG2: "12", NODE_ENV: "test" },
  },
});
