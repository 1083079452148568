import type { beforeHandleMessagePayload, Extension } from "@hocuspocus/server";
import { readClientFrame } from "../../lib/protocol/frames";
import type { Logger } from "../log";
import { closeForRefusal } from "../sockets/refusal-close";
import type { Ingest } from "../sync/ingest";

/**
 * The ingest path for the socket frames Hocuspocus handles itself: those that
 * arrive before a connection is established (queued behind its Auth message)
 * and SyncReply messages. Established connections' updates take the update
 * pipeline instead (server/sockets/update-pipeline.ts), which calls the same
 * Ingest. Hocuspocus awaits this hook before it applies the frame and
 * acknowledges it, so the durability rule holds on this path too.
 */
export class SocketIngest implements Extension {
  readonly extensionName = "tandem-socket-ingest";
  readonly priority = 1000;

  constructor(
    private readonly ingest: Ingest,
    private readonly log: Logger,
  ) {}

  async beforeHandleMessage({
    update: frame,
    documentName,
    connection,
  }: beforeHandleMessagePayload): Promise<void> {
    let update: Uint8Array | null;
    try {
      update = readClientFrame(frame).update;
    } catch (error) {
      this.log.warn(
        { component: "socket-ingest", docId: documentName, err: String(error) },
        "refused an unreadable frame; closing that connection",
      );
      throw error;
    }
    // Hocuspocus does not apply a read-only connection's updates; neither is anything stored.
    if (update === null || connection.readOnly) return;
    try {
      await this.ingest.persist(documentName, update);
    } catch (error) {
      // Hocuspocus would close only this document; a retryable refusal must close the socket.
      closeForRefusal(connection, error);
      throw error;
    }
  }
}
