// The one error type of the command line: a message that names the option and the value as the
// user typed them, printed as `xentab: <message>` with exit status 1 before anything starts.

export class CliError extends Error {
  override readonly name = 'CliError';

  /** `where` is the option and its value as typed (`-m 1X`), or '' for errors about the whole line. */
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(where ? `${where}: ${detail}` : detail);
  }
}

/** Exit statuses of `npx xentab` (documented in README.md, "Exit status"). */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_INTERNAL = 2;
export const EXIT_NOT_IMPLEMENTED = 3;
/** The CPU stopped on an exception it could not deliver. */
export const EXIT_GUEST_EXCEPTION = 4;
export const EXIT_TIMEOUT = 124;
