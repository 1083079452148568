/** What the catalog knows of a document, so lists never load document state. */
export interface DocMeta {
  id: string;
  title: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The last append, rename or creation. */
  updatedAt: number;
  /** Bytes stored for the document: snapshot plus log entries. */
  sizeBytes: number;
}

/**
 * The list of documents: which exist, their titles, and which were deleted.
 * Titles arrive already normalised (lib/documents/title.ts); the catalog
 * stores what it is given. `updatedAt` and `sizeBytes` follow the document's
 * update log, which shares the backend.
 */
export interface DocCatalog {
  /** Registers a document. Throws `exists` or `deleted`. */
  create(id: string, title: string): Promise<DocMeta>;
  /** Null for an unknown or deleted document. */
  get(id: string): Promise<DocMeta | null>;
  /** All documents, most recently updated first. */
  list(): Promise<DocMeta[]>;
  /** Throws `not-found` or `deleted`. */
  rename(id: string, title: string): Promise<DocMeta>;
  /**
   * Leaves a tombstone and removes every stored byte of the document (its
   * update log too) in one atomic write; later appends are refused. False if
   * the document is unknown or already deleted.
   */
  delete(id: string): Promise<boolean>;
  isDeleted(id: string): Promise<boolean>;
}
