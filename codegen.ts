// GraphQL Code Generator: resolver types for each subgraph (federation-aware), and the typed
// client the backoffice uses, from the composed supergraph and schema/operations/*.graphql.
import type { CodegenConfig } from "@graphql-codegen/cli";
import { loadManifest } from "@melodi/kit/manifest";

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
    // The backoffice's typed client: one TypedDocumentNode per operation, checked against the
    // composed supergraph (what the router serves).
    "schema/generated/backoffice.ts": {
      schema: "schema/supergraph.graphql",
      documents: "schema/operations/*.graphql",
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string" },
        avoidOptionals: { field: true, inputValue: false, object: false },
      },
    },
  },
};

export default config;
