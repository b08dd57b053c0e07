import path from 'node:path'
import type {Ctx} from '../../src/ctx.js'
import type {Exec} from '../../src/clients/exec.js'
import type {Prompter} from '../../src/ui/prompts.js'
import {missingInput} from '../../src/ui/prompts.js'

/** A hello-world KFP v2 spec with one STRING parameter `who` and one output parameter per step. */
export function helloSpec(name = 'hello', echo = 'hi'): string {
  return `# PIPELINE DEFINITION
# Name: ${name}
components:
  comp-hello:
    executorLabel: exec-hello
    inputDefinitions:
      parameters:
        who: {parameterType: STRING}
    outputDefinitions:
      parameters:
        greeting: {parameterType: STRING}
  comp-shout:
    executorLabel: exec-shout
    inputDefinitions:
      parameters:
        text: {parameterType: STRING}
deploymentSpec:
  executors:
    exec-hello:
      container:
        image: busybox
        command: [sh, -c, 'echo ${echo} "$0" > "$1"', "{{$.inputs.parameters['who']}}", "{{$.outputs.parameters['greeting'].output_file}}"]
    exec-shout:
      container:
        image: busybox
        command: [echo, "{{$.inputs.parameters['text']}}"]
pipelineInfo:
  name: ${name}
root:
  dag:
    tasks:
      hello:
        cachingOptions: {enableCache: true}
        componentRef: {name: comp-hello}
        inputs:
          parameters:
            who: {componentInputParameter: who}
        taskInfo: {name: hello}
      shout:
        cachingOptions: {enableCache: true}
        componentRef: {name: comp-shout}
        dependentTasks: [hello]
        inputs:
          parameters:
            text:
              taskOutputParameter: {outputParameterKey: greeting, producerTask: hello}
        taskInfo: {name: shout}
  inputDefinitions:
    parameters:
      who: {parameterType: STRING, defaultValue: world}
      times: {parameterType: NUMBER_INTEGER, defaultValue: 1.0}
schemaVersion: 2.1.0
sdkVersion: kfp-2.17.0
`
}

/** An Exec that answers git calls from a table and fails on anything unexpected. */
export function fakeExec(answers: Record<string, {stdout: string; exitCode?: number}> = {}, calls: string[][] = []): Exec {
  return {
    async run(file, args) {
      calls.push([file, ...args])
      const key = [file, ...args].join(' ')
      const a = answers[key]
      if (!a) {
        if (file === 'git') return {stdout: '', stderr: 'fatal: not a git repository', exitCode: 128}
        throw new Error(`unexpected command: ${key}`)
      }
      return {stdout: a.stdout, stderr: '', exitCode: a.exitCode ?? 0}
    },
    async which() {
      return undefined
    },
  }
}

/** A prompter that cannot prompt (like CI) unless answers are given. */
export function fakePrompter(confirmAnswer?: boolean): Prompter {
  return {
    canPrompt: confirmAnswer !== undefined,
    async input(o) {
      throw missingInput(o.flag, o.message)
    },
    async confirm(o) {
      if (confirmAnswer === undefined) throw missingInput(o.flag, o.message)
      return confirmAnswer
    },
    async select(o) {
      throw missingInput(o.flag, o.message)
    },
  }
}

/** A Ctx for remote services: cwd = dir, user config under dir, KFP_ENDPOINT = the fake server. */
export function remoteCtx(dir: string, env: Record<string, string> = {}, extra: Partial<Ctx> = {}): Ctx {
  return {
    cwd: dir,
    env: {KFP_CONFIG_DIR: path.join(dir, '.user-config'), KFP_HTTP_TIMEOUT_MS: '5000', ...env},
    exec: fakeExec(),
    prompter: fakePrompter(),
    now: () => new Date(),
    signal: new AbortController().signal,
    clients: {},
    ...extra,
  }
}
