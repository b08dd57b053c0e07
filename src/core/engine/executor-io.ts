/**
 * The executor contract of the KFP launcher, as pure functions: the ExecutorInput a task receives (`{{$}}`), and
 * how the ExecutorOutput file a task may write is merged with its output parameter files and artifacts.
 *
 * Follows kfp-src backend/src/v2/driver/driver.go provisionOutputs (outputs), component/launcher_v2.go
 * addDefaultParams, executeV2, collectOutputParameters, uploadOutputArtifacts and mergeRuntimeArtifacts. Local
 * URIs are absolute paths, as kfp.local writes them (sdk/python/kfp/local/executor_input_utils.py
 * construct_executor_input): an artifact's path is its URI, or its `customPath` when set (launcher_v2.go
 * retrieveArtifactPath), which the engine uses for local copies of gs:// artifacts.
 */
import type {IrComponentSpec} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'
import {parseOutputText} from './params.js'
import type {ArtifactValue} from './record.js'

/** RuntimeArtifact as protojson writes it (pipeline_spec.proto). */
export interface RuntimeArtifact {
  name: string
  type: {schemaTitle?: string; schemaVersion?: string; instanceSchema?: string}
  uri: string
  metadata: Record<string, JsonValue>
  customPath?: string
}

/** ExecutorInput as protojson writes it. */
export interface ExecutorInput {
  inputs: {parameterValues: Record<string, JsonValue>; artifacts: Record<string, {artifacts: RuntimeArtifact[]}>}
  outputs: {
    parameters: Record<string, {outputFile: string}>
    artifacts: Record<string, {artifacts: RuntimeArtifact[]}>
    outputFile: string
  }
}

/** The local file of an artifact: its customPath, else its URI (a local path). */
export function artifactPath(a: {uri: string; customPath?: string}): string {
  return a.customPath || a.uri
}

/** A value as it flows between tasks → the RuntimeArtifact of an input. */
export function toRuntimeArtifact(a: ArtifactValue, fallbackName: string): RuntimeArtifact {
  return {
    name: a.name ?? fallbackName,
    type: a.type ?? {schemaTitle: 'system.Artifact', schemaVersion: '0.0.1'},
    uri: a.uri,
    metadata: a.metadata ?? {},
    ...(a.customPath ? {customPath: a.customPath} : {}),
  }
}

/**
 * Builds a task's ExecutorInput. Parameters are the resolved inputs; the component's defaults are added for the
 * inputs without a value (launcher_v2.go addDefaultParams: `{{$}}` carries the input with defaults). Outputs are
 * provisioned as driver.go provisionOutputs does: one file per output parameter, one artifact per output (empty
 * metadata, the output spec's type) at `outputArtifactUri(name)`, and the executor output file.
 */
export function buildExecutorInput(o: {
  component: IrComponentSpec
  parameters: Record<string, JsonValue>
  artifacts: Record<string, ArtifactValue[]>
  outputParameterFile: (name: string) => string
  outputArtifactUri: (name: string) => string
  outputFile: string
}): ExecutorInput {
  const parameterValues: Record<string, JsonValue> = {...o.parameters}
  for (const [n, d] of Object.entries(o.component.inputDefinitions?.parameters ?? {}))
    if (parameterValues[n] === undefined && d.defaultValue !== undefined) parameterValues[n] = d.defaultValue
  const inArtifacts: ExecutorInput['inputs']['artifacts'] = {}
  for (const [n, list] of Object.entries(o.artifacts)) inArtifacts[n] = {artifacts: list.map((a) => toRuntimeArtifact(a, n))}
  const outDefs = o.component.outputDefinitions ?? {}
  const parameters: ExecutorInput['outputs']['parameters'] = {}
  for (const n of Object.keys(outDefs.parameters ?? {})) parameters[n] = {outputFile: o.outputParameterFile(n)}
  const artifacts: ExecutorInput['outputs']['artifacts'] = {}
  for (const [n, spec] of Object.entries(outDefs.artifacts ?? {}))
    artifacts[n] = {artifacts: [{name: n, type: spec.artifactType, uri: o.outputArtifactUri(n), metadata: {}}]}
  return {inputs: {parameterValues, artifacts: inArtifacts}, outputs: {parameters, artifacts, outputFile: o.outputFile}}
}

