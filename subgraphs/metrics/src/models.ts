// What resolvers pass around as parents (codegen `mappers`): rows and references.
export type { PlayRow, RankingRow } from "./db.ts";
/** An entity another subgraph owns: metrics knows its id only. */
export interface EntityRef {
  id: string;
}

/** What ArtistStatistics' resolvers get: the artist and the span in days. */
export interface ArtistSpan {
  artistId: string;
  days: number;
}

/** What PlatformStatistics' resolvers get: the spans. */
export interface PlatformSpan {
  days: number;
  months: number;
}

/**
 * An artist as the router sends it: with catalog's viewerCanManage when a field @requires it
 * (the router fetches it from catalog for the signed-in user; only the router reaches us).
 */
export interface ArtistRef {
  id: string;
  viewerCanManage?: boolean;
}

/** What a friend is playing or last played (a LastActivity row, or a live message). */
export interface ActivityModel {
  userId: string;
  songId: string;
  at: Date;
  playing: boolean;
}
