import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import type {CompareRow} from '../../core/runs/compare.js'
import {listFlags, projectFlag, namespaceFlag} from '../../flags.js'
import {compareRunRefs, type CompareResult} from '../../services/runs/compare.js'
import {style} from '../../ui/output.js'

export default class RunsCompare extends BaseCommand {
  static summary = 'Compare runs side by side: parameters, metrics, and each step’s status, duration and outputs.'
  static description =
    'One column per run, as on the KFP UI’s compare page; rows whose values differ are marked ≠ (durations are shown, never marked). Output artifacts of local runs are compared by content (sha256 of the file or folder, as the cache compares inputs). RUN is an id, a unique id prefix, a name or `latest`; `TARGET:RUN` takes the run from that target (local:latest prod:RUN_ID), others come from --target (default: local).'
  static examples = [
    '<%= config.bin %> <%= command.id %> try1 try2',
    '<%= config.bin %> <%= command.id %> try1 try2 try3 --diff',
    '<%= config.bin %> <%= command.id %> local:latest prod:3f2a9c1e-… --json',
  ]
  static strict = false
  static args = {runs: Args.string({required: true, description: 'Two or more runs: id, name, latest, or TARGET:RUN.'})}
  static flags = {
    project: projectFlag,
    wide: listFlags.wide,
    diff: Flags.boolean({summary: 'Only the rows whose values differ.'}),
    target: Flags.string({summary: 'Where runs without a TARGET: prefix live (default: local).', env: 'KFP_TARGET'}), namespace: namespaceFlag,
  }

  async run(): Promise<CompareResult> {
    const {argv, flags} = await this.parse(RunsCompare)
    const r = await compareRunRefs({cwd: this.ctx.cwd, project: flags.project, runs: argv as string[], target: flags.target}, this.ctx)
    const labels = r.runs.map((x) => (x.target === 'local' ? x.name : `${x.target}:${x.name}`))
    const section = (title: string, rows: CompareRow[]) => {
      const shown = flags.diff ? rows.filter((x) => x.differs) : rows
      if (shown.length === 0) return
      this.out(`${title}:`)
      const paint = (x: CompareRow, v: string | undefined) => (v === undefined ? '–' : x.differs ? style(this.io, 'yellow', v) : v)
      this.table(['diff', 'field', ...labels], shown.map((x) => [x.differs ? '≠' : '', x.field, ...x.values.map((v) => paint(x, v))]), {wide: flags.wide, keep: [0, 1]})
      this.out('')
    }
    this.out(`Comparing ${r.runs.map((x, i) => `${labels[i]} (${x.id}, ${x.status})`).join(' · ')}`)
    this.out('')
    section('Parameters', r.parameters)
    section('Metrics', r.metrics)
    section('Steps', r.steps)
    const n = [...r.parameters, ...r.metrics, ...r.steps].filter((x) => x.differs).length
    this.info(n ? `${n} field${n === 1 ? '' : 's'} differ.` : 'No differences (besides durations).')
    return r
  }
}
