// GraphQL Code Generator: resolver types for each subgraph (federation-aware), and the typed
// documents of the backoffice and the mobile app, from the composed supergraph and
// schema/operations/<client>.graphql.
import { readdirSync } from "node:fs";
import path from "node:path";
import type { CodegenConfig } from "@graphql-codegen/cli";
import { loadManifest, REPO_ROOT } from "@melodi/kit/manifest";

const subgraphs = loadManifest().subgraphs;

const resolverConfig = (mappers: Record<string, string>) => ({
  federation: true,
  useIndexSignature: true,
  useTypeImports: true,
  enumsAsTypes: true,
  contextType: `../context.ts#Context`,
  // Resolver parent types: what our resolvers pass around instead of the GraphQL shape.
  mappers: Object.fromEntries(Object.entries(mappers).map(([type, model]) => [type, `../models.ts#${model}`])),
  scalars: { DateTime: "Date | string", Date: "Date | string" },
  avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
});

const typedClient = (documents: string) => ({
  schema: "schema/supergraph.graphql",
  documents,
  plugins: ["typescript-operations", "typed-document-node"],
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    scalars: { DateTime: "string" },
    avoidOptionals: { field: true, inputValue: false, object: false },
  },
});

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    ...Object.fromEntries(
      subgraphs.map(({ name, mappers }) => [
        `subgraphs/${name}/src/generated/graphql.ts`,
        {
          schema: [`subgraphs/${name}/src/**/*.graphql`, "subgraphs/kit/src/shared.graphql"],
          plugins: ["typescript", "typescript-resolvers"],
          config: resolverConfig(mappers),
        },
      ]),
    ),
    // The typed clients: for each schema/operations/<client>.graphql, one TypedDocumentNode per
    // operation (queries, mutations, subscriptions) in schema/generated/<client>.ts, checked
    // against the composed supergraph (what the router serves).
    ...Object.fromEntries(
      readdirSync(path.join(REPO_ROOT, "schema/operations"))
        .filter((file) => file.endsWith(".graphql"))
        .map((file) => [
          `schema/generated/${file.replace(/\.graphql$/, ".ts")}`,
          typedClient(`schema/operations/${file}`),
        ]),
    ),
  },
};

export default config;
