import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import path from 'node:path'
import {gzipSync} from 'node:zlib'
import type {Ctx} from '../ctx.js'
import {platformLimitations} from '../core/compile/support.js'
import {compilePipeline, renderPipelineYaml, type CompiledPipeline, type CompilePlatform} from '../core/compile/index.js'
import type {PipelineSpec} from '../core/ir/types.js'
import type {Project} from '../core/project/types.js'
import {CliError, EXIT} from '../lib/errors.js'
import {packageRoot} from '../lib/paths.js'
import {imageStates, pinnedImages, unpushedImageWarnings} from './images.js'
import {loadProject} from './project/load.js'

/** Output formats of `kfp compile`, chosen by the file extension of `-o`. */
export type PipelineFileFormat = 'yaml' | 'json' | 'tar.gz' | 'zip'

export interface CompileProjectOptions {
  /** Where the command runs; `project` and `output` are relative to it. */
  cwd: string
  /** --project: kfp.yaml or its folder (default: nearest kfp.yaml; $KFP_PROJECT). */
  project?: string
  /** -o: the file to write (default `pipeline.yaml` in the project root). Extension picks the format. */
  output?: string
  /** Write the file (default true). `false` only compiles, for callers that need the spec (local engine, upload). */
  write?: boolean
  /**
   * Who runs the pipeline (core/compile/accelerator.ts): `kfp` (a KFP server: GPU models become `nvidia.com/gpu` and a
   * GKE node selector) or `vertex` (accelerator types as written). Default: types as written.
   */
  platform?: CompilePlatform
}

export interface CompileProjectResult {
  /** Absolute path of the file written; undefined when `write: false`. */
  file?: string
  format: PipelineFileFormat
  pipelineName: string
  /** Number of steps (the project's steps, loops and groups counted by their steps). */
  steps: number
  /** What the target platform (opts.platform, default kfp) cannot run in this pipeline (support.ts). */
  warnings: string[]
  /** Images the compiled pipeline pins that a cluster cannot pull (only local, or never pushed); see images.ts. */
  imageWarnings: string[]
  /** sha256 (hex) of the pipeline YAML text, whatever the package format. */
  sha256: string
  /** Size in bytes of what was (or would be) written. */
  bytes: number
  /** The pipeline YAML text (what `--stdout` prints; what goes inside packages). */
  yaml: string
  spec: PipelineSpec
  /** The PlatformSpec document, when the pipeline has one. */
  platformSpec?: Record<string, unknown>
  project: Project
  /** Image reference per component, as compiled in. */
  images: Record<string, string>
  taskOfStep: CompiledPipeline['taskOfStep']
  componentOfStep: CompiledPipeline['componentOfStep']
  executorOfComponent: CompiledPipeline['executorOfComponent']
}

/** Name of the pipeline file inside .tar.gz and .zip packages (as the old `dsl-compile` wrote it). */
export const PACKAGE_ENTRY = 'pipeline.yaml'

/** Fixed modification time of package entries, so packages are byte-identical for the same pipeline. */
const PACKAGE_MTIME_UTC = Date.UTC(1980, 0, 1)

/** The format for an output path, by extension; throws USAGE (exit 2) for anything else. */
export function pipelineFileFormat(file: string): PipelineFileFormat {
  const lower = file.toLowerCase()
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz'
  if (lower.endsWith('.zip')) return 'zip'
  if (lower.endsWith('.json')) return 'json'
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml'
  throw new CliError('USAGE', `Cannot tell the output format of '${file}' from its extension.`, {
    exit: EXIT.USAGE,
    hints: ['Use -o with .yaml (or .yml), .json, .tar.gz (or .tgz), or .zip.'],
  })
}

/** The `sdkVersion` kfp writes: `kfp-cli-<version>` (free text to KFP servers; the Python SDK writes `kfp-2.x.y`). */
export function kfpSdkVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {version?: string}
    return pkg.version ? `kfp-cli-${pkg.version}` : 'kfp-cli'
  } catch {
    return 'kfp-cli'
  }
}

/**
 * `kfp compile`: loads the project, resolves the image of every component (the digest of the last pushed build when
 * it matches the sources, else the tag), compiles it to the KFP v2 IR, and (unless `write: false`) writes it
 * atomically as YAML, JSON, or a .tar.gz/.zip package holding `pipeline.yaml`. The same project gives the same bytes.
 */
