// Applying other subgraphs' events in a test as a subgraph's consumer would (kit applyEvent: once
// per id, in a transaction with its ProcessedEvent row), without a relay or a queue.
import { randomUUID } from "node:crypto";
import {
  applyEvent,
  type DomainEvent,
  type EventHandlers,
  type EventPayloads,
  type TransactionalDb,
} from "@melodi/kit";

/** A function delivering one event to `subgraph` (true: applied; false: already applied). */
export function consumerOf(subgraph: string, db: TransactionalDb, handlers: EventHandlers) {
  return <T extends keyof EventPayloads>(
    type: T,
    payload: EventPayloads[T],
    opts: { id?: string; occurredAt?: string } = {},
  ): Promise<boolean> => {
    const event = {
      id: opts.id ?? randomUUID(),
      type,
      payload,
      occurredAt: opts.occurredAt ?? new Date().toISOString(),
    } as DomainEvent;
    return applyEvent(db, subgraph, handlers, event);
  };
}
