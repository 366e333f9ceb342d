// Per-request DataLoaders (ARCHITECTURE.md §10): one statement per kind, whatever the page size.
import { byIds } from "@melodi/kit";
import type { AnnouncementRow, Db } from "./db.ts";

export function createLoaders(db: Db) {
  return {
    announcement: byIds<AnnouncementRow>((ids) => db.announcement.findMany({ where: { id: { in: ids } } })),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
