/**
 * V8 flags the Tandem server runs with (bin/tandem.mjs, npm scripts, benchmarks).
 *
 * --max-semi-space-size=4: V8 grows the young generation up to 64 MB per
 * semi-space while many objects survive, as they do when hundreds of clients
 * connect at once, and keeps it that size long after the burst. Capped at
 * 4 MB, 1,000 documents x 2 idle clients cost about a third of the memory
 * (bench scenario d) with no measurable loss of throughput (scenario a).
 */
export const NODE_FLAGS = ["--max-semi-space-size=4"];
