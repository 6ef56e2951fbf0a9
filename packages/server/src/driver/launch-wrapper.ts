/**
 * The `/bin/sh` that runs a detached command and outlives the server with it, so that someone
 * is there to record how the command ended: it writes `$?` (the exit code, or 128+N for signal
 * N) to the status file given as its first argument, then exits with it.
 *
 * It runs the command in the foreground, in its own process group (the server kills the whole
 * group), so it gets the server's kills too: it catches them with a no-op trap and waits on
 * (POSIX runs a trap only after the foreground command ends). A caught signal is back to its
 * default in the command, unlike an ignored one, and a foreground command keeps SIGINT, which a
 * background one (`&` in a non-interactive shell) would have ignored. Only SIGKILL takes the
 * wrapper down with the group; then there is no status, and the server knows the signal it sent.
 */
export const WRAPPER_SCRIPT = [
  'trap : HUP INT QUIT TERM USR1 USR2',
  'status_file=$1',
  'shift',
  '"$@"',
  's=$?',
  'echo "$s" > "$status_file"',
  'exit "$s"',
].join('\n');

/** sh's arguments: the script, its $0 (what ps shows), the status file, then the command line. */
export function wrapperArgs(statusFile: string, command: string, args: readonly string[]): string[] {
  return ['-c', WRAPPER_SCRIPT, 'sparkport-launch', statusFile, command, ...args];
}
