import type { DocMeta } from "../doc-catalog";
import { activityFromCount, type DataCount } from "./data";
import { type Activity, type CatalogRecord, NO_ACTIVITY, parseCatalog, toDocMeta } from "./records";
import type { AppendRequest, CompactRequest } from "./requests";

/** One document as one commit sees and changes it. */
export class DocInCommit {
  /** Deleted before this commit, or by it. */
  deleted = false;
  deletedNow = false;
  hasDelete = false;
  /** Appends and compactions never look at the catalog: it is read only for the other requests. */
  readsCatalog = false;
  catalogChanged = false;
  storedActivity: Activity | null = null;
  /** Set when the commit changes the activity record (then it is written). */
  activity: Activity | null = null;
  count: DataCount | null = null;
  readonly appends: AppendRequest[] = [];
  compaction: CompactRequest | null = null;
  catalogBytes: Uint8Array | undefined;
  private parsedCatalog: CatalogRecord | null | undefined;

  constructor(readonly id: string) {}

  get catalog(): CatalogRecord | null {
    if (!this.readsCatalog) throw new Error(`the catalog of ${this.id} was not read`);
    if (this.parsedCatalog === undefined) {
      this.parsedCatalog = this.catalogBytes ? parseCatalog(this.catalogBytes) : null;
    }
    return this.parsedCatalog;
  }

  set catalog(record: CatalogRecord | null) {
    this.parsedCatalog = record;
    this.catalogChanged = true;
  }

  /** Deleted documents are left alone; deletes need every key, others a count where no record exists. */
  get needsCount(): boolean {
    return !this.deleted && (this.hasDelete || this.storedActivity === null);
  }

  /** The activity record to change; written with this commit. */
  touch(): Activity {
    this.activity ??= this.storedActivity
      ? { ...this.storedActivity }
      : this.count
        ? activityFromCount(this.count)
        : { ...NO_ACTIVITY };
    return this.activity;
  }

  meta(): DocMeta {
    return toDocMeta(
      this.id,
      this.catalog ?? { title: "", createdAt: 0, updatedAt: 0 },
      this.touch(),
    );
  }
}
