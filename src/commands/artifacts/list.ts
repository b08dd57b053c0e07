import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {formatMetric} from '../../core/artifacts/metrics.js'
import {artifactRef, listFlags, projectFlag} from '../../flags.js'
import {listArtifacts, type ListArtifactsResult} from '../../services/artifacts/local.js'
import {listServerArtifacts, type ServerArtifactsResult} from '../../services/artifacts/remote.js'
import {serverArtifactInfo} from '../../services/artifacts/server-view.js'
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

  async run(): Promise<ListArtifactsResult | ServerArtifactsResult> {
    const {args, flags} = await this.parse(ArtifactsList)
    const t = await resolveTarget({target: flags.target}, this.ctx)
    if (t.type === 'kfp') {
      // A server run: the artifacts ML Metadata links to its steps, at their pipeline-root URIs.
      const r = await listServerArtifacts({target: flags.target, run: args.run, step: args.step}, this.ctx)
      if (r.artifacts.length === 0) this.info(`Run ${r.runId}${args.step ? `, step ${args.step},` : ''} has no output artifacts.`)
      else {
        const metricsText = (a: (typeof r.artifacts)[number]) => {
          const m = serverArtifactInfo(a).metrics
          return m && Object.keys(m).length ? ` ${Object.entries(m).map(([k, v]) => `${k}=${formatMetric(v)}`).join(', ')}` : ''
        }
        const rows = r.artifacts.map((a) => [`${a.number ?? ''}. ${a.step}`, a.name, a.type, '', `${a.uri}${a.cached ? ' (cached)' : ''}${metricsText(a)}`])
        this.list(['step', 'name', 'type', 'size', 'file'], rows, r.artifacts.map((a) => a.uri), flags, {keep: [0, 1], flex: [4]})
      }
      return r
    }
    const r = await listArtifacts({cwd: this.ctx.cwd, project: flags.project, run: args.run, step: args.step}, this.ctx)
    if (r.artifacts.length === 0) {
      this.info(`Run ${r.run.name}${args.step ? `, step ${args.step},` : ''} has no output artifacts.`)
      return r
    }
    const rows = r.artifacts.map((a) => [
      `${a.number}. ${a.task}`,
      a.name,
      a.type ?? '',
      a.kind === 'missing' ? 'gone' : a.kind === 'folder' ? `${formatBytes(a.sizeBytes)} (folder)` : formatBytes(a.sizeBytes),
      [a.path ?? a.uri, a.fromRun ? `(from run ${a.fromRun})` : '', a.metrics ? Object.entries(a.metrics).map(([k, v]) => `${k}=${formatMetric(v)}`).join(', ') : '']
        .filter(Boolean)
        .join(' '),
    ])
    this.list(['step', 'name', 'type', 'size', 'file'], rows, r.artifacts.map((a) => a.path ?? a.uri), flags, {keep: [0, 1], flex: [4]})
    return r
  }
}
