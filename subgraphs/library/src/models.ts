// What resolvers pass around as parents (codegen `mappers`): rows and references, not GraphQL shapes.
import type { PlaylistRow } from "./db.ts";

export type PlaylistModel = PlaylistRow;
/** An entity another subgraph owns: library knows its id only. */
export interface EntityRef {
  id: string;
}
export interface PlaylistItemModel {
  id: string;
  songId: string;
  addedById: string;
  addedAt: Date;
}
export interface PlaylistEditorEdgeModel {
  cursor: string;
  userId: string;
  addedAt: Date;
}
/** A liked song, saved release or followed artist, with when, as an edge of its connection. */
export interface KeptEdgeModel {
  cursor: string;
  id: string;
  at: Date;
  available: boolean;
}
/** A change as published to playlistChanged subscribers. */
export type { PlaylistChangeEvent as PlaylistChangeModel } from "./playlists/changes.ts";
/** An edge of "Your Library": what it is and why it is there; its node is loaded by kind. */
export interface LibraryEdgeModel {
  cursor: string;
  id: string;
  kind: "PLAYLIST" | "RELEASE" | "ARTIST";
  reason: "MADE" | "EDITING" | "SAVED" | "FOLLOWED";
  addedAt: Date;
}
