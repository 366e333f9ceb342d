// The bench's query, shared by `pnpm bench` (bench/run.ts runs on import) and the tests that price it.
export const QUERY = /* GraphQL */ `query BenchProfile($id: ID!) {
  user(id: $id) {
    id
    profile { handle displayName bio avatarUrl }
    followers(first: 20) {
      totalCount
      edges { followedAt node { id profile { handle displayName avatarUrl } followerCount viewerIsFollowing } }
    }
  }
}`;
