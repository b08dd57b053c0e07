// pruneSpecForStartStep over the SDK's own compiled pipelines (test/fixtures/ir/sdk, kubeflow/pipelines test_data):
// for every step N of each, the pruned spec is one the server accepts and whose run would not fail on a dangling
// reference (test/helpers/fake-spec-check.ts), keeps exactly the steps from N on, or N is refused as a usage error.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {load} from 'js-yaml'
import {iterationKey} from '../../../src/core/engine/naming.js'
import type {TaskOutputs} from '../../../src/core/engine/record.js'
import {leavesOf, planTree, walkTree, type TaskNode} from '../../../src/core/engine/tree.js'
import type {PipelineSpec} from '../../../src/core/ir/types.js'
import {pruneSpecForStartStep} from '../../../src/core/remote/prune.js'
import {repoRoot} from '../../helpers/cli.js'
import {checkRunSpec} from '../../helpers/fake-spec-check.js'

const FIXTURES = [
  'ir/pipeline_with_loops.yaml',
  'ir/sdk/valid/pipeline_with_loops_and_conditions.yaml',
  'ir/sdk/valid/pipeline_with_nested_loops.yaml',
  'ir/sdk/valid/if_elif_else_with_oneof_parameters.yaml',
  'ir/sdk/valid/if_else_with_oneof_artifacts.yaml',
  'ir/sdk/valid/pipeline_with_task_final_status.yaml',
  'ir/sdk/valid/pipeline_as_exit_task.yaml',
  'ir/sdk/valid/parallel_and_nested/pipeline_in_pipeline_complex.yaml',
  'ir/sdk/valid/collected_artifacts.yaml',
  'ir/sdk/valid/artifacts_simple.yaml',
  'ir/sdk/valid/two_step_pipeline.yaml',
  'ir/sdk/valid/conditional_producer_and_consumers.yaml',
  'ir/sdk/pipeline_with_exit_handler.yaml',
  'ir/sdk/pipeline_with_task_using_ignore_upstream_failure.yaml',
  'ir/sdk/valid/failing/pipeline_with_multiple_exit_handlers.yaml',
]
const spec = (f: string) => load(readFileSync(path.join(repoRoot, 'test', 'fixtures', f), 'utf8')) as PipelineSpec

/** Record keys of a template path in a source run with two iterations of every loop. */
function keysOf(tree: TaskNode[], p: string): string[] {
  let keys = ['']
  let level = tree
  for (const seg of p.split('/')) {
    const n = level.find((x) => x.name === seg)!
    keys = keys.map((k) => (k ? `${k}/${seg}` : seg))
    if (n.kind === 'loop') keys = keys.flatMap((k) => [iterationKey(k, 0), iterationKey(k, 1)])
    level = n.children ?? []
  }
  return keys
}
const sample = (t: string | undefined) => (t === 'NUMBER_INTEGER' || t === 'NUMBER_DOUBLE' ? 1 : t === 'BOOLEAN' ? true : t === 'LIST' ? [] : t === 'STRUCT' ? {} : 'v')

function sourceOf(tree: TaskNode[]): Map<string, TaskOutputs> {
  const m = new Map<string, TaskOutputs>()
  for (const l of leavesOf(tree)) {
    for (const k of keysOf(tree, l.path)) {
      const outs = l.component.outputDefinitions ?? {}
      m.set(k, {
        parameters: Object.fromEntries(Object.entries(outs.parameters ?? {}).map(([n, d]) => [n, sample(d.parameterType)])),
        artifacts: Object.fromEntries(Object.keys(outs.artifacts ?? {}).map((n) => [n, {uri: `gs://b/${k}/${n}`}])),
      })
    }
  }
  return m
}


const p = suite('pruneSpecForStartStep: every start step of the SDK\'s control-flow pipelines')
for (const f of FIXTURES) {
  p(f, () => {
    const s = spec(f)
    const tree = planTree(s)
    const source = sourceOf(tree)
    const seen = {pruned: 0, refused: 0}
    for (const start of leavesOf(tree)) {
      const skipped = new Set(leavesOf(tree).filter((l) => l.number < start.number).map((l) => l.path))
      let out: PipelineSpec
      try {
        out = pruneSpecForStartStep({spec: s, tree, skipped, reused: (k) => source.get(k), sourceKeys: [...source.keys()], startNumber: start.number}).spec
      } catch (error: any) {
        assert.is(error.kfpCode, 'USAGE', `${f} @${start.number} ${start.path}: ${error.message}`)
        assert.match(error.message, /starts inside the loop|exit handler step|a list of them|dsl\.OneOf/)
        assert.ok(error.hints.length > 0)
        seen.refused++
        continue
      }
      seen.pruned++
      const verdict = checkRunSpec(out)
      assert.equal([verdict.message, verdict.runtime], [undefined, []], `${f} @${start.number} ${start.path}`)
      const kept = new Set(leavesOf(planTree(out)).map((l) => l.path))
      const expected = leavesOf(tree).filter((l) => !skipped.has(l.path)).map((l) => l.path)
      for (const e of expected) assert.ok(kept.has(e), `${f} @${start.number}: ${e} runs`)
      for (const k of kept) assert.ok(!skipped.has(k), `${f} @${start.number}: ${k} is not run`)
      // Everything that was not a step of the original is an importer kfp added.
      for (const k of kept) if (!expected.includes(k)) assert.ok(out.deploymentSpec.executors[out.components[leafComponent(out, k)].executorLabel!].importer, k)
    }
    assert.ok(seen.pruned > 0, `${f}: some start step is sent`)
  })
}

