// A request its caller has abandoned (the router gave up, or its client left) stops resolving
// fields, so it sends no further SQL (kit abandonedRequestPlugin). In process, on the real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessCatalog, type InProcessCatalog } from "../support/inProcess.ts";

let catalog: InProcessCatalog;
beforeAll(async () => {
  catalog = await inProcessCatalog();
});
afterAll(() => catalog?.stop());

const PAGE = `{ genres { name artists(first: 20) { edges { node { name } } } } }`;

describe("an abandoned request", () => {
  it("resolves nothing and sends no SQL once its signal has aborted", async () => {
    const gone = new AbortController();
    gone.abort();
    const count = catalog.countSql();
    const res = await catalog.query(PAGE, {}, { signal: gone.signal });
    expect(count()).toBe(0);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["REQUEST_ABANDONED"]);
  });

  it("stops part-way: fields after the abort are not resolved", async () => {
    const leaving = new AbortController();
    const count = catalog.countSql();
    // The first statement (the genres) goes out; the caller leaves before the artists load.
    const res = catalog.query(PAGE, {}, { signal: leaving.signal });
    await new Promise((resolve) => setImmediate(resolve));
    leaving.abort();
    const answer = await res;
    expect(count()).toBeLessThanOrEqual(1);
    expect(answer.errors?.some((e) => e.extensions?.code === "REQUEST_ABANDONED")).toBe(true);
  });

  it("is answered in full while its caller waits", async () => {
    const waiting = new AbortController();
    const res = await catalog.query(PAGE, {}, { signal: waiting.signal });
    expect(res.errors).toBeUndefined();
    expect(res.data.genres.length).toBeGreaterThan(0);
  });
});
