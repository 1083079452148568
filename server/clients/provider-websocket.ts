import { WebSocket } from "ws";

/**
 * `ws` for HocuspocusProvider in Node. When the provider reconnects while a
 * socket is still opening, it removes that socket's listeners and then closes
 * it; `ws` reports the aborted handshake as an "error" event, and an
 * EventEmitter error with no listener is an uncaught exception that ends the
 * process. A browser WebSocket never throws there, so this keeps one listener
 * that ignores it; the provider's own listeners still see every error.
 */
export class ProviderWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on("error", ignore);
  }
}

function ignore(): void {}
