// Generated code a fresh clone needs: each subgraph's Prisma client (offline, see
// prisma.config.ts) and the GraphQL Code Generator outputs of codegen.ts.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT as root, subgraphNames } from "@melodi/kit/manifest";

const bin = (name: string) => path.join(root, "node_modules/.bin", name);

for (const name of subgraphNames()) {
  const schema = path.join(root, "prisma", name, "schema.prisma");
  execFileSync(bin("prisma"), ["generate", "--schema", schema], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}
execFileSync(bin("graphql-codegen"), ["--config", "codegen.ts", "--silent"], { cwd: root, stdio: "inherit" });
console.log("generated: Prisma clients, resolver types, typed clients");
