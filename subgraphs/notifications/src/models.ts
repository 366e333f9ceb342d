// What resolvers pass around as parents (codegen `mappers`): rows and references.
export type { NotificationRow } from "./db.ts";
/** An entity another subgraph owns: notifications knows its id only. */
export interface EntityRef {
  id: string;
}
