import type { Viewer } from "@melodi/kit";

/** What the router knows about a request; forwarded to subgraphs by SubgraphClient. */
export interface RouterContext {
  viewer: Viewer | null;
  /** The verified Authorization header, forwarded as is (each subgraph verifies it again). */
  authorization: string | undefined;
  requestId: string;
  clientIp: string;
  /** Client headers the router is set to pass on (RouterConfig.forwardHeaders). */
  forwarded: Record<string, string>;
  /** Aborts when the client has gone: its subgraph fetches are abandoned (SubgraphClient). */
  signal?: AbortSignal;
}
