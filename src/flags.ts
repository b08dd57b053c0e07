import {Args, Flags} from '@oclif/core'

/**
 * Shared flags. Every flag can also be set from an environment variable (see src/lib/env.ts).
 */

/** --project PATH: the kfp.yaml file or its folder (default: the nearest kfp.yaml in the current folder or a parent). */
export const projectFlag = Flags.string({
  summary: 'Path to kfp.yaml or the folder that holds it.',
  description: 'Default: the nearest kfp.yaml in the current folder or one of its parents.',
  env: 'KFP_PROJECT',
  helpValue: 'PATH',
})

/**
 * --namespace PROFILE on every command that talks to a KFP target: the profile namespace of a multi-user server.
 * It wins over KFP_NAMESPACE and the target's `namespace:` (BaseCommand.parse puts it where target resolution reads
 * KFP_NAMESPACE, so every command resolves it the same way).
 */
export const namespaceFlag = Flags.string({
  summary: 'Profile namespace on a multi-user KFP server (wins over KFP_NAMESPACE and the target\'s namespace).',
  env: 'KFP_NAMESPACE',
  helpValue: 'PROFILE',
})

/**
 * Flags of every list command: `--wide` (never cut a cell to fit the terminal) and `-q/--quiet` (ids only, one a line).
 * Spread into a command's flags (`static flags = {...listFlags, …}`) and render with BaseCommand.list().
 */
export const listFlags = {
  wide: Flags.boolean({summary: 'Show every column in full, even when wider than the terminal.'}),
  quiet: Flags.boolean({char: 'q', summary: 'Print only the ids, one a line (for scripts: xargs, $(...)).'}),
}

/**
 * --target NAME and --namespace PROFILE of the `kfp runs` commands that read local runs unless given a target (list,
 * get, cancel). Spread into a command's flags (`static flags = {...runsTargetFlags, …}`).
 */
export const runsTargetFlags = {
  target: Flags.string({summary: 'Read runs from this KFP target instead of the local runs (see kfp target list).', env: 'KFP_TARGET'}),
  namespace: namespaceFlag,
}

/** --target NAME and --namespace PROFILE of the `kfp runs` commands for a run on a KFP server only (retry, archive). */
export const serverRunFlags = {
  target: Flags.string({summary: 'The KFP target the run is on (see kfp target list).', env: 'KFP_TARGET'}),
  namespace: namespaceFlag,
}

/** RUN STEP NAME of `kfp artifacts get|open`, and --target for the run (local runs by default). */
export const artifactRef = {
  args: {
    run: Args.string({required: true, description: 'Run id, name or latest.'}),
    step: Args.string({required: true, description: 'Step number or name.'}),
    name: Args.string({required: true, description: 'Artifact (output) name.'}),
  },
  target: Flags.string({summary: 'Read the run from this KFP target instead of the local runs.', env: 'KFP_TARGET'}),
  namespace: namespaceFlag,
}

/**
 * --target NAME and --namespace PROFILE of the commands that only talk to a KFP server (pipelines, experiments,
 * schedules). Spread into a command's flags (`static flags = {...serverFlags, …}`).
 */
export const serverFlags = {
  target: Flags.string({description: 'Target (KFP server).', env: 'KFP_TARGET'}),
  namespace: namespaceFlag,
}

/** SCHEDULE of `kfp schedule get|pause|resume|delete`, and the --target (KFP server) and --namespace it lives in. */
export const scheduleRef = {
  args: {schedule: Args.string({required: true, description: 'Schedule name or id.'})},
  flags: serverFlags,
}
