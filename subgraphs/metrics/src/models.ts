// What resolvers pass around as parents (codegen `mappers`): rows and references.
export type { PlayRow, RankingRow } from "./db.ts";
/** An entity another subgraph owns: metrics knows its id only. */
export interface EntityRef {
  id: string;
}
