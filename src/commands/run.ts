import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {projectFlag, namespaceFlag} from '../flags.js'
import {CliError, EXIT} from '../lib/errors.js'
import {runPipeline, type RunEvent, type RunOptions, type RunResult} from '../services/run/index.js'
import {dryRunLocal, type DryRunResult} from '../services/run/dry-run.js'
import {createLogBatch, prefixLines} from '../ui/progress-log.js'
import {formatDuration} from '../ui/table.js'
import {stepRows} from './runs/get.js'
import {labelOf} from '../core/engine/naming.js'
import {shellQuote} from '../lib/shell.js'
import {resolveTarget} from '../services/target/resolve.js'
import {remoteRun, type RemoteRunResult} from '../services/remote/run.js'
import type {RemoteStartStepSummary} from '../services/remote/start-step.js'

export default class Run extends BaseCommand {
  static summary = 'Run the pipeline (on this machine by default) and wait for it to finish.'

  static description = `Compiles the project and runs the resulting KFP v2 pipeline on the target: \`local\` (the default) runs every step on this machine, in Docker when a daemon answers, else as host processes; under --runner auto a step whose image \`kfp build\` makes but is not built runs as a host process, and one line says which steps and why. --build builds what changed first and runs everything in Docker. A local target can pin its runner in kfp.yaml (\`targets: {local: {type: local, runner: docker}}\`); --runner and KFP_RUNNER win over the pin. \`--local FILE\` runs a compiled pipeline file (from \`kfp compile\` or the KFP SDK) made of container components.

Each step's log lines are streamed to stderr as they are written, prefixed with the step name (--no-watch to turn this off). Runs are recorded under .kfp/runs/ (see \`kfp runs list\`, \`kfp runs get\`, \`kfp logs\`). A step whose image, command, arguments and inputs match an earlier successful step is not run again: its outputs are reused (status cached), unless --no-cache or the step disables caching.

--start-step N|NAME runs from that step on and reuses the outputs of the steps before it from --from-run (default: the latest run of this pipeline that has them), overridden with --set-output STEP.OUTPUT=VALUE. The start step itself always runs.

Exit codes: 0 the run succeeded · 2 bad flags or --param values, unknown parameters, missing outputs for --start-step · 3 project or pipeline problems, unsupported pipeline features, images not built for the Docker runner · 5 Docker or a tool is missing · 7 the run failed, or was cancelled from another shell (kfp runs cancel, SIGTERM) · 130 interrupted (Ctrl-C).`

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --param startYear=2001 --name retrain',
    '<%= config.bin %> <%= command.id %> --start-step 4 --param startYear=2001',
    '<%= config.bin %> <%= command.id %> --start-step traintuned --set-output hypertrain.jobname=job-42',
    '<%= config.bin %> <%= command.id %> --local pipeline.yaml --runner docker --json',
    '<%= config.bin %> <%= command.id %> --detach',
    '<%= config.bin %> <%= command.id %> --no-cache train',
    '<%= config.bin %> <%= command.id %> --build',
  ]

  // `kfp run --no-cache STEP…`: the steps that skip the cache are the command's arguments.
  static strict = false
  static args = {step: Args.string({description: 'With --no-cache: run only these steps (numbers or names) without the cache; the others may still be reused.'})}

  static flags = {
    param: Flags.string({summary: 'A pipeline parameter, NAME=VALUE; parsed by the parameter type. Repeatable.', multiple: true, helpValue: 'NAME=VALUE'}),
    artifact: Flags.string({
      summary: 'A pipeline input artifact, NAME=PATH (local file or folder) or NAME=gs://BUCKET/OBJECT (downloaded with Application Default Credentials). Repeatable; optional ones may be left out. Local runs only.',
      multiple: true,
      helpValue: 'NAME=PATH|gs://…',
    }),
    'params-file': Flags.string({summary: 'YAML or JSON file of parameter values (--param wins).', helpValue: 'FILE'}),
    name: Flags.string({summary: 'Run name (default: <pipeline>-<date>-<time>).'}),
    experiment: Flags.string({summary: 'Experiment to file the run under.', default: 'Default', env: 'KFP_EXPERIMENT'}),
    watch: Flags.boolean({summary: "Stream every step's log lines to stderr as they are written.", default: true, allowNo: true}),
    detach: Flags.boolean({summary: 'Start the run in the background, print its id (with --json: the run record) and return.'}),
    runner: Flags.string({
      summary: "How local steps run: docker, process (on the host) or auto (the default, or the target's runner: pin).",
      description:
        'auto runs in Docker when a daemon answers; a step whose image `kfp build` makes but is not built yet runs as a host process, and one line names those steps. docker refuses to start when such an image is missing (and names the `kfp build` command).',
      options: ['auto', 'docker', 'process'],
      env: 'KFP_RUNNER',
    }),
    build: Flags.boolean({summary: 'Build the images of the steps that run (only what changed: content hash), then run them in Docker.'}),
    parallelism: Flags.integer({summary: 'At most this many steps at once (default: the number of CPUs).', min: 1}),
    'no-cache': Flags.boolean({summary: 'Run every step, even when an earlier identical step could be reused; `--no-cache STEP…` only those steps.'}),
    'fail-fast': Flags.boolean({summary: 'Stop the other running steps as soon as one fails.'}),
    target: Flags.string({summary: 'Where to run: local, or a configured KFP target.', env: 'KFP_TARGET'}), namespace: namespaceFlag,
    local: Flags.string({summary: 'Run this compiled pipeline file (YAML/JSON IR) on this machine instead of the project.', helpValue: 'FILE', exclusive: ['project']}),
    project: projectFlag,
    'start-step': Flags.string({summary: 'Run from this step (number or name) on; reuse the outputs of the steps before it.', helpValue: 'N|NAME'}),
    'from-run': Flags.string({summary: 'With --start-step: the run whose outputs to reuse (id, name or latest).', helpValue: 'RUN'}),
    'set-output': Flags.string({summary: 'With --start-step: supply one output of a skipped step. Repeatable.', multiple: true, helpValue: 'STEP.OUTPUT=VALUE'}),
    'local-outputs': Flags.boolean({
      summary: 'On a KFP server, with --start-step: reuse the outputs of a local run (--from-run, else the newest) instead of a server run; warns with the values.',
    }),
    'cancel-on-interrupt': Flags.boolean({summary: 'On a KFP server: Ctrl-C while watching also cancels the run (default: only stop watching).'}),
    'dry-run': Flags.boolean({summary: 'Print the plan without running: per step, run / cached (from which run) / reused by --start-step / skipped, and why a step misses the cache.'}),
    wide: Flags.boolean({summary: 'With --dry-run: show every column in full.'}),
    'run-id': Flags.string({hidden: true, summary: 'Internal: the id of a detached run.'}),
  }

  async run(): Promise<RunResult> {
    const {flags, argv} = await this.parse(Run)
    const noCacheSteps = argv as string[]
    for (const [flag, v] of [['--start-step', flags['start-step']], ['--from-run', flags['from-run']]] as const) {
      if (v !== undefined && v.trim() === '')
        throw new CliError('USAGE', `${flag} is empty.`, {
          exit: EXIT.USAGE,
          hints: [flag === '--start-step' ? 'Give a step number or name: --start-step 4 (see `kfp steps`).' : 'Give a run id, name or latest: --from-run latest (see `kfp runs list`).'],
        })
    }
    if (noCacheSteps.length && !flags['no-cache']) {
      const topic = this.wrongTopic()
      if (topic) throw topic
      throw new CliError('USAGE', `Unexpected argument${noCacheSteps.length > 1 ? 's' : ''}: ${noCacheSteps.join(' ')}. kfp run takes step names only after --no-cache.`, {
        exit: EXIT.USAGE,
        hints: [`To run ${noCacheSteps.join(' ')} without the cache: kfp run --no-cache ${noCacheSteps.join(' ')}`, 'Parameters go in --param NAME=VALUE.'],
      })
    }
    // KFP server targets: the remote engine (src/services/remote/run.ts) with the same flags.
    const target = flags.local ? undefined : await resolveTarget({target: flags.target}, this.ctx)
    if (target?.type === 'kfp') {
      if (noCacheSteps.length)
        throw new CliError('USAGE', `--no-cache ${noCacheSteps.join(' ')} chooses steps of local runs; on a KFP server --no-cache applies to every step.`, {
          exit: EXIT.USAGE,
          hints: [`kfp run --target ${target.name} --no-cache`],
        })
      if (flags['dry-run'])
        throw new CliError('USAGE', `--dry-run plans runs on this machine; target '${target.name}' is a KFP server, which decides its own caching.`, {
          exit: EXIT.USAGE,
          hints: ['See what would be uploaded: kfp compile -o pipeline.yaml', 'Plan a local run: kfp run --dry-run --target local'],
        })
      return this.runRemote(flags) as never
    }
    const started = new Map<string, number>()
    const watch = flags.watch && !flags.detach
    // Streamed log lines leave in batches (ui/progress-log.ts); anything else printed first flushes them, so the order
    // stays as it happened. While stderr is full the step's output waits (the returned promise).
    const logs = createLogBatch((t) => this.info(t), () => this.io.errWritable?.())
    const flushLogs = logs.flush
    const onEvent = (e: RunEvent) => {
      if (e.type === 'log') return watch ? logs.push(prefixLines(`[${e.task}] `, e.lines)) : undefined
      flushLogs()
      switch (e.type) {
        case 'warning':
          this.warn(e.message)
          break
        case 'build':
          if (e.status === 'building') this.info(`Building ${e.step} (${e.image})…`)
          else if (e.status !== 'checking') this.info(`${e.status === 'failed' ? '✖' : e.status === 'built' ? '✔' : '↺'} ${e.step}: image ${e.status}${e.image ? ` (${e.image})` : ''}`)
          break
        case 'run-start':
          this.info(`Run ${e.name} (${e.runId}): ${e.tasks} step${e.tasks === 1 ? '' : 's'} on the ${e.runner === 'mixed' ? 'mixed runner (Docker and the host)' : `${e.runner} runner`}.`)
          break
        case 'image':
          if (e.status === 'pulling') this.info(`Pulling image ${e.image}…`)
          else if (e.status === 'pulled') this.info(`Pulled ${e.image}.`)
          break
        case 'task-start':
          started.set(e.task, Date.now())
          this.info(`▶ ${e.number}. ${e.task} started`)
          break
        case 'task-retry':
          this.info(`↻ ${e.number}. ${e.task}: retry ${e.attempt - 1}`)
          break
        case 'task-end': {
          const t0 = started.get(e.task)
          const d = t0 ? ` (${formatDuration(Date.now() - t0)})` : ''
          this.info(this.statusLine(e.status, `${e.number}. ${e.task} ${e.status}${d}${e.message ? `: ${e.message}` : ''}`))
          break
        }
      }
    }
    const options: RunOptions = {
        cwd: this.ctx.cwd,
        project: flags.project,
        localFile: flags.local,
        target: flags.target,
        params: flags.param ?? [],
        artifacts: flags.artifact ?? [],
        paramsFile: flags['params-file'],
        name: flags.name,
        experiment: flags.experiment,
        runner: flags.runner as 'auto' | 'docker' | 'process' | undefined,
        runnerPin: target?.type === 'local' && target.runner ? {runner: target.runner, by: `targets.${target.name}.runner: ${target.runner}`} : undefined,
        build: flags.build,
        parallelism: flags.parallelism,
        noCache: flags['no-cache'] && noCacheSteps.length === 0,
        noCacheSteps,
        failFast: flags['fail-fast'],
        startStep: flags['start-step'],
        fromRun: flags['from-run'],
        setOutputs: flags['set-output'] ?? [],
        runId: flags['run-id'],
        detach: flags.detach ? {entry: process.argv[1], argv: ['run', ...this.argv]} : undefined,
      }
    if (flags['dry-run']) return this.renderPlan(await dryRunLocal(options, this.ctx, onEvent), flags.wide) as never
    let result: RunResult
    try {
      result = await runPipeline(options, this.ctx, onEvent)
    } finally {
      flushLogs()
    }
    const {spec, ...shown} = result
    const run = result.run
    if (result.detached) {
      this.info(`Started run ${run.name} in the background. Follow it with: kfp logs ${run.id} -f`)
      this.out(run.id)
      return shown
    }
    if (result.fault || result.recordError) throw this.environmentFailure(result)
    const took = run.startedAt && run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : ''
    if (run.status === 'succeeded') {
      this.stepsTable(stepRows(run, spec))
      this.out(`Run ${run.name} (${run.id}) succeeded${took ? ` in ${took}` : ''}.`)
      return shown
    }
    if (run.status === 'cancelled' && this.signalled !== 'SIGTERM') {
      throw new CliError('INTERRUPTED', `Run ${run.name} (${run.id}) was cancelled; its steps were stopped and removed.`, {
        exit: EXIT.INTERRUPTED,
        data: {run},
      })
    }
    if (run.status === 'cancelled') {
      // SIGTERM: `kfp runs cancel` (or a kill) from another shell. The run did not succeed (7), kfp was not interrupted.
      throw new CliError('RUN_CANCELLED', `Run ${run.name} (${run.id}) was cancelled from outside (kfp runs cancel or SIGTERM); its steps were stopped and removed.`, {
        exit: EXIT.RUN_FAILED,
        data: {run},
      })
    }
    for (const f of result.failedLogs ?? []) {
      if (f.lines.length === 0) continue
      this.info(`Last lines of step ${f.number}. ${f.task}:`)
      for (const l of f.lines) this.info(`  ${l}`)
    }
    const hints = []
    if (result.resumeCommand) {
      // On a line of its own for humans (hints get wrapped, and this command is meant to be copied); a hint in --json.
      if (this.jsonEnabled()) hints.push(`Resume from the failed step: ${result.resumeCommand}`)
      else this.info(`Resume from the failed step with:\n  ${result.resumeCommand}`)
    }
    // Steps only (a group fails because a step inside it did), by their label (`train[1]`).
    const failedSteps = run.tasks.filter((t) => t.status === 'failed' && t.kind === undefined).sort((a, b) => a.number - b.number)
    const firstFailed = failedSteps[0]
    if (firstFailed) hints.push(`Full log: kfp logs ${run.id} ${shellQuote(labelOf(firstFailed.name))}`)
    const details = failedSteps
      .slice(0, 10)
      .map((t) => `step ${t.number} (${labelOf(t.name)}) ${t.message ?? 'failed'}`)
      .join('; ')
    throw new CliError('RUN_FAILED', `Run ${run.name} (${run.id}) ${run.status}: ${details || run.message || ''}`.trim(), {
      exit: EXIT.RUN_FAILED,
      hints,
      data: {run, resumeCommand: result.resumeCommand},
    })
  }

  /**
   * The environment failed under the run (the disk filled while a step wrote its log, run.json could not be written):
   * exit 5 with the path and the cause, and what the record says now.
   */
  private environmentFailure(result: RunResult): CliError {
    const {run, fault, recordError} = result
    const what = fault ? `failed: ${fault.message} The run was stopped` : run.status
    const record = recordError
      ? `; its record could not be written (${recordError.message.replace(/\.$/, '')}), so \`kfp runs list\` shows it as interrupted until \`kfp runs cancel ${run.id}\` records it`
      : ' and recorded as failed'
    const full = [fault?.code, recordError?.code].some((c) => c === 'ENOSPC' || c === 'EDQUOT')
    return new CliError('FS_ERROR', `Run ${run.name} (${run.id}) ${what}${fault || recordError ? record : ''}.`, {
      exit: EXIT.EXTERNAL,
      hints: [full ? 'Free some space (kfp runs prune --keep N removes old runs) and run again.' : 'Check that .kfp is writable (ls -ld), then run again.', `What was recorded: kfp runs get ${run.id}`],
      data: {run, fault, recordError},
    })
  }

  /** The --dry-run plan: one row per step (what it would do, from which run, why). */
  private renderPlan(p: DryRunResult, wide?: boolean): DryRunResult {
    const will = {run: 'run', cached: 'cached', reused: 'reused', skipped: 'skipped'} as const
    this.out(`Dry run of ${p.pipeline} on the ${p.runner} runner: nothing was started.`)
    const rows = p.steps.map((s) => {
      const values = s.values && Object.keys(s.values).length ? [Object.entries(s.values).map(([k, v]) => `${k}=${v}`).join(', ')] : []
      const vs = s.comparedWith ? [`(since run ${s.comparedWith.name}, ${s.comparedWith.id})`] : []
      return [String(s.number), s.step, this.statusCell(will[s.action]), s.fromRun ? `${s.fromRun.name} (${s.fromRun.id})` : '', [[...s.reasons, ...values].join('; '), ...vs].join(' ')]
    })
    this.table(['#', 'step', 'will', 'from run', 'why'], rows, {wide, keep: [0, 1, 2], flex: [4]})
    return p
  }

  /** `kfp run` on a KFP server target. */
  private async runRemote(flags: Record<string, any>): Promise<RemoteRunResult> {
    if (flags.artifact?.length) {
      // The run API takes parameters only (v2beta1 RuntimeConfig); a server pipeline imports artifacts with dsl.importer.
      throw new CliError('USAGE', '--artifact gives pipeline input artifacts to local runs; a KFP server run takes parameters only.', {
        exit: EXIT.USAGE,
        hints: ['Pass the URI as a --param and import it in the pipeline with dsl.importer, or run locally (--target local).'],
      })
    }
    if (flags.build) {
      throw new CliError('USAGE', '--build builds images for local runs; a KFP server pulls them from a registry.', {
        exit: EXIT.USAGE,
        hints: [`kfp build --push && kfp run --target ${flags.target ?? this.ctx.env.KFP_TARGET ?? 'NAME'}`],
      })
    }
    const r = await remoteRun(
      {
        cwd: this.ctx.cwd,
        project: flags.project,
        target: flags.target,
        params: flags.param ?? [],
        paramsFile: flags['params-file'],
        name: flags.name,
        // The local default experiment name means "not given": the target's experiment or the pipeline name is used.
        experiment: this.argv.some((a) => a.startsWith('--experiment')) || process.env.KFP_EXPERIMENT ? flags.experiment : undefined,
        noCache: flags['no-cache'],
        startStep: flags['start-step'],
        fromRun: flags['from-run'],
        localOutputs: flags['local-outputs'],
        setOutputs: flags['set-output'] ?? [],
        watch: flags.watch && !flags.detach,
        cancelOnInterrupt: flags['cancel-on-interrupt'],
        onEvent: (e) => {
          if (e.type === 'warning') this.warn(e.message)
          else if (e.type === 'connected') this.info(`Connected to ${e.endpoint}${e.version ? ` (KFP ${e.version})` : ''}`)
          else if (e.type === 'uploading') this.info(`Uploading ${e.pipeline} version ${e.version}`)
          else if (e.type === 'run-created') this.info(`Run ${e.name} (${e.runId}) created: ${e.url}`)
          else if (e.type === 'task') this.info(this.statusLine(e.status, `${e.task} ${e.status}`))
          else if (e.type === 'log') this.info(`[${e.task}] ${e.line}`)
          else if (e.type === 'start-step') for (const line of startStepLines(e.summary)) this.info(line)
        },
      },
      this.ctx,
    )
    this.out(r.watched ? `Run ${r.run.name} (${r.run.id}) succeeded.` : r.run.id)
    return r
  }
}


/** What a server --start-step run reuses, as the lines shown before it is created. */
function startStepLines(s: RemoteStartStepSummary): string[] {
  const from = s.fromRun ? `run ${s.fromRun.name} (${s.fromRun.id})${s.fromRun.where === 'local' ? ', a local run' : ''}` : s.sources.includes('--set-output') ? '--set-output' : 'nowhere (nothing reads them)'
  const reused = Object.keys(s.constants).map((k) => labelOf(k))
  return [
    `Starting at step ${s.startNumber} (${s.startTask}); steps before it are not run${reused.length ? `: outputs of ${reused.join(', ')} from ${from}` : ''}.`,
    ...s.imported.map((a) => `  ${a.step}.${a.output}: imported from ${a.uri} (task ${a.importer})`),
  ]
}
