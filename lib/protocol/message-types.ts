/**
 * Message types on the sync sockets. Hocuspocus frames are y-protocols frames
 * with the document address (a varstring) in front; y-websocket frames are the
 * same without the address. Values follow @hocuspocus/server's `MessageType`.
 */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  /** Same as Sync, but answering it never triggers another sync step 1. */
  SyncReply: 4,
  Stateless: 5,
  BroadcastStateless: 6,
  Close: 7,
  SyncStatus: 8,
} as const;

export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

/** Types a client may send to the server. */
export const CLIENT_MESSAGE_TYPES: ReadonlySet<number> = new Set([
  MessageType.Sync,
  MessageType.Awareness,
  MessageType.Auth,
  MessageType.QueryAwareness,
  MessageType.SyncReply,
  MessageType.Stateless,
  MessageType.Close,
]);

/** y-protocols sync sub-types, inside Sync and SyncReply messages. */
export const SyncStep = { Step1: 0, Step2: 1, Update: 2 } as const;

/** Sub-types of a Hocuspocus Auth message. */
export const AuthMessage = { Token: 0, PermissionDenied: 1, Authenticated: 2 } as const;

/** y-websocket's Auth message has one sub-type: permission denied, 0. */
export const Y_WEBSOCKET_PERMISSION_DENIED = 0;
