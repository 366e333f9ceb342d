// The subgraphs of the supergraph, from subgraphs.json (the one list, read through the kit),
// and where each one's SDL lives.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadManifest, REPO_ROOT } from "@melodi/kit/manifest";

export const root = REPO_ROOT;

export const SUBGRAPHS = loadManifest().subgraphs;

function graphqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".graphql") && !entry.parentPath.includes("generated"))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The subgraph's SDL: its schema.graphql first (it carries the @link), then every room's file. */
export function subgraphSdl(name: string): string {
  const dir = path.join(root, "subgraphs", name, "src");
  const files = graphqlFiles(dir);
  const main = path.join(dir, "schema.graphql");
  const shared = path.join(root, "subgraphs/kit/src/shared.graphql"); // PageInfo, UserError: every subgraph serves them
  return [main, shared, ...files.filter((f) => f !== main)].map((f) => readFileSync(f, "utf8")).join("\n");
}

export function localUrl(port: number): string {
  return `http://127.0.0.1:${port}/graphql`;
}
