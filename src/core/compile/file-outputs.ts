/**
 * Tutorial-style outputs (`fileOutputs: {bucket: /output.txt}`): the program writes a value to a fixed path in its
 * container instead of a path it is given. KFP v2 only collects output parameters from the file named by
 * `{{$.outputs.parameters['bucket'].output_file}}`, so the compiler wraps the container's command:
 *
 *   command: [sh, -c, <script>, kfp-file-outputs, <dest 1>, <src 1>, …, <original command…>]
 *   args:    <original args, unchanged>
 *
 * The container runtime runs command + args, so `sh` receives the script, `$0 = kfp-file-outputs`, then the
 * destination/source pairs, then the original argv. The script takes the pairs off the front with `shift`, runs the
 * original argv with `"$@"` (no string concatenation, so arguments keep their exact bytes), and, when it succeeds,
 * copies each fixed file to the KFP output file (creating its folder first). The script text depends only on the
 * number of outputs, never on user values, so nothing from kfp.yaml is ever interpreted by the shell.
 * A program that exits non-zero fails the step with its own exit code (`set -e`); a program that succeeds without
 * writing a declared file fails with a message naming the file.
 */

/** `$0` of the wrapper shell; shows up in `ps` and error messages. */
export const FILE_OUTPUTS_ARGV0 = 'kfp-file-outputs'

/** The wrapper script for `count` outputs (see the module comment for the argv layout). */
export function fileOutputsScript(count: number): string {
  const lines = ['set -e']
  for (let i = 1; i <= count; i++) lines.push(`dst${i}="$1"; src${i}="$2"; shift 2`)
  lines.push('"$@"')
  for (let i = 1; i <= count; i++) {
    lines.push(
      `if [ ! -f "$src${i}" ]; then echo "kfp: the step did not write its output file $src${i}" >&2; exit 1; fi`,
      `mkdir -p "$(dirname "$dst${i}")"`,
      `cp "$src${i}" "$dst${i}"`,
    )
  }
  return `${lines.join('\n')}\n`
}

/**
 * Wraps a resolved command so the fixed-path outputs are copied to their KFP output files.
 * `outputs` pairs the KFP output-file placeholder with the fixed path, in a stable order.
 */
export function wrapCommandForFileOutputs(command: string[], outputs: Array<{outputFile: string; path: string}>): string[] {
  const pairs = outputs.flatMap((o) => [o.outputFile, o.path])
  return ['sh', '-c', fileOutputsScript(outputs.length), FILE_OUTPUTS_ARGV0, ...pairs, ...command]
}
