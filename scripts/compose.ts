// Composes schema/supergraph.graphql from the subgraph SDLs with @apollo/composition.
// `--check` fails (exit 1) when the committed file is not what composition gives now.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";
import { SUBGRAPHS, localUrl, root, subgraphSdl } from "./subgraphs.ts";

export const SUPERGRAPH_PATH = path.join(root, "schema/supergraph.graphql");

export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map(({ name, port }) => ({ name, url: localUrl(port), typeDefs: parse(subgraphSdl(name)) })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join("\n")}`);
  }
  // Each subgraph lists only its own UserErrorCode values and composition unions them on
  // purpose; every other hint is worth reading.
  for (const hint of result.hints ?? []) {
    if (hint.definition.code === "INCONSISTENT_ENUM_VALUE_FOR_OUTPUT_ENUM" && hint.message.includes('"UserErrorCode"'))
      continue;
    console.warn(`hint: ${hint.toString()}`);
  }
  return `${result.supergraphSdl.trim()}\n`;
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  try {
    const sdl = composeSupergraph();
    if (check) {
      const committed = existsSync(SUPERGRAPH_PATH) ? readFileSync(SUPERGRAPH_PATH, "utf8") : "";
      if (committed !== sdl) {
        console.error("schema/supergraph.graphql is stale: run `pnpm compose` and commit the result.");
        process.exit(1);
      }
      console.log("schema/supergraph.graphql is up to date.");
    } else {
      writeFileSync(SUPERGRAPH_PATH, sdl);
      console.log(`wrote ${path.relative(root, SUPERGRAPH_PATH)}`);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
