import path from "node:path";

export const PROJECT_DIR = path.resolve(import.meta.dirname, "..");
/** The shared traces live beside the repository (../shared/traces), as in CI's checkout. */
export const TRACES_DIR = path.resolve(PROJECT_DIR, "..", "shared", "traces");
