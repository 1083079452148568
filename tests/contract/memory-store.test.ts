import { MemoryStore } from "@/server/storage/memory-store";
import { runDocStoreContract } from "./doc-store.contract";

runDocStoreContract("memory", async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
