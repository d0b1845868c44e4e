import { runCli } from "./run.ts";

/**
 * A reader that stops early (`pnpm lx versions … | head -2`) closes the pipe: the next write fails
 * with EPIPE, emitted as an 'error' event that would crash the process with a trace. The output is
 * simply no longer wanted: drop the rest and let the command finish what it was doing (its writes
 * come before its output), so nothing is left half-done.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): (s: string) => void {
  let closed = false;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    closed = true;
    if (err.code !== "EPIPE" && stream !== process.stderr) {
      // Output that could not be written is a failure, but still no trace.
      process.stderr.write(`error: cannot write to standard output (${err.code ?? err.message})\n`);
      process.exitCode = 1;
    }
  });
  return (s) => {
    if (!closed && !stream.destroyed) {
      stream.write(s);
    }
  };
}

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: quietOnClosedPipe(process.stdout),
  stderr: quietOnClosedPipe(process.stderr),
});
process.exitCode = process.exitCode || code;
