// What resolvers pass around as parents (codegen `mappers`): rows and references.
import type { NotificationType } from "./generated/prisma/client.ts";

import type { AnnouncementRow, NotificationRow } from "./db.ts";

export type { NotificationRow, AnnouncementRow };
/** A notification, with its announcement's text when the query included it. */
export type NotificationModel = NotificationRow & { announcement?: Pick<AnnouncementRow, "title" | "body"> | null };
/** An entity another subgraph owns: notifications knows its id only. */
export interface EntityRef {
  id: string;
}

/** Every notification type, in the order preferences list them. */
export const NOTIFICATION_TYPES: NotificationType[] = [
  "USER_FOLLOWED",
  "NEW_RELEASE",
  "PLAYLIST_SAVED",
  "PLAYLIST_CHANGED",
  "ANNOUNCEMENT",
];
