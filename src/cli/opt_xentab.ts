// xentab's own options for scripts and tests: --expect TEXT, --send TEXT, --timeout SECONDS.
// Each --expect and --send is one step of a console script run in order (src/cli/console_script.ts).
import { CliError } from './cli_error.ts';
import type { ParseState } from './parse_state.ts';

/**
 * C-style escapes so a script can press Enter: \n \r \t \e \\ \xHH. Anything else after a
 * backslash is an error, so a typo does not silently send the wrong bytes.
 */
export function unescapeText(text: string, where: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++i];
    if (e === 'n') out += '\n';
    else if (e === 'r') out += '\r';
    else if (e === 't') out += '\t';
    else if (e === 'e') out += '\x1b';
    else if (e === '\\') out += '\\';
    else if (e === 'x' && /^[0-7][0-9a-fA-F]$/.test(text.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new CliError(where, `unknown escape '\\${e ?? ''}' (use \\n \\r \\t \\e \\\\ or \\xHH for ASCII HH)`);
  }
  return out;
}

export function optExpect(s: ParseState, value: string, where: string): void {
  const text = unescapeText(value, where);
  if (text === '') throw new CliError(where, 'the expected text is empty');
  s.config.run.script.push({ expect: text });
}

export function optSend(s: ParseState, value: string, where: string): void {
  const text = unescapeText(value, where);
  if (text === '') throw new CliError(where, 'the text to send is empty');
  s.config.run.script.push({ send: text });
}

export function optTimeout(s: ParseState, value: string, where: string): void {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || Number(value) <= 0) {
    throw new CliError(where, `invalid timeout '${value}' (expected a positive number of seconds)`);
  }
  s.config.run.timeoutSeconds = Number(value);
}