function leafComponent(s: PipelineSpec, p: string): string {
  return walkTree(planTree(s)).find((n) => n.path === p)!.componentName
}

p('starting inside a loop body is refused, naming the loop and the step numbers to use instead', () => {
  const s = spec('ir/pipeline_with_loops.yaml')
  const tree = planTree(s)
  const start = leavesOf(tree).find((l) => l.path === 'for-loop-2/print-text-2')!
  const loop = walkTree(tree).find((n) => n.path === 'for-loop-2')!
  const first = leavesOf([loop])[0].number
  const skipped = new Set(leavesOf(tree).filter((l) => l.number < start.number).map((l) => l.path))
  const e = (() => {
    try {
      pruneSpecForStartStep({spec: s, tree, skipped, reused: () => undefined, sourceKeys: [], startNumber: start.number})
    } catch (x) {
      return x as any
    }
  })()
  assert.is(e?.kfpCode, 'USAGE')
  assert.is(e.exitCode, 2)
  assert.match(e.message, `--start-step ${start.number} starts inside the loop 'for-loop-2'`)
  assert.match(e.hints[0], `--start-step ${first}`)
  assert.match(e.hints.join('\n'), '--target local')
})

p('a flat pipeline: output parameters become constants, an artifact is imported with its declared type', () => {
  const s = spec('ir/sdk/valid/two_step_pipeline.yaml')
  const tree = planTree(s)
  const [first, second] = leavesOf(tree)
  const outs = first.component.outputDefinitions!
  const reused: TaskOutputs = {parameters: Object.fromEntries(Object.keys(outs.parameters ?? {}).map((k) => [k, 'p'])), artifacts: Object.fromEntries(Object.keys(outs.artifacts ?? {}).map((k) => [k, {uri: `gs://b/${k}`}]))}
  const {spec: out, imported} = pruneSpecForStartStep({spec: s, tree, skipped: new Set([first.path]), reused: (k) => (k === first.path ? reused : undefined), sourceKeys: [first.path], startNumber: second.number})
  assert.not.ok(out.root.dag!.tasks[first.path])
  const art = Object.keys(outs.artifacts ?? {})[0]
  assert.equal(imported.map((x) => [x.task, x.output, x.uri]), [[first.path, art, `gs://b/${art}`]])
  const exec = out.deploymentSpec.executors[out.components[out.root.dag!.tasks[imported[0].importer].componentRef.name].executorLabel!]
  assert.equal(exec.importer!.typeSchema, outs.artifacts![art].artifactType)
  assert.equal(leavesOf(planTree(out)).map((l) => l.path).sort(), [imported[0].importer, second.path].sort())
})

p('an ignore_upstream_failure step whose upstream was not run and left no output: it takes its input default, and runs as a plain step', () => {
  const s = spec('ir/sdk/pipeline_with_task_using_ignore_upstream_failure.yaml')
  const tree = planTree(s)
  // The source run's fail-op failed: no outputs
  const {spec: out} = pruneSpecForStartStep({spec: s, tree, skipped: new Set(['fail-op']), reused: () => undefined, sourceKeys: ['fail-op'], startNumber: 2})
  const t = out.root.dag!.tasks['print-op']
  assert.equal(Object.keys(out.root.dag!.tasks), ['print-op'])
  assert.equal(t.inputs?.parameters ?? {}, {})
  assert.is(t.triggerPolicy, undefined)
  assert.is(t.dependentTasks, undefined)
  assert.equal(checkRunSpec(out), {runtime: []})
  // A step that waits for success has no default to take: still refused
  const two = spec('ir/sdk/valid/two_step_pipeline.yaml')
  const [first, second] = leavesOf(planTree(two))
  assert.throws(() => pruneSpecForStartStep({spec: two, tree: planTree(two), skipped: new Set([first.path]), reused: () => undefined, sourceKeys: [], startNumber: second.number}))
})

p('the fake server compiles like argocompiler: a DAG of exit tasks only is refused; an exit task waiting for no task is reported', () => {
  const s = spec('ir/sdk/pipeline_with_exit_handler.yaml') as any
  const orphan = structuredClone(s)
  delete orphan.root.dag.tasks['exit-handler-1']
  delete orphan.root.dag.tasks['print-op'].dependentTasks
  assert.equal(checkRunSpec(orphan).message, 'Internal error: Failed to compile job: DAG root must contain one or more non-exit tasks')
  const lone = structuredClone(s)
  delete lone.root.dag.tasks['print-op'].dependentTasks
  assert.equal(checkRunSpec(lone).runtime, ['root: exit task print-op (ALL_UPSTREAM_TASKS_COMPLETED) has no dependentTasks: it is the exit hook of no task and never runs'])
})

p.run()
