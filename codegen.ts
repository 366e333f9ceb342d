// GraphQL Code Generator: resolver types for each subgraph (federation-aware), and the typed
// client the backoffice uses, from the composed supergraph and schema/operations/*.graphql.
import type { CodegenConfig } from "@graphql-codegen/cli";

const subgraphs = ["users", "catalog"];

const resolverConfig = (name: string) => ({
  federation: true,
  useIndexSignature: true,
  useTypeImports: true,
  enumsAsTypes: true,
  contextType: `../context.ts#Context`,
  mappers: mappers[name] ?? {},
  scalars: { DateTime: "Date | string", Date: "Date | string" },
  avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
});

/** Resolver parent types: what our resolvers pass around instead of the GraphQL shape. */
const mappers: Record<string, Record<string, string>> = {
  users: {
    User: "../models.ts#UserModel",
    Profile: "../models.ts#ProfileModel",
    FollowEdge: "../models.ts#FollowEdgeModel",
  },
  catalog: {
    Artist: "../models.ts#ArtistRow",
    Collection: "../models.ts#CollectionRow",
    Song: "../models.ts#SongRow",
    Genre: "../models.ts#GenreRow",
    ArtistPick: "../models.ts#PickModel",
    Track: "../models.ts#TrackModel",
    About: "../models.ts#AboutModel",
    Discography: "../models.ts#DiscographyModel",
    User: "../models.ts#UserRef",
    SearchEdge: "../models.ts#SearchEdgeModel",
  },
};

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    ...Object.fromEntries(
      subgraphs.map((name) => [
        `subgraphs/${name}/src/generated/graphql.ts`,
        {
          schema: [`subgraphs/${name}/src/**/*.graphql`, "subgraphs/kit/src/shared.graphql"],
          plugins: ["typescript", "typescript-resolvers"],
          config: resolverConfig(name),
        },
      ]),
    ),
    // The backoffice's typed client: one TypedDocumentNode per operation, checked against the
    // composed supergraph (what the router serves).
    "schema/generated/backoffice.ts": {
      schema: "schema/supergraph.graphql",
      documents: "schema/operations/*.graphql",
      plugins: ["typescript-operations", "typed-document-node"],
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: "string" }, avoidOptionals: { field: true, inputValue: false, object: false } },
    },
  },
};

export default config;
