/**
 * The project model: what `kfp.yaml` plus `components/<name>/component.yaml` mean, after parsing and validation.
 * Produced by core/project/load (pure: takes file texts, returns a Project or located errors);
 * consumed by the compiler (core/compile), `kfp steps`, the local engine's start-step planning, build, upload.
 */

/** Parameter types; the IR's parameterType is derived from these. */
export type ParamType = 'string' | 'integer' | 'float' | 'boolean' | 'list' | 'struct'

export type JsonValue = string | number | boolean | null | JsonValue[] | {[k: string]: JsonValue}

/** A place in a source file, 1-based line and column. */
export interface SourcePos {
  file: string
  line: number
  col: number
}

export interface PipelineParam {
  name: string
  type: ParamType
  default?: JsonValue
  description?: string
  pos?: SourcePos
}

/** One piece of a text binding: plain text or a reference. */
export type TemplatePart = {text: string} | {param: string} | {step: string; output: string} | {item: true; field?: string}

/** What a step input (or component input) is bound to. */
export type Binding =
  | {kind: 'literal'; value: JsonValue}
  | {kind: 'param'; param: string}
  /**
   * A step's output. Inside the producer's loop (the same iteration) the value; from outside the loop the list of
   * every iteration's value in item order (the SDK's dsl.Collected), see `core/project/scopes.ts`.
   */
  | {kind: 'output'; step: string; output: string}
  /** A string with references inside, e.g. "gs://${{ params.bucket }}/data". */
  | {kind: 'template'; parts: TemplatePart[]}
  /** `${{ item }}` / `${{ item.FIELD }}`: the current item of the innermost enclosing `forEach:`. */
  | {kind: 'item'; field?: string}
  /** `${{ run.status }}`: the pipeline's final status, only in the `finally:` step (PipelineTaskFinalStatus). */
  | {kind: 'runStatus'}
  /** `{import: URI, type: Dataset, reimport: true}`: an existing artifact, through an importer task. */
  | {kind: 'import'; uri: Binding; type?: string; reimport: boolean}

/** What `forEach:` iterates over. */
export type LoopItems =
  | {kind: 'literal'; items: JsonValue[]}
  | {kind: 'param'; param: string}
  | {kind: 'output'; step: string; output: string}

export interface Loop {
  items: LoopItems
  /** At most this many iterations at once (dsl.ParallelFor parallelism); undefined = no limit. */
  parallelism?: number
}

/** An operand of a `when:` comparison. `text` keeps a number literal as written (1 and 1.0 differ in CEL). */
export type WhenOperand =
  | {kind: 'literal'; value: string | number | boolean; text: string}
  | {kind: 'param'; param: string}
  | {kind: 'output'; step: string; output: string}
  | {kind: 'item'; field?: string}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>='

/** A parsed `when:` expression. */
export type WhenExpr =
  | {op: 'cmp'; cmp: CompareOp; left: WhenOperand; right: WhenOperand}
  | {op: 'and' | 'or'; left: WhenExpr; right: WhenExpr}
  | {op: 'not'; arg: WhenExpr}

/** Control flow a step or a group can carry. A node with both runs the loop outside, the condition in each iteration. */
export interface Control {
  /** `forEach:` (+ `parallelism:`): one iteration per item (dsl.ParallelFor). */
  loop?: Loop
  /** `when:`: runs only when true (dsl.If); `text` is the expression as written. */
  when?: {expr: WhenExpr; text: string}
  /** `finally: true`: the exit handler over every other step (dsl.ExitHandler's exit task). */
  final?: boolean
}

/** Where a step or group sits: at the top of `steps:` or inside a group. */
export type NodeRef = {step: string} | {group: string}

/** `- group: NAME` with its own `steps:` (several steps under one loop and/or condition). Groups carry no number. */
export interface Group extends Control {
  name: string
  /** The enclosing group, if any. */
  parent?: string
  children: NodeRef[]
  pos?: SourcePos
}

export interface Resources {
  cpuRequest?: string
  cpuLimit?: string
  memoryRequest?: string
  memoryLimit?: string
  accelerator?: {type: string; count: number}
}

