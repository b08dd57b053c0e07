import {CliError, EXIT} from './errors.js'

/** Reads a secret piped on stdin (`--password-stdin`), without its final newline; empty stdin is a usage error showing `example`. */
export async function readSecretStdin(example: string): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
  if (!text) throw new CliError('MISSING_INPUT', '--password-stdin was given but stdin was empty.', {exit: EXIT.USAGE, hints: [example]})
  return text
}
