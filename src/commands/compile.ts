import path from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {projectFlag} from '../flags.js'
import {compileProject, type PipelineFileFormat} from '../services/compile.js'

/** What `kfp compile --json` returns. */
export interface CompileCommandResult {
  /** Absolute path written; null with --stdout. */
  file: string | null
  format: PipelineFileFormat
  pipelineName: string
  steps: number
  /** sha256 (hex) of the pipeline YAML. */
  sha256: string
  bytes: number
  /** Image reference per component, as compiled in. */
  images: Record<string, string>
  /** The pipeline YAML, only with --stdout. */
  yaml?: string
}

export default class Compile extends BaseCommand {
  static summary = 'Compile kfp.yaml into a KFP v2 pipeline file.'
  static description =
    'Writes the pipeline in the KFP v2 IR (PipelineSpec, schemaVersion 2.1.0) that KFP 2.x servers and Vertex AI ' +
    'Pipelines accept, in the shape the Python SDK produces. The format follows the extension of --output: .yaml (default ' +
    'pipeline.yaml in the project folder), .json, or a .tar.gz/.tgz or .zip package holding pipeline.yaml, like the old ' +
    'dsl-compile. Images are the digests recorded by the last `kfp build --push` when they match the sources, else the ' +
    'tags. The same project always gives byte-identical output.'

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --output dist/babyweight.tar.gz',
    '<%= config.bin %> <%= command.id %> --stdout > pipeline.yaml',
    '<%= config.bin %> <%= command.id %> --project examples/babyweight --json',
  ]

  static flags = {
    project: projectFlag,
    output: Flags.string({
      char: 'o',
      summary: 'File to write: .yaml, .yml, .json, .tar.gz, .tgz or .zip.',
      description: 'Relative to the current folder. Default: pipeline.yaml in the project folder.',
      env: 'KFP_COMPILE_OUTPUT',
      helpValue: 'FILE',
    }),
    stdout: Flags.boolean({
      summary: 'Print the pipeline YAML to stdout instead of writing a file (--output is ignored).',
    }),
    platform: Flags.string({
      summary: 'Who runs the pipeline: kfp (a KFP server on Kubernetes) or vertex (Vertex AI Pipelines).',
      description:
        'Only accelerators differ. kfp: a GPU model (NVIDIA_TESLA_T4 or nvidia-tesla-t4) becomes the resource nvidia.com/gpu plus ' +
        'the node selector cloud.google.com/gke-accelerator: nvidia-tesla-t4 in the Kubernetes platform spec (a second YAML ' +
        'document, as kfp-kubernetes writes it); Kubernetes resource names (nvidia.com/gpu) stay. vertex: types as written.',
      options: ['kfp', 'vertex'],
      default: 'kfp',
      env: 'KFP_COMPILE_PLATFORM',
    }),
  }

  async run(): Promise<CompileCommandResult> {
    const {flags} = await this.parse(Compile)
    const r = await compileProject({cwd: this.ctx.cwd, project: flags.project, output: flags.stdout ? undefined : flags.output, write: !flags.stdout, platform: flags.platform as 'kfp' | 'vertex'}, this.ctx)
    for (const w of [...r.warnings, ...r.imageWarnings]) this.warn(w)
    const result: CompileCommandResult = {
      file: r.file ?? null,
      format: r.format,
      pipelineName: r.pipelineName,
      steps: r.steps,
      sha256: r.sha256,
      bytes: r.bytes,
      images: r.images,
    }
    if (flags.stdout) {
      result.format = 'yaml'
      result.bytes = Buffer.byteLength(r.yaml)
      result.yaml = r.yaml
      this.out(r.yaml)
      return result
    }
    const shown = path.relative(this.ctx.cwd, r.file!) || r.file!
    this.out(shown)
    this.info(`Compiled ${r.pipelineName}: ${r.steps} step${r.steps === 1 ? '' : 's'}, ${r.format}, sha256 ${r.sha256.slice(0, 12)}`)
    return result
  }
}