/** ExecutorOutput as a task writes it (protojson): `parameterValues`, `artifacts`. */
export interface ExecutorOutput {
  parameterValues: Record<string, JsonValue>
  artifacts: Record<string, {artifacts: Array<Partial<RuntimeArtifact>>}>
}

/**
 * Parses the executor output file. A missing file is an empty ExecutorOutput, not an error (launcher_v2.go
 * getExecutorOutputFile); text that is not an ExecutorOutput message is an error, as protojson.Unmarshal's.
 */
export function parseExecutorOutput(text: string | undefined): {ok: true; value: ExecutorOutput} | {ok: false; error: string} {
  const empty: ExecutorOutput = {parameterValues: {}, artifacts: {}}
  if (text === undefined) return {ok: true, value: empty}
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    return {ok: false, error: `the executor output file is not JSON (${(err as Error).message})`}
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {ok: false, error: 'the executor output file does not hold a JSON object'}
  const o = v as Record<string, unknown>
  const known = ['parameterValues', 'artifacts', 'parameters']
  const unknown = Object.keys(o).filter((k) => !known.includes(k))
  if (unknown.length) return {ok: false, error: `the executor output file has unknown fields: ${unknown.join(', ')}`}
  const isMap = (x: unknown) => x === undefined || (typeof x === 'object' && x !== null && !Array.isArray(x))
  if (!isMap(o.parameterValues) || !isMap(o.artifacts)) return {ok: false, error: 'parameterValues and artifacts must be JSON objects'}
  const artifacts = (o.artifacts ?? {}) as ExecutorOutput['artifacts']
  for (const [n, l] of Object.entries(artifacts))
    if (!l || !Array.isArray(l.artifacts)) return {ok: false, error: `artifacts['${n}'] must be {"artifacts": [...]}`}
  return {ok: true, value: {parameterValues: (o.parameterValues ?? {}) as Record<string, JsonValue>, artifacts}}
}

/** A finished task's outputs, or the reasons it failed. */
export interface MergedOutputs {
  parameters: Record<string, JsonValue>
  artifacts: Record<string, ArtifactValue>
  problems: string[]
}

/**
 * Merges the executor output with the output files, as the launcher does after the task exits 0:
 * - a parameter in `executorOutput.parameterValues` wins ("output metadata file has the highest priority");
 *   otherwise its file is read by type, and a missing or malformed file fails the task
 *   (launcher_v2.go collectOutputParameters);
 * - an artifact's `uri` and `customPath` are replaced when the executor output gives non-empty ones, its metadata
 *   merged key by key (launcher_v2.go mergeRuntimeArtifacts). Whether the artifact's file exists does not matter
 *   here: "We allow components to not produce output files" (uploadOutputArtifacts).
 * `parameterText` holds each output parameter file's text (undefined: the file was not written).
 */
export function mergeExecutorOutputs(
  ei: ExecutorInput,
  eo: ExecutorOutput,
  component: IrComponentSpec,
  parameterText: Record<string, string | undefined>,
): MergedOutputs {
  const parameters: Record<string, JsonValue> = {}
  const problems: string[] = []
  const paramDefs = component.outputDefinitions?.parameters ?? {}
  for (const [n, p] of Object.entries(ei.outputs.parameters)) {
    if (eo.parameterValues[n] !== undefined) {
      parameters[n] = eo.parameterValues[n]
      continue
    }
    const text = parameterText[n]
    if (text === undefined) {
      problems.push(`did not write output parameter '${n}' (expected the file ${p.outputFile})`)
      continue
    }
    const r = parseOutputText(text, paramDefs[n]?.parameterType)
    if (!r.ok) problems.push(`output parameter '${n}': ${r.error}`)
    else parameters[n] = r.value
  }
  const artifacts: Record<string, ArtifactValue> = {}
  for (const [n, list] of Object.entries(ei.outputs.artifacts)) {
    const dst = {...list.artifacts[0], metadata: {...list.artifacts[0].metadata}}
    const src = eo.artifacts[n]?.artifacts?.[0]
    if (src) {
      if (src.uri) dst.uri = src.uri
      if (src.metadata && typeof src.metadata === 'object') Object.assign(dst.metadata, src.metadata)
      if (src.customPath) dst.customPath = src.customPath
    }
    artifacts[n] = {
      uri: dst.uri,
      name: dst.name,
      type: dst.type,
      metadata: dst.metadata,
      ...(dst.customPath ? {customPath: dst.customPath} : {}),
    }
  }
  return {parameters, artifacts, problems}
}
