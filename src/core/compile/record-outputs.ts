/**
 * Output records for `--start-step` on a KFP server. A server run's output parameters live in ML Metadata, not in
 * the run API, so a pipeline compiled for a server (`recordOutputs: true`) gives every executor that has output
 * parameters one more output ARTIFACT, `kfp_outputs` (system.Artifact), and wraps its command so that, after the
 * program exits 0, the step writes
 *
 *   {"outputs": {"<output name>": "<the text the program wrote to its output file>", …}}
 *
 * into `{{$.outputs.artifacts['kfp_outputs'].path}}`. The KFP launcher uploads it to the pipeline root like any
 * artifact (`<pipeline root>/<pipeline name>/<run id>/<task name>/kfp_outputs` on KFP 2.x), so no credentials are
 * needed in the step image; kfp reads it back with the user's own storage credentials.
 *
 *   command: [sh, -c, <script>, kfp-record-outputs, <record path>, <name 1>, <output file 1>, …, <original command…>]
 *   args:    <original args, unchanged>
 *
 * Like the fileOutputs wrapper (file-outputs.ts), the script text depends only on the number of outputs, the values
 * travel as argv (never interpreted by the shell), and the original argv runs intact via `"$@"`. Values are recorded
 * as JSON strings holding the exact text of each output file (the reader converts them with the parameter type of
 * the spec); an output file the program did not write is left out of the record. The JSON escaping is written in
 * POSIX sh with builtins only (dash, bash, busybox ash), so the record does not depend on tools in the image.
 */
import {CliError, EXIT} from '../../lib/errors.js'
import type {IrComponentSpec, PipelineSpec} from '../ir/types.js'
import {outputArtifactPathPlaceholder, outputParameterFilePlaceholder} from './placeholders.js'

/** The output artifact that holds a step's output parameters. */
export const OUTPUTS_RECORD_ARTIFACT = 'kfp_outputs'

/** `$0` of the recording shell; shows up in `ps` and error messages. */
export const RECORD_OUTPUTS_ARGV0 = 'kfp-record-outputs'

// Prints $1 as the inside of a JSON string. Fast path for text without quotes, backslashes or control characters.
const ESCAPE_FUNCTION = [
  'kfp_esc() {',
  '  s=$1',
  `  case $s in *'"'*|*'\\'*|*[[:cntrl:]]*) ;; *) printf '%s' "$s"; return ;; esac`,
  '  while [ -n "$s" ]; do',
  '    rest=${s#?}; c=${s%"$rest"}; s=$rest',
  '    case $c in',
  `      '"') printf '\\\\"' ;;`,
  `      '\\') printf '\\\\\\\\' ;;`,
  `      [[:cntrl:]]) printf '\\\\u%04x' "'$c" ;;`,
  `      *) printf '%s' "$c" ;;`,
  '    esac',
  '  done',
  '}',
  // Prints the content of file $1 as a JSON string (newlines as \n, a missing final newline kept missing).
  'kfp_str() {',
  `  printf '"'`,
  '  while :; do',
  `    if IFS= read -r line; then kfp_esc "$line"; printf '\\\\n'; else kfp_esc "$line"; break; fi`,
  '  done < "$1"',
  `  printf '"'`,
  '}',
]

/** The recording script for `count` output parameters (see the module comment for the argv layout). */
export function recordOutputsScript(count: number): string {
  const lines = ['rec="$1"; shift']
  for (let i = 1; i <= count; i++) lines.push(`n${i}="$1"; f${i}="$2"; shift 2`)
  // The program's own exit code fails the step; nothing is recorded then.
  lines.push('"$@" || exit $?', ...ESCAPE_FUNCTION, 'mkdir -p "$(dirname "$rec")" || exit 1', 'sep=', '{')
  lines.push(`  printf '{"outputs": {'`)
  for (let i = 1; i <= count; i++) {
    lines.push(`  if [ -f "$f${i}" ]; then printf '%s"' "$sep"; kfp_esc "$n${i}"; printf '": '; kfp_str "$f${i}"; sep=', '; fi`)
  }
  lines.push(`  printf '}}\\n'`, '} > "$rec" || exit 1')
  return `${lines.join('\n')}\n`
}

/**
 * Wraps a resolved command so the step records its output parameters: `outputs` pairs each output parameter's IR
 * name with its output-file placeholder, in a stable order.
 */
export function wrapCommandForOutputRecord(command: string[], recordPath: string, outputs: Array<{name: string; outputFile: string}>): string[] {
  const pairs = outputs.flatMap((o) => [o.name, o.outputFile])
  return ['sh', '-c', recordOutputsScript(outputs.length), RECORD_OUTPUTS_ARGV0, recordPath, ...pairs, ...command]
}

/** Result of {@link addOutputRecords}: the new spec and, per task component, which outputs it records. */
export interface OutputRecordsResult {
  spec: PipelineSpec
  /** Component key → recorded output parameter names. */
  recorded: Record<string, string[]>
  /** Component keys with output parameters that cannot record them (no `command` to wrap: the image entrypoint runs). */
  unrecorded: string[]
}

/**
 * Returns a copy of `spec` in which every container executor with output parameters also writes the
 * `kfp_outputs` record artifact (see the module comment). Executors without a `command` are left as they are
 * (the image's entrypoint cannot be wrapped) and listed in `unrecorded`. Throws COMPILE_FAILED when a component
 * already has an input or output named `kfp_outputs`.
 */
export function addOutputRecords(spec: PipelineSpec): OutputRecordsResult {
  const copy = structuredClone(spec)
  const recorded: Record<string, string[]> = {}
  const unrecorded: string[] = []
  for (const [key, comp] of Object.entries(copy.components).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) as Array<[string, IrComponentSpec]>) {
    const names = Object.keys(comp.outputDefinitions?.parameters ?? {}).sort()
    if (!comp.executorLabel || names.length === 0) continue
    const container = copy.deploymentSpec.executors[comp.executorLabel]?.container
    if (!container) continue
    if (!container.command?.length) {
      unrecorded.push(key)
      continue
    }
    const taken = [comp.inputDefinitions?.parameters, comp.inputDefinitions?.artifacts, comp.outputDefinitions?.parameters, comp.outputDefinitions?.artifacts].some((m) => m && Object.hasOwn(m, OUTPUTS_RECORD_ARTIFACT))
    if (taken) {
      throw new CliError('COMPILE_FAILED', `Component ${key} already has an input or output named '${OUTPUTS_RECORD_ARTIFACT}', the name kfp uses to record output parameters.`, {
        exit: EXIT.CONFIG,
        hints: ['Rename it in component.yaml.'],
      })
    }
    const outputs = (comp.outputDefinitions ??= {})
    outputs.artifacts = {...outputs.artifacts, [OUTPUTS_RECORD_ARTIFACT]: {artifactType: {schemaTitle: 'system.Artifact', schemaVersion: '0.0.1'}}}
    container.command = wrapCommandForOutputRecord(
      container.command,
      outputArtifactPathPlaceholder(OUTPUTS_RECORD_ARTIFACT),
      names.map((name) => ({name, outputFile: outputParameterFilePlaceholder(name)})),
    )
    recorded[key] = names
  }
  return {spec: copy, recorded, unrecorded}
}