export interface Step extends Control {
  /**
   * 1-based, depth-first in kfp.yaml order: a group has no number, its steps are numbered in order where the group
   * stands. What --start-step N means.
   */
  number: number
  /** The enclosing group, if any. */
  parent?: string
  /** Unique, a valid Kubernetes/KFP name (lowercase, digits, '-'). */
  name: string
  /** Component name (folder under components/). */
  component: string
  inputs: Record<string, Binding>
  resources?: Resources
  /** Caching for this step (default true). */
  cache: boolean
  /** Retry count (0 = none). */
  retries: number
  env: Record<string, string>
  /** Extra ordering on top of data dependencies. */
  after: string[]
  /**
   * Tutorial-style outputs: output name → fixed path in the container the program writes to.
   * Already merged: the component's `fileOutputs` plus the step's own (the step's win).
   */
  fileOutputs: Record<string, string>
  pos?: SourcePos
}

export type ComponentArg =
  | string
  | {inputValue: string}
  | {inputPath: string}
  | {outputPath: string}
  | {concat: ComponentArg[]}
  | {if: {cond: {isPresent: string}; then?: ComponentArg[]; else?: ComponentArg[]}}

export interface ComponentIO {
  name: string
  /** v1 type name as written (String, Integer, Float, Boolean, JsonArray, JsonObject, or an artifact type); undefined = untyped. */
  type?: string
  /** Derived: parameter (typed as a scalar/list/struct) or artifact (untyped or other types). */
  kind: 'parameter' | 'artifact'
  /** `type: PipelineTaskFinalStatus`: a struct parameter the exit handler fills (IR `TASK_FINAL_STATUS`). */
  finalStatus?: boolean
  paramType?: ParamType
  default?: JsonValue
  optional?: boolean
  description?: string
}

/**
 * A component: components/<name>/component.yaml in KFP's v1 component format, plus its folder.
 * `outputs` also lists the names of the component's `fileOutputs` (as String parameters when not declared).
 */
export interface Component {
  /** The folder name under components/ (what steps refer to). */
  name: string
  /** The `name:` written in component.yaml (free text in the v1 format), when present. */
  displayName?: string
  /** Folder relative to the project root, e.g. components/preprocess. */
  dir: string
  description?: string
  inputs: ComponentIO[]
  outputs: ComponentIO[]
  image: string
  command: ComponentArg[]
  args: ComponentArg[]
  env: Record<string, string>
  /** Tutorial-style fixed-path outputs declared in the component (`fileOutputs:` at top level or under implementation.container). */
  fileOutputs: Record<string, string>
  /** Whether a Dockerfile exists in the folder (kfp build can build it). */
  hasDockerfile: boolean
}

export interface TargetConfig {
  name: string
  type: 'local' | 'kfp'
  /** Everything else of the target, kept open for later features. */
  [k: string]: unknown
}

export interface Project {
  /** Absolute folder holding kfp.yaml. */
  root: string
  /** kfp.yaml path (absolute). */
  file: string
  name: string
  description?: string
  /** Image registry prefix, e.g. gcr.io/my-project or localhost:5000. */
  registry?: string
  /** Per-component image repository overriding `<registry>/<name>-<component>` (kfp.yaml `images:`). */
  images?: Record<string, string>
  /** GCP settings used by init/cluster commands. */
  gcp?: {project?: string; region?: string; zone?: string; bucket?: string}
  /** Pipeline root for artifacts (gs://… on a cluster). */
  pipelineRoot?: string
  params: PipelineParam[]
  /** Every step, depth-first in kfp.yaml order (groups flattened); `number` is the position here, 1-based. */
  steps: Step[]
  /**
   * The top level of `steps:` in order (steps and groups). Absent = every step at the top level, no groups (projects
   * built in code before groups existed); read it through `projectNodes()` in core/project/scopes.ts.
   */
  nodes?: NodeRef[]
  /** Groups by name (absent = none). */
  groups?: Record<string, Group>
  components: Record<string, Component>
  targets: Record<string, TargetConfig>
  defaultTarget: string
}

/** One located problem found while loading or validating a project. */
export interface ProjectIssue {
  /** The file as given to the parser (the service passes absolute paths and shows them relative to the cwd). */
  file: string
  line: number
  col: number
  message: string
  hint?: string
  /** Machine-readable kind, e.g. YAML_SYNTAX, SCHEMA, UNKNOWN_KEY, UNKNOWN_STEP, CYCLE, TYPE_MISMATCH. */
  code?: string
}
