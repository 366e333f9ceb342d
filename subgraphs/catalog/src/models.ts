// What resolvers pass around as parents (codegen `mappers`): rows, not GraphQL shapes.
import type { Artist, Collection, Genre, Song, ArtistPick } from "./generated/prisma/client.ts";

export type ArtistRow = Artist;
export type CollectionRow = Collection;
export type SongRow = Song;
export type GenreRow = Genre;
export type PickRow = ArtistPick;
export type PickedItemModel = ({ __typename: "Song" } & SongRow) | ({ __typename: "Collection" } & CollectionRow);
export type PickModel = PickRow & { item: PickedItemModel };
export interface TrackModel {
  song: SongRow;
}
export interface AboutModel {
  artist: ArtistRow;
}
export interface DiscographyModel {
  artist: ArtistRow;
}
export interface UserRef {
  id: string;
}
export type SearchEdgeModel = {
  cursor: string;
  score: number;
  node:
    | ({ __typename: "Song" } & SongRow)
    | ({ __typename: "Artist" } & ArtistRow)
    | ({ __typename: "Collection" } & CollectionRow);
};
