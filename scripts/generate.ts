// Generated code a fresh clone needs: each subgraph's Prisma client (offline, see
// prisma.config.ts) and the GraphQL Code Generator outputs of codegen.ts.
import { execFileSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name: string) => path.join(root, "node_modules/.bin", name);

for (const name of readdirSync(path.join(root, "prisma"))) {
  const schema = path.join(root, "prisma", name, "schema.prisma");
  if (!existsSync(schema)) continue;
  execFileSync(bin("prisma"), ["generate", "--schema", schema], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}
execFileSync(bin("graphql-codegen"), ["--config", "codegen.ts", "--silent"], { cwd: root, stdio: "inherit" });
console.log("generated: Prisma clients, resolver types");