export async function compileProject(opts: CompileProjectOptions, ctx: Pick<Ctx, 'env'>): Promise<CompileProjectResult> {
  // A bad -o extension is a usage error: report it before doing any work.
  const format = pipelineFileFormat(opts.output ?? 'pipeline.yaml')
  const project = await loadProject({cwd: opts.cwd, project: opts.project}, ctx)
  const states = await imageStates(project, ctx)
  const images = pinnedImages(states)
  const compiled = compilePipeline(project, {
    images,
    sdkVersion: kfpSdkVersion(),
    ...(opts.platform ? {platform: opts.platform} : {}),
  })
  if (compiled.platformSpec && format === 'json') {
    // The SDK refuses the same (compiler/pipeline_spec_builder.py write_pipeline_spec_to_file): JSON holds one document.
    throw new CliError('USAGE', `${opts.output}: this pipeline has a Kubernetes platform spec (node selectors), which only a YAML file can hold.`, {
      exit: EXIT.USAGE,
      hints: ['Write .yaml (or a .tar.gz/.zip package) instead.'],
    })
  }
  const yaml = renderPipelineYaml(compiled.spec, compiled.platformSpec)
  const file = path.resolve(opts.cwd, opts.output ?? path.join(project.root, 'pipeline.yaml'))
  const content = await pipelineFileContent(format, yaml, compiled.spec)
  const write = opts.write ?? true
  if (write) await writeOutput(file, content)
  return {
    file: write ? file : undefined,
    format,
    pipelineName: compiled.spec.pipelineInfo.name,
    steps: project.steps.length,
    warnings: platformLimitations(compiled.spec, opts.platform ?? 'kfp').map((l) => `${l.message}. ${l.hint}`),
    imageWarnings: unpushedImageWarnings(project, states),
    sha256: createHash('sha256').update(yaml).digest('hex'),
    bytes: content.length,
    yaml,
    spec: compiled.spec,
    ...(compiled.platformSpec ? {platformSpec: compiled.platformSpec} : {}),
    project,
    images,
    taskOfStep: compiled.taskOfStep,
    componentOfStep: compiled.componentOfStep,
    executorOfComponent: compiled.executorOfComponent,
  }
}

/** The bytes of the pipeline file in `format`. Deterministic: fixed entry times, modes and owners. */
export async function pipelineFileContent(format: PipelineFileFormat, yaml: string, spec: PipelineSpec): Promise<Buffer> {
  switch (format) {
    case 'yaml':
      return Buffer.from(yaml, 'utf8')
    case 'json':
      return Buffer.from(`${JSON.stringify(spec, null, 2)}\n`, 'utf8')
    case 'tar.gz':
      return gzipSync(await tarOf(PACKAGE_ENTRY, Buffer.from(yaml, 'utf8')))
    case 'zip':
      return zipOf(PACKAGE_ENTRY, Buffer.from(yaml, 'utf8'))
  }
}

async function tarOf(name: string, data: Buffer): Promise<Buffer> {
  // CommonJS module: its functions are on `default` once bundled as ESM.
  const tarStream = await import('tar-stream')
  const pack = tarStream.pack ?? (tarStream as unknown as {default: typeof tarStream}).default.pack
  const p = pack()
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on('data', (c: unknown) => {
      chunks.push(c as Buffer)
    })
    p.on('end', () => resolve(Buffer.concat(chunks)))
    p.on('error', reject)
  })
  p.entry({name, size: data.length, mode: 0o644, mtime: new Date(PACKAGE_MTIME_UTC), uid: 0, gid: 0, uname: '', gname: '', type: 'file'}, data)
  p.finalize()
  return done
}

async function zipOf(name: string, data: Buffer): Promise<Buffer> {
  const yazl = await import('yazl')
  const ZipFile = yazl.ZipFile ?? (yazl as unknown as {default: typeof yazl}).default.ZipFile
  const zip = new ZipFile()
  // DOS timestamps are local time: build the date from local fields so every time zone writes the same bytes,
  // and leave out the UTC extended timestamp.
  const t = new Date(PACKAGE_MTIME_UTC)
  const mtime = new Date(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate())
  zip.addBuffer(data, name, {mtime, mode: 0o100644, compress: true, forceDosTimestamp: true})
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
  zip.end()
  return done
}

async function writeOutput(file: string, content: Buffer): Promise<void> {
  try {
    await mkdir(path.dirname(file), {recursive: true})
    const mod = await import('write-file-atomic')
    const writeFileAtomic = (mod.default ?? mod) as typeof mod.default
    await writeFileAtomic(file, content)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new CliError('COMPILE_FAILED', `Cannot write ${file}: ${e.message}`, {
      exit: EXIT.CONFIG,
      hints: ['Check that the folder is writable, or pass another path with -o.'],
      cause: error,
    })
  }
}
