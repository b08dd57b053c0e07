// --start-step / --from-run / --set-output inside loops, conditions and nested pipelines, and Ctrl-C, a killed kfp
// and `kfp runs cancel` with steps running inside a loop of a nested pipeline. The built CLI, process runner.
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, repoRoot, runCli} from '../helpers/cli.js'
import {killMarked, processesWith} from '../helpers/processes.js'
import {tmpdir} from '../helpers/tmp.js'

const SDK = path.join(repoRoot, 'test', 'fixtures', 'ir', 'sdk')
const fx = (name: string) => path.join(SDK, `${name}.yaml`)
const slowLoop = path.join(repoRoot, 'test', 'fixtures', 'ir', 'engine', 'slow-loop.yaml')

let tmp: {dir: string; cleanup: () => Promise<void>}
const run = (args: string[], env: Record<string, string> = {}) => runCli(['run', '--runner', 'process', ...args], {cwd: tmp.dir, env})

function recordOf(r: {stderr: string}): any {
  const id = /^Run \S+ \(([^)]+)\)/m.exec(r.stderr)![1]
  return JSON.parse(readFileSync(path.join(tmp.dir, '.kfp', 'runs', id, 'run.json'), 'utf8'))
}
const task = (rec: any, key: string) => rec.tasks.find((t: any) => t.name === key)

const S = suite('local engine: --start-step inside control flow')
S.before.each(async () => {
  tmp = await tmpdir()
})
S.after.each(async () => {
  await tmp.cleanup()
})

S('a step inside a loop: earlier steps reuse each iteration its own outputs; step N runs in every iteration', async () => {
  const first = await run(['--local', fx('pipeline_with_loops'), '--no-cache'])
  assert.is(first.code, 0, first.stderr)
  const src = recordOf(first)
  // When starting at step 4 (for-loop-2/print-text-2)
  const r = await run(['--local', fx('pipeline_with_loops'), '--start-step', '4'])
  assert.is(r.code, 0, r.stderr)
  const rec = recordOf(r)
  // Then steps 1-3 are reused from the first run, per iteration, and the loop expanded over the reused list
  assert.equal(rec.startStep, {number: 4, task: 'for-loop-2/print-text-2', fromRun: {id: src.id, name: src.name}})
  for (const key of ['args-generator-op', 'for-loop-1[0]/print-text', 'for-loop-1[1]/print-text', 'for-loop-2[0]/print-struct', 'for-loop-2[1]/print-struct']) {
    assert.is(task(rec, key).status, 'skipped', key)
    assert.equal(task(rec, key).reusedFrom, {runId: src.id, runName: src.name, task: key}, key)
  }
  assert.is(task(rec, 'for-loop-2[1]/print-text-2').status, 'succeeded')
  assert.match(r.stderr, '[print-text-2[1]] 10')
  // And kfp logs of a reused iteration shows the log of the run that ran it
  const logs = await runCli(['logs', 'latest', 'print-text[1]'], {cwd: tmp.dir})
  assert.is(logs.stdout.trim(), 'b', logs.stderr)
  assert.match(logs.stderr, `log from run ${src.id}`)
})

S('dsl.Collected after --start-step: the consumer gets the list collected from the reused iterations', async () => {
  const first = await run(['--local', fx('collected_parameters'), '--no-cache'])
  assert.is(first.code, 0, first.stderr)
  // Step 4 is collecting-parameters/consume-ids, after the loop
  const r = await run(['--local', fx('collected_parameters'), '--start-step', 'collecting-parameters/consume-ids'])
  assert.is(r.code, 0, r.stderr)
  const rec = recordOf(r)
  assert.is(task(rec, 'collecting-parameters/for-loop-1[2]/prepend-id').status, 'skipped')
  assert.equal(task(rec, 'collecting-parameters/for-loop-1').outputs.parameters, {'pipelinechannel--prepend-id-Output': ['model_id_s1', 'model_id_s2', 'model_id_s3']})
  assert.match(r.stderr, '[consume-ids] Consuming: ["model_id_s1","model_id_s2","model_id_s3"]')
})

S('refuses --set-output for a step inside a loop, and lists missing outputs up front with the flag that supplies them', async () => {
  const loopSet = await run(['--local', fx('collected_parameters'), '--start-step', '3', '--set-output', 'prepend-id.Output=x'])
  assert.is(loopSet.code, 2, loopSet.stderr)
  assert.match(loopSet.stderr, "step 'collecting-parameters/for-loop-1/prepend-id' runs once per iteration of the loop 'collecting-parameters/for-loop-1'")
  // No earlier run: the outputs step 2 on needs are named, with flags
  const missing = await run(['--local', fx('pipeline_with_loops'), '--start-step', '2'])
  assert.is(missing.code, 2, missing.stderr)
  assert.match(missing.stderr, 'args-generator-op.Output: pass --set-output args-generator-op.Output=VALUE')
  // And --set-output of a root step outside loops supplies it
  const set = await run(['--local', fx('pipeline_with_loops'), '--start-step', '2', '--set-output', 'args-generator-op.Output=[{"A_a":"x","B_b":"y"}]'])
  assert.is(set.code, 0, set.stderr)
  assert.match(set.stderr, '[print-text-2[0]] x')
  assert.is(task(recordOf(set), 'for-loop-2').iterations, 1)
})

