// Per-task execution of an importer (dsl.importer): resolves the URI and metadata (core/engine/importer.ts),
// brings gs:// bytes to this machine (artifact-fetch.ts) and outputs the `artifact`. No process runs; the task's
// log says what was imported.
import {mkdir} from 'node:fs/promises'
import path from 'node:path'
import type {ObjectStore} from '../../clients/gcs.js'
import {buildExecutorInput} from '../../core/engine/executor-io.js'
import {importedArtifact, importerUri, resolveMetadata} from '../../core/engine/importer.js'
import type {TaskInputs} from '../../core/engine/inputs.js'
import {jobValues, PlaceholderError, resolveString} from '../../core/engine/placeholders.js'
import type {IrComponentSpec, IrImporterSpec} from '../../core/ir/types.js'
import type {JsonValue} from '../../core/project/types.js'
import {environmentFault} from '../../lib/errors.js'
import {fetchArtifact} from './artifact-fetch.js'
import {openTaskLog} from './task-log.js'
import {environmentFailure, taskLogFile, type TaskExecContext, type TaskOutcome} from './task-exec.js'

/** An importer task of the IR. */
export interface ImporterTask {
  key: string
  displayName: string
  component: IrComponentSpec
  importer: IrImporterSpec
}

type ImporterContext = Pick<TaskExecContext, 'stateDir' | 'run' | 'runDir' | 'onStart'> & {
  // A few lines of its own: onLine's backpressure does not matter here.
  onLine: (line: string, stream: 'stdout') => unknown
  objectStore: () => Promise<ObjectStore>
}

/**
 * Runs an importer task: its output `artifact` points at the URI (and, for gs://, at a local copy). A log that
 * cannot be written (the disk is full) fails the task with the path and the cause, as for a container step
 * (task-exec.ts executeContainerTask): the outcome's `fault` stops the run.
 */
export async function executeImporterTask(t: ImporterTask, inputs: TaskInputs, ctx: ImporterContext): Promise<TaskOutcome> {
  const log = taskLogFile(t.key)
  try {
    await mkdir(path.dirname(path.join(ctx.runDir, log)), {recursive: true})
    const writer = await openTaskLog(path.join(ctx.runDir, log))
    let outcome: TaskOutcome
    try {
      outcome = await importArtifact(t, inputs, ctx, log, (line) => {
        writer.write(line + '\n')
        ctx.onLine(line, 'stdout')
      })
    } finally {
      await writer.close()
    }
    const fault = environmentFault(writer.error)
    return fault ? {log, status: 'failed', fault, message: fault.message} : outcome
  } catch (err) {
    // kfp's own writes for the task (its folder) failed the same way.
    return environmentFailure(log, err)
  }
}

/** Resolves the URI and metadata, brings the bytes here, and says on `say` what was imported. */
async function importArtifact(t: ImporterTask, inputs: TaskInputs, ctx: ImporterContext, log: string, say: (line: string) => void): Promise<TaskOutcome> {
  ctx.onStart()
  const u = importerUri(t.importer, inputs.parameters)
  if ('error' in u) return {status: 'failed', log, message: u.error}
  let metadata: JsonValue
  try {
    const executorInput = buildExecutorInput({
      component: t.component,
      parameters: inputs.parameters,
      artifacts: inputs.artifacts,
      outputParameterFile: () => '',
      outputArtifactUri: () => '',
      outputFile: '',
    })
    const values = {
      inputParameters: inputs.formatted,
      executorInput,
      ...jobValues(ctx.run, t),
    }
    metadata = resolveMetadata(t.importer.metadata ?? {}, (s) => resolveString(s, values))
  } catch (err) {
    if (err instanceof PlaceholderError) return {status: 'failed', log, message: `cannot fill in the importer's metadata: ${err.message}`}
    throw err
  }
  const fetched = await fetchArtifact(u.uri, {
    stateDir: ctx.stateDir,
    freshDir: path.join(ctx.run.pipelineRoot, t.key, 'artifact'),
    reimport: t.importer.reimport === true,
    objectStore: ctx.objectStore,
  })
  if (!fetched.ok) return {status: 'failed', log, message: `cannot import ${u.uri}: ${fetched.error}`}
  say(
    fetched.downloaded
      ? `Imported ${u.uri} (downloaded to ${fetched.localPath}).`
      : fetched.localPath === u.uri
        ? `Imported ${u.uri}.`
        : `Imported ${u.uri} (reusing the earlier download ${fetched.localPath}; set reimport to download it again).`,
  )
  const artifact = importedArtifact(t.importer, u.uri, metadata, fetched.localPath)
  return {status: 'succeeded', log, outputs: {parameters: {}, artifacts: {artifact}}}
}
