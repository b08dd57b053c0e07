/**
 * What a compiled pipeline asks of the platform that runs it, and what that platform cannot do, so `kfp compile`
 * (and anything that compiles for a target) can say so before a run fails there. Pure. The table of constructs ×
 * local engine × KFP server × Vertex AI is in docs/architecture.md; this holds the cases known to fail.
 */
import type {IrComponentSpec, IrTask, PipelineSpec} from '../ir/types.js'
import {FILE_OUTPUTS_ARGV0} from './file-outputs.js'

export interface Limitation {
  /** Task path from the root, e.g. `exit-handler-1/condition-3/importer`. */
  task: string
  message: string
  hint: string
}

type Visit = (path: string, task: IrTask, comp: IrComponentSpec | undefined) => void

function walk(spec: PipelineSpec, dag: IrComponentSpec | undefined, prefix: string, visit: Visit, depth = 0): void {
  if (depth > 50) return
  for (const [key, t] of Object.entries(dag?.dag?.tasks ?? {})) {
    const comp = spec.components?.[t.componentRef?.name]
    const path = prefix ? `${prefix}/${key}` : key
    visit(path, t, comp)
    if (comp?.dag) walk(spec, comp, path, visit, depth + 1)
  }
}

/**
 * The constructs of `spec` that `platform` cannot run:
 * - kfp: an importer whose URI is text with references. The backend's importer launcher resolves
 *   `artifactUri.runtimeParameter` only from the task's `componentInputParameter`
 *   (backend/src/v2/component/importer_launcher.go ImportSpecToMLMDArtifact), not from a text constant holding
 *   placeholders, so the import fails at run time.
 * - kfp: a step with `fileOutputs` (tutorial-style fixed-path outputs). KFP v2 collects output parameters only from
 *   the launcher's output file (launcher_v2.go collectOutputParameters), so the compiler wraps that step's command in
 *   `sh -c` (file-outputs.ts): the only wrapped steps, and they need /bin/sh in their image (not distroless/scratch).
 * - vertex: none known.
 */
export function platformLimitations(spec: PipelineSpec, platform: 'kfp' | 'vertex'): Limitation[] {
  const out: Limitation[] = []
  if (platform !== 'kfp') return out
  walk(spec, spec.root, '', (path, task, comp) => {
    const exec = comp?.executorLabel ? spec.deploymentSpec?.executors?.[comp.executorLabel] : undefined
    if (exec?.container?.command?.[3] === FILE_OUTPUTS_ARGV0) {
      out.push({
        task: path,
        message: `task '${path}' uses fileOutputs, so its command runs under sh -c to copy the fixed file to the KFP output file; its image needs /bin/sh`,
        hint: 'Or write the value to the path kfp passes ({outputPath: NAME}) and drop fileOutputs: then the command runs as written.',
      })
    }
    const importer = exec?.importer as {artifactUri?: {runtimeParameter?: string}} | undefined
    if (!importer?.artifactUri?.runtimeParameter) return
    const uri = task.inputs?.parameters?.[importer.artifactUri.runtimeParameter]
    if (uri && uri.componentInputParameter === undefined) {
      out.push({
        task: path,
        message: `task '${path}' imports an artifact whose URI mixes text and references; a KFP server's importer only reads a URI from a parameter`,
        hint: 'Make the whole URI one param (import: ${{ params.dataUri }}) or a literal, or run this pipeline on the local engine or Vertex AI.',
      })
    }
  })
  return out
}
