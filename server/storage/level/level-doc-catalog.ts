import type { DocCatalog, DocMeta } from "../doc-catalog";
import { readActivity } from "./activity";
import type { LevelDatabase } from "./database";
import type { GroupCommitWriter } from "./group-commit";
import { activityKey, CATALOG_RANGE, catalogKey, idOfCatalogKey, tombstoneKey } from "./keys";
import { closedError, type Lifecycle } from "./lifecycle";
import { type CatalogRecord, parseCatalog, toDocMeta } from "./records";

/**
 * The document catalog on an abstract-level database. Every read goes to the
 * database (nothing is cached, so another writer sharing it is seen at once);
 * creation, rename and deletion are decided inside the group commit.
 */
export class LevelDocCatalog implements DocCatalog {
  constructor(
    private readonly db: LevelDatabase,
    private readonly writer: GroupCommitWriter,
    private readonly lifecycle: Lifecycle,
  ) {}

  create(id: string, title: string): Promise<DocMeta> {
    if (this.lifecycle.closed) return Promise.reject(closedError());
    return this.writer.create(id, title);
  }

  get(id: string): Promise<DocMeta | null> {
    return this.lifecycle.run(async () => {
      const [catalog, tombstone, activity] = await this.db.getMany([
        catalogKey(id),
        tombstoneKey(id),
        activityKey(id),
      ]);
      if (tombstone !== undefined || catalog === undefined) return null;
      return this.meta(id, parseCatalog(catalog), activity);
    });
  }

  list(): Promise<DocMeta[]> {
    return this.lifecycle.run(async () => {
      const records: Array<[string, CatalogRecord]> = [];
      for await (const [key, value] of this.db.iterator(CATALOG_RANGE)) {
        records.push([idOfCatalogKey(key), parseCatalog(value)]);
      }
      const extra = await this.db.getMany(
        records.flatMap(([id]) => [activityKey(id), tombstoneKey(id)]),
      );
      const metas = await Promise.all(
        records.map(([id, catalog], i) =>
          extra[2 * i + 1] === undefined ? this.meta(id, catalog, extra[2 * i]) : null,
        ),
      );
      return metas
        .filter((meta): meta is DocMeta => meta !== null)
        .sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id));
    });
  }

  rename(id: string, title: string): Promise<DocMeta> {
    if (this.lifecycle.closed) return Promise.reject(closedError());
    return this.writer.rename(id, title);
  }

  delete(id: string): Promise<boolean> {
    if (this.lifecycle.closed) return Promise.reject(closedError());
    return this.writer.delete(id);
  }

  isDeleted(id: string): Promise<boolean> {
    return this.lifecycle.run(async () => (await this.db.get(tombstoneKey(id))) !== undefined);
  }

  private async meta(
    id: string,
    catalog: CatalogRecord,
    activity: Uint8Array | undefined,
  ): Promise<DocMeta> {
    return toDocMeta(id, catalog, await readActivity(this.db, this.writer, id, activity, true));
  }
}
