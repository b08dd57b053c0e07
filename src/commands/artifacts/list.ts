import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {formatMetric} from '../../core/artifacts/metrics.js'
import {artifactRef, listFlags, projectFlag} from '../../flags.js'
import {listArtifacts, type ArtifactInfo, type ListArtifactsResult} from '../../services/artifacts/local.js'
import {listServerArtifactInfos} from '../../services/artifacts/server-view.js'
import {resolveTarget} from '../../services/target/resolve.js'

/** 1.2 kB / 3.4 MB, for the size column. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return ''
  if (n < 1000) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let v = n
  let u = -1
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${v.toFixed(1)} ${units[u]}`
}

export default class ArtifactsList extends BaseCommand {
  static summary = "List a run's output artifacts: step, name, type, size and file."
  static description =
    'RUN is a run id (or a unique prefix), a run name or `latest`; STEP a step number or name (all iterations of a loop step). Artifacts a step reused (cache, --start-step) are the files of the run that made them. Metrics artifacts show their scalar metrics.'
  static examples = ['<%= config.bin %> <%= command.id %> latest', '<%= config.bin %> <%= command.id %> latest train --json']
  static args = {
    run: Args.string({required: true, description: 'Run id, name or latest.'}),
    step: Args.string({description: 'Step number or name (default: every step).'}),
  }
  static flags = {
    project: projectFlag,
    ...listFlags,
    target: artifactRef.target,
    namespace: artifactRef.namespace,
  }

  async run(): Promise<ListArtifactsResult> {
    const {args, flags} = await this.parse(ArtifactsList)
    const t = await resolveTarget({target: flags.target}, this.ctx)
    // A server run: the artifacts ML Metadata links to its steps, at their pipeline-root URIs; the same shape as a local run's.
    const r =
      t.type === 'kfp'
        ? await listServerArtifactInfos({target: flags.target, run: args.run, step: args.step}, this.ctx)
        : await listArtifacts({cwd: this.ctx.cwd, project: flags.project, run: args.run, step: args.step}, this.ctx)
    if (r.artifacts.length === 0) {
      this.info(`Run ${r.run.name}${args.step ? `, step ${args.step},` : ''} has no output artifacts.`)
      return r
    }
    this.list(['step', 'name', 'type', 'size', 'file'], r.artifacts.map(artifactRow), r.artifacts.map((a) => a.path ?? a.uri), flags, {keep: [0, 1], flex: [4]})
    return r
  }
}

/** One row: `N. label`, name, type, size, file (or URI) with where it was reused from and its metrics. */
function artifactRow(a: ArtifactInfo): string[] {
  const size = a.kind === 'missing' ? 'gone' : a.kind === 'folder' ? `${formatBytes(a.sizeBytes)} (folder)` : formatBytes(a.sizeBytes)
  const from = a.fromRun ? `(from run ${a.fromRun.id})` : a.cached ? '(cached)' : ''
  const metrics = a.metrics ? Object.entries(a.metrics).map(([k, v]) => `${k}=${formatMetric(v)}`).join(', ') : ''
  return [a.number === undefined ? a.step : `${a.number}. ${a.step}`, a.name, a.type ?? '', size, [a.path ?? a.uri, from, metrics].filter(Boolean).join(' ')]
}
