// A logger that keeps what it is told, to check what a service logged (and, unread, a silent one).
import type { Logger } from "@melodi/kit";

export function logRecorder() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, msg, obj });
  const log = {
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    debug: at("debug"),
    child: () => log,
  } as unknown as Logger;
  return { log, lines };
}
