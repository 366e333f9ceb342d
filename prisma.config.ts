import path from "node:path";
import { defineConfig } from "prisma/config";

// Used only for `prisma generate` (scripts/generate.ts passes --schema for each subgraph).
// The CLI insists that a native schema engine exists before it generates, and it cannot be
// downloaded here (ARCHITECTURE.md §1); it only checks that the file exists, so point it at a stub
// that explains itself. Migrations go through `pnpm db:migrate` / `pnpm db:diff` instead.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, "scripts/prisma/no-native-engine.sh");

export default defineConfig({
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/melodi" },
});
