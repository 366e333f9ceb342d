// Quiet hours as the API gives them (local "HH:MM" times and an IANA zone) and as they are kept
// (minutes after midnight), for the in_quiet_hours SQL function.
import { z } from "zod";

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minuteOf = (label: string) =>
  z
    .string()
    .regex(TIME, { error: `${label} must be a time of day as HH:MM (00:00 to 23:59).` })
    .transform((s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5)));

export const quietHoursInput = z
  .object({
    start: minuteOf("Start"),
    end: minuteOf("End"),
    timeZone: z.string().min(1).max(64, { error: "Time zone names are at most 64 characters." }),
  })
  .refine((q) => q.start !== q.end, { error: "Start and end must differ.", path: ["end"] })
  .transform((q) => ({ startMinute: q.start, endMinute: q.end, timeZone: q.timeZone }));

export const formatMinute = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
