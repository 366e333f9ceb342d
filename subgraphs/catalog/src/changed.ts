// After a commit that changed artists, releases or songs: search may answer differently (its
// cache is dropped), and catalog's triggers may have written events (the relay is nudged, so
// they go out now rather than at its next look, within a second).
import type { Services } from "./context.ts";

export async function catalogChanged(ctx: Pick<Services, "searchCache" | "outbox">): Promise<void> {
  ctx.outbox.nudge();
  await ctx.searchCache.changed();
}
