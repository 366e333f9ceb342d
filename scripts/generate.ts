// Generates each subgraph's Prisma client from prisma/<name>/schema.prisma (offline; see
// prisma.config.ts). Runs after install and before tests.
import { execFileSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const prismaBin = path.join(root, "node_modules/.bin/prisma");

for (const name of readdirSync(path.join(root, "prisma"))) {
  const schema = path.join(root, "prisma", name, "schema.prisma");
  if (!existsSync(schema)) continue;
  execFileSync(prismaBin, ["generate", "--schema", schema], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  console.log(`prisma client generated for ${name}`);
}
