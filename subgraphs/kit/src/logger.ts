// JSON logs (pino). Secrets never reach a log line: the paths below are redacted wherever
// they appear, and GraphQL variables are never logged at all.
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/** `destination` defaults to stdout; tests pass their own to read what was logged. */
export function createLogger(service: string, destination?: DestinationStream, level?: string): Logger {
  const options = {
    name: service,
    level: level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    redact: {
      paths: [
        "password",
        "*.password",
        "currentPassword",
        "*.currentPassword",
        "newPassword",
        "*.newPassword",
        "token",
        "*.token",
        "refreshToken",
        "*.refreshToken",
        "accessToken",
        "*.accessToken",
        "authorization",
        "*.authorization",
        "headers.authorization",
        "req.headers.authorization",
        "variables",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
