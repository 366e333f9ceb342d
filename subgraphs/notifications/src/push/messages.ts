// What a push says, from the notification and what notifications keeps of its subjects. The app
// opens the notification by `data.notificationId`.
import type { ExpoPushMessage } from "./expo.ts";

export interface PushSubject {
  deliveryId: string;
  token: string;
  notificationId: string;
  type: "PLAYLIST_SAVED" | "PLAYLIST_CHANGED" | "USER_FOLLOWED" | "NEW_RELEASE" | "ANNOUNCEMENT";
  changeCount: number;
  actorName: string | null;
  releaseTitle: string | null;
  announcementTitle: string | null;
  announcementBody: string | null;
}

function text(s: PushSubject): { title: string; body: string } {
  const who = s.actorName || "Someone";
  switch (s.type) {
    case "USER_FOLLOWED":
      return { title: "New follower", body: `${who} started following you.` };
    case "NEW_RELEASE":
      return {
        title: "New release",
        body: s.releaseTitle ? `${s.releaseTitle} is out now.` : "An artist you follow released something.",
      };
    case "PLAYLIST_SAVED":
      return { title: "Playlist saved", body: `${who} saved your playlist.` };
    case "PLAYLIST_CHANGED":
      return {
        title: "Playlist changed",
        body:
          s.changeCount > 1
            ? `${who} made ${s.changeCount} changes to a playlist you edit.`
            : `${who} changed a playlist you edit.`,
      };
    case "ANNOUNCEMENT":
      return { title: s.announcementTitle ?? "Melodi", body: s.announcementBody ?? "" };
  }
}

export function messageOf(s: PushSubject): ExpoPushMessage {
  return {
    to: s.token,
    ...text(s),
    sound: "default",
    data: { notificationId: s.notificationId, type: s.type },
  };
}
