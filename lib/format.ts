/** "12.4 KB"-style sizes for the document list. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** An absolute timestamp in a fixed format, so server and browser render the same text. */
export function formatTimestamp(ms: number): string {
  if (ms <= 0) return "unknown";
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16);
}
