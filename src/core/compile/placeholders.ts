/**
 * v1 component.yaml command-line placeholders → KFP v2 IR placeholder strings, the way the Python SDK converts a v1
 * component (`kfp/dsl/placeholders.py maybe_convert_v1_yaml_placeholder_to_v2_placeholder`).
 *
 * Differences from the SDK, on purpose: `{concat}` is joined into one string (the launcher substitutes placeholders
 * inside any string, so this is equivalent to the SDK's runtime `{"Concat": …}` struct, and simpler for every
 * runner), and `{if: {cond: {isPresent}}}` is decided at compile time, as the KFP v1 SDK did: each step has its own
 * component and executor, so whether an input is present is known when compiling.
 */
import type {ComponentArg} from '../project/types.js'

/** What the resolver needs to know about one component input or output. */
export interface PlaceholderIo {
  /** Name in the IR (sanitized like the SDK's `sanitize_input_name`). */
  irName: string
  kind: 'parameter' | 'artifact'
}

export interface PlaceholderContext {
  inputs: ReadonlyMap<string, PlaceholderIo>
  outputs: ReadonlyMap<string, PlaceholderIo>
  /** Whether an input has a value at run time (bound by the step, or a default). */
  isPresent: (input: string) => boolean
  /** Reports a problem; must throw. */
  fail: (message: string, hint?: string) => never
  /** Called for each `{outputPath}` resolved (raw output name). */
  onOutputPath?: (output: string) => void
  /** Called for each `{inputValue}`/`{inputPath}` resolved (raw input name). */
  onInputUse?: (input: string) => void
}

/** `{{$.inputs.parameters['x']}}` */
export function inputParameterPlaceholder(name: string): string {
  return `{{$.inputs.parameters['${name}']}}`
}

/** `{{$.outputs.parameters['x'].output_file}}` */
export function outputParameterFilePlaceholder(name: string): string {
  return `{{$.outputs.parameters['${name}'].output_file}}`
}

/** `{{$.inputs.artifacts['x'].path}}` */
export function inputArtifactPathPlaceholder(name: string): string {
  return `{{$.inputs.artifacts['${name}'].path}}`
}

/** `{{$.outputs.artifacts['x'].path}}` */
export function outputArtifactPathPlaceholder(name: string): string {
  return `{{$.outputs.artifacts['${name}'].path}}`
}

/**
 * Resolves one command/args element to zero or more argv strings (zero or several only for `if`).
 * Throws through `ctx.fail` for references to unknown inputs or outputs and for kind mismatches.
 */
export function resolveComponentArg(arg: ComponentArg, ctx: PlaceholderContext): string[] {
  if (typeof arg === 'string') return [arg]
  if (typeof arg !== 'object' || arg === null) return [String(arg)]
  if ('inputValue' in arg) {
    const io = input(arg.inputValue, 'inputValue', ctx)
    // The SDK always writes an inputValue as a parameter; for an (untyped) artifact input the only thing a
    // program can receive is the local path of the artifact, so pass that.
    return [io.kind === 'parameter' ? inputParameterPlaceholder(io.irName) : inputArtifactPathPlaceholder(io.irName)]
  }
  if ('inputPath' in arg) {
    const io = input(arg.inputPath, 'inputPath', ctx)
    if (io.kind !== 'artifact') {
      ctx.fail(
        `input '${arg.inputPath}' is a typed parameter, but the component passes it with {inputPath}`,
        `Use {inputValue: ${arg.inputPath}} in component.yaml, or remove the input's type so it becomes an artifact.`,
      )
    }
    return [inputArtifactPathPlaceholder(io.irName)]
  }
  if ('outputPath' in arg) {
    const io = ctx.outputs.get(arg.outputPath)
    if (!io) {
      ctx.fail(`{outputPath: ${arg.outputPath}} names no output of the component`, `Declare it under outputs: in component.yaml.`)
    }
    ctx.onOutputPath?.(arg.outputPath)
    return [io.kind === 'parameter' ? outputParameterFilePlaceholder(io.irName) : outputArtifactPathPlaceholder(io.irName)]
  }
  if ('concat' in arg) {
    const parts: string[] = []
    for (const item of arg.concat) {
      const r = resolveComponentArg(item, ctx)
      if (r.length > 1) ctx.fail('an {if} inside {concat} must resolve to a single element')
      parts.push(...r)
    }
    return [parts.join('')]
  }
  if ('if' in arg) {
    const name = arg.if.cond.isPresent
    if (!ctx.inputs.has(name)) ctx.fail(`{if: {cond: {isPresent: ${name}}}} names no input of the component`)
    const branch = ctx.isPresent(name) ? arg.if.then : arg.if.else
    return (branch ?? []).flatMap((a) => resolveComponentArg(a, ctx))
  }
  return ctx.fail(`unsupported placeholder ${JSON.stringify(arg)} in the component's command or args`, 'Use inputValue, inputPath, outputPath, concat or if/isPresent.')
}

function input(name: string, kind: string, ctx: PlaceholderContext): PlaceholderIo {
  const io = ctx.inputs.get(name)
  if (!io) ctx.fail(`{${kind}: ${name}} names no input of the component`, 'Declare it under inputs: in component.yaml.')
  if (!ctx.isPresent(name)) {
    ctx.fail(
      `input '${name}' is used by the component's command but the step does not bind it and it has no default`,
      `Bind it under the step's inputs: in kfp.yaml, give it a default in component.yaml, or wrap it in {if: {cond: {isPresent: ${name}}}}.`,
    )
  }
  ctx.onInputUse?.(name)
  return io
}