S('a step inside a condition: the condition is evaluated again on the reused value', async () => {
  const first = await run(['--local', fx('pipeline_with_condition'), '--no-cache'], {TEST_COIN: 'heads'})
  assert.is(first.code, 0, first.stderr)
  // Step 3 is condition-1/print-op-2; flip-coin-op (heads) and flip-coin-op-2 are reused
  const r = await run(['--local', fx('pipeline_with_condition'), '--start-step', '3'], {TEST_COIN: 'tails'})
  assert.is(r.code, 0, r.stderr)
  const rec = recordOf(r)
  assert.is(task(rec, 'condition-1').status, 'succeeded')
  assert.equal(task(rec, 'condition-1').condition.values, {'pipelinechannel--flip-coin-op-Output': 'heads'})
  assert.is(task(rec, 'condition-1/flip-coin-op-2').status, 'skipped')
  assert.match(r.stderr, '[print-op-2] heads')
})

// ------------------------------------------------------------------------------------------ signals

function onlyRecord(): any {
  const runs = path.join(tmp.dir, '.kfp', 'runs')
  const ids = existsSync(runs) ? readdirSync(runs).filter((id) => existsSync(path.join(runs, id, 'run.json'))) : []
  return ids.length ? JSON.parse(readFileSync(path.join(runs, ids[0], 'run.json'), 'utf8')) : undefined
}
async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
function startCli(args: string[]) {
  const child = spawn(process.execPath, [binPath, ...args], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const done = new Promise<{code: number | null; stderr: string}>((resolve) => child.on('close', (code) => resolve({code, stderr})))
  return {child, done}
}
const runningIterations = () => (onlyRecord()?.tasks ?? []).filter((t: any) => /^inner\/for-loop-1\[\d\]\/sleeper$/.test(t.name) && t.status === 'running' && t.pid)

const G = suite('local engine: Ctrl-C, a killed kfp and runs cancel inside loops')
G.before.each(async () => {
  tmp = await tmpdir()
})
G.after.each(async () => {
  await tmp.cleanup()
})

G('Ctrl-C stops the iterations running inside a nested pipeline, records them cancelled, exits 130', async () => {
  const marker = `kfp-loop-int-${process.pid}-${Date.now()}`
  const {child, done} = startCli(['run', '--local', slowLoop, '--runner', 'process', '--param', `marker=${marker}`])
  try {
    // parallelismLimit 2: two iterations run, the third waits
    await waitFor('two iterations to run', () => runningIterations().length === 2 && processesWith(marker).length >= 2)
    child.kill('SIGINT')
    const r = await done
    assert.is(r.code, 130, r.stderr)
    const rec = onlyRecord()
    assert.is(rec.status, 'cancelled')
    for (const i of [0, 1, 2]) assert.is(rec.tasks.find((t: any) => t.name === `inner/for-loop-1[${i}]`)?.status, 'cancelled', `iteration ${i}`)
    assert.is(rec.tasks.find((t: any) => t.name === 'inner/for-loop-1[0]/sleeper').status, 'cancelled')
    await waitFor('the iteration processes to be gone', () => processesWith(marker).length === 0, 5000)
  } finally {
    killMarked(marker)
  }
})

G('a killed kfp leaves iterations running: runs get shows them interrupted and runs cancel stops them', async () => {
  const marker = `kfp-loop-kill-${process.pid}-${Date.now()}`
  const {child, done} = startCli(['run', '--local', slowLoop, '--runner', 'process', '--param', `marker=${marker}`])
  try {
    await waitFor('two iterations to run', () => runningIterations().length === 2 && processesWith(marker).length >= 2)
    child.kill('SIGKILL')
    await done
    const get = await runCli(['runs', 'get', 'latest'], {cwd: tmp.dir})
    assert.match(get.stdout, ': interrupted')
    assert.match(get.stdout, /sleeper\[0\]\tcancelled/)
    assert.match(get.stdout, 'may still be running')
    const cancel = await runCli(['runs', 'cancel', 'latest'], {cwd: tmp.dir})
    assert.is(cancel.code, 0, cancel.stderr)
    await waitFor('the iteration processes to be gone', () => processesWith(marker).length === 0, 5000)
  } finally {
    killMarked(marker)
  }
})

S.run()
G.run()
