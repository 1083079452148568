import { CONVERGE_USAGE, type ConvergeOptions, parseConvergeArgs } from "./options";
import { formatReport } from "./report";
import { runConvergence } from "./run";

/** `tandem converge`: exit 0 converged, 1 diverged or lost data, 2 bad usage. */
export async function converge(argv: string[]): Promise<number> {
  let options: ConvergeOptions | "help";
  try {
    options = parseConvergeArgs(argv);
  } catch (error) {
    process.stderr.write(
      `tandem converge: ${error instanceof Error ? error.message : String(error)}\n\n${CONVERGE_USAGE}\n`,
    );
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${CONVERGE_USAGE}\n`);
    return 0;
  }
  const interactive = process.stderr.isTTY === true;
  const progress = (line: string) => {
    process.stderr.write(interactive ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  try {
    const report = await runConvergence(options, progress);
    if (interactive) process.stderr.write("\n");
    process.stdout.write(
      options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`,
    );
    return report.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(
      `\ntandem converge: ${error instanceof Error ? error.message : String(error)} (seed ${options.seed})\n`,
    );
    return 1;
  }
}
