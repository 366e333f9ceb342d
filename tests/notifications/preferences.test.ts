// Preferences per notification type and quiet hours, in process on the real database: what the
// viewer reads back, what bad input is refused with (and that nothing is written then), and what
// the preferences do to the next notification (shown or not, pushed, held, released).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessNotifications, viewerWith } from "../support/inProcess.ts";
import { device, followed, knownUser, pushesOf, type Notifications } from "../support/notifications.ts";

let n: Notifications;
beforeAll(async () => {
  n = await inProcessNotifications();
});
afterAll(() => n.stop());

const READ = /* GraphQL */ `
  {
    notificationPreferences {
      types { type inApp push }
      quietHours { start end timeZone }
    }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation ($input: UpdateNotificationPreferencesInput!) {
    updateNotificationPreferences(input: $input) {
      preferences { types { type inApp push } quietHours { start end timeZone } }
      userErrors { code field message }
    }
  }
`;
const update = async (viewer: { id: string; role: "USER" }, input: object) =>
  (await n.query(UPDATE, { input }, { viewer })).data?.updateNotificationPreferences;
const prefs = async (viewer: { id: string; role: "USER" }) =>
  (await n.query(READ, {}, { viewer })).data?.notificationPreferences;
const inbox = async (viewer: { id: string; role: "USER" }) =>
  (await n.query(`{ unreadNotificationCount notifications { totalCount } }`, {}, { viewer })).data;

describe("notification preferences", () => {
  it("are all on with no quiet hours until changed, and change only what is given", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const start = await prefs(me);
    expect(start.quietHours).toBeNull();
    expect(start.types).toHaveLength(5);
    expect(start.types.every((t: any) => t.inApp && t.push)).toBe(true);

    const after = await update(me, {
      types: [
        { type: "USER_FOLLOWED", push: false },
        { type: "ANNOUNCEMENT", inApp: false },
      ],
      quietHours: { start: "22:30", end: "07:00", timeZone: "Europe/Paris" },
    });
    expect(after.userErrors).toEqual([]);
    expect(after.preferences.types).toContainEqual({ type: "USER_FOLLOWED", inApp: true, push: false });
    expect(after.preferences.types).toContainEqual({ type: "ANNOUNCEMENT", inApp: false, push: true });
    expect(after.preferences.types).toContainEqual({ type: "NEW_RELEASE", inApp: true, push: true });
    expect(after.preferences.quietHours).toEqual({ start: "22:30", end: "07:00", timeZone: "Europe/Paris" });
    // A later change of one field keeps the other.
    await update(me, { types: [{ type: "USER_FOLLOWED", inApp: false }] });
    expect((await prefs(me)).types).toContainEqual({ type: "USER_FOLLOWED", inApp: false, push: false });
    expect((await update(me, { clearQuietHours: true })).preferences.quietHours).toBeNull();
    // Someone else's are untouched.
    expect((await prefs(viewerWith("USER") as any)).types.every((t: any) => t.inApp && t.push)).toBe(true);
  });

  it("refuse times that are not HH:MM, equal start and end, unknown zones, and both quiet-hour fields: nothing written", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const bad: [object, string, string[]][] = [
      [
        { quietHours: { start: "25:00", end: "07:00", timeZone: "UTC" } },
        "INVALID_TIME",
        ["input", "quietHours", "start"],
      ],
      [
        { quietHours: { start: "22:00", end: "7:00", timeZone: "UTC" } },
        "INVALID_TIME",
        ["input", "quietHours", "end"],
      ],
      [
        { quietHours: { start: "22:00", end: "22:00", timeZone: "UTC" } },
        "INVALID_TIME",
        ["input", "quietHours", "end"],
      ],
      [
        { quietHours: { start: "22:00", end: "07:00", timeZone: "Mars/Olympus" } },
        "INVALID_TIME_ZONE",
        ["input", "quietHours", "timeZone"],
      ],
      [
        { quietHours: { start: "22:00", end: "07:00", timeZone: "UTC" }, clearQuietHours: true },
        "INVALID",
        ["input", "clearQuietHours"],
      ],
    ];
    for (const [input, code, field] of bad) {
      // Types given alongside are not written either: all of it or nothing.
      const res = await update(me, { ...input, types: [{ type: "NEW_RELEASE", push: false }] });
      expect(res.preferences).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ code, field })]);
    }
    expect(await n.services.db.notificationPreference.count({ where: { userId: me.id } })).toBe(0);
    expect(await n.services.db.quietHours.count({ where: { userId: me.id } })).toBe(0);
  });

  it("refuse an unknown type as invalid input before anything runs", async () => {
    const me = viewerWith("USER") as { id: string; role: "USER" };
    const res = await n.query(UPDATE, { input: { types: [{ type: "SPAM", push: false }] } }, { viewer: me });
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await n.services.db.notificationPreference.count({ where: { userId: me.id } })).toBe(0);
  });

  it("are the signed-in user's only", async () => {
    for (const doc of [READ, UPDATE]) {
      const res = await n.query(doc, { input: { clearQuietHours: true } }, { viewer: null });
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  it("decide whether a notification is shown and pushed", async () => {
    const me = await knownUser(n);
    const token = await device(n, me);
    await update(me as any, { types: [{ type: "USER_FOLLOWED", inApp: false, push: true }] });
    await followed(n, me.id);
    // Not shown in the app (nor counted), but pushed.
    expect(await inbox(me as any)).toEqual({ unreadNotificationCount: 0, notifications: { totalCount: 0 } });
    // (A push worker of another test file may have sent it already: the row is what counts.)
    expect((await pushesOf(n, me.id)).map((p) => p.token)).toEqual([token]);

    await update(me as any, { types: [{ type: "USER_FOLLOWED", inApp: true, push: false }] });
    await followed(n, me.id);
    expect((await inbox(me as any)).unreadNotificationCount).toBe(1);
    expect(await pushesOf(n, me.id)).toHaveLength(1);
  });

  it("hold pushes during quiet hours until the hourly task finds them over", async () => {
    const me = await knownUser(n);
    await device(n, me);
    // Quiet hours around the current minute in Asia/Tokyo (no daylight saving, so this holds).
    const tokyo = new Date(Date.now() + 9 * 3600_000);
    const minute = tokyo.getUTCHours() * 60 + tokyo.getUTCMinutes();
    const hhmm = (m: number) => {
      const x = (m + 1440) % 1440;
      return `${String(Math.floor(x / 60)).padStart(2, "0")}:${String(x % 60).padStart(2, "0")}`;
    };
    await update(me as any, {
      quietHours: { start: hhmm(minute - 30), end: hhmm(minute + 30), timeZone: "Asia/Tokyo" },
    });
    await followed(n, me.id);
    expect((await pushesOf(n, me.id)).map((p) => p.status)).toEqual(["HELD"]);
    // Still quiet: the hourly task leaves it.
    await n.services.work.run("held");
    expect((await pushesOf(n, me.id)).map((p) => p.status)).toEqual(["HELD"]);
    // Quiet hours over (here: moved away from now), the next run lets it go.
    await update(me as any, {
      quietHours: { start: hhmm(minute + 60), end: hhmm(minute + 120), timeZone: "Asia/Tokyo" },
    });
    await n.services.work.run("held");
    expect((await pushesOf(n, me.id)).map((p) => p.status)).not.toEqual(["HELD"]);
    // The app showed it all along.
    expect((await inbox(me as any)).unreadNotificationCount).toBe(1);
  });
});
