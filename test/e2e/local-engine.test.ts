// End-to-end tests of the local engine with the process runner: the built CLI (bin/run.js) runs hand-written IR
// fixtures made of `sh -c` steps. Run `npm run build` first.
import {spawn} from 'node:child_process'
import {closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, repoRoot, runCli} from '../helpers/cli.js'
import {killMarked, processesWith} from '../helpers/processes.js'
import {tmpdir} from '../helpers/tmp.js'

const FIX = path.join(repoRoot, 'test', 'fixtures', 'ir', 'engine')
const diamond = path.join(FIX, 'diamond.yaml')
const failing = path.join(FIX, 'fail.yaml')
const slow = path.join(FIX, 'slow.yaml')

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function records(dir: string): any[] {
  const runs = path.join(dir, '.kfp', 'runs')
  if (!existsSync(runs)) return []
  return readdirSync(runs)
    .filter((id) => existsSync(path.join(runs, id, 'run.json')))
    .map((id) => JSON.parse(readFileSync(path.join(runs, id, 'run.json'), 'utf8')))
}


/** Starts the CLI without waiting; returns the child and a promise of its exit. */
function startCli(args: string[], cwd: string) {
  const child = spawn(process.execPath, [binPath, ...args], {cwd, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const done = new Promise<{code: number | null; signal: string | null; stdout: string; stderr: string}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})),
  )
  return {child, done}
}

let tmp: {dir: string; cleanup: () => Promise<void>}

const Run = suite('kfp run --local (process runner)')
Run.before.each(async () => {
  tmp = await tmpdir('kfp-engine-')
})
Run.after.each(async () => {
  await tmp.cleanup()
})

Run('runs a diamond DAG: data wiring, parallel branches, retries, prefixed logs, and the step table', async () => {
  // When
  const r = await runCli(['run', '--local', diamond, '--runner', 'process', '--param', 'count=5'], {cwd: tmp.dir})
  // Then it succeeds, streams prefixed log lines to stderr and prints the table on stdout
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, `[a] a: hello x5 in ${tmp.dir}`)
  assert.match(r.stderr, '[b] b: first attempt fails')
  assert.match(r.stderr, '↻ 2. b: retry 1')
  assert.match(r.stderr, '[b] b: hello from a flag=true opt-absent job=diamond-')
  assert.match(r.stderr, '[c] c: items=[1,2] data=dataset env=\n')
  assert.match(r.stderr, '[d] d: hello from a/flag=true + 3 task=d')
  assert.match(r.stdout, /^#\tstep\tstatus\tduration\toutputs\n1\ta\tsucceeded\t/)
  assert.match(r.stdout, /Run diamond-\d{8}-\d{6} \(\d{8}-\d{6}-[0-9a-f]{6}\) succeeded/)
  // And the record has typed outputs, attempts and overlapping b/c (parallel branches)
  const [rec] = records(tmp.dir)
  assert.is(rec.status, 'succeeded')
  assert.equal(rec.parameters, {greeting: 'hello', count: 5, flag: true, items: [1, 2]})
  const t = Object.fromEntries(rec.tasks.map((x: any) => [x.name, x]))
  assert.equal(t.c.outputs.parameters, {n: 3})
  assert.is(t.b.attempts, 2)
  assert.ok(existsSync(t.a.outputs.artifacts.data.uri))
  assert.ok(Date.parse(t.b.startedAt) < Date.parse(t.c.finishedAt) && Date.parse(t.c.startedAt) < Date.parse(t.b.finishedAt), 'b and c overlap')
  assert.ok(existsSync(path.join(tmp.dir, '.kfp', 'runs', rec.id, 'pipeline.json')))
})

Run('reuses identical earlier steps (cached) unless --no-cache; --json prints the run record', async () => {
  // Given a first run
  assert.is((await runCli(['run', '--local', diamond, '--runner', 'process'], {cwd: tmp.dir})).code, 0)
  // When the same pipeline runs again
  const again = await runCli(['run', '--local', diamond, '--runner', 'process', '--json'], {cwd: tmp.dir})
  // Then every step is cached, with outputs and their source run
  assert.is(again.code, 0, again.stderr)
  const first = records(tmp.dir).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0]
  const run = again.json.result.run
  assert.equal(run.tasks.map((x: any) => x.status), ['cached', 'cached', 'cached', 'cached'])
  assert.equal(run.tasks[2].outputs.parameters, {n: 3})
  assert.is(run.tasks[0].reusedFrom.runId, first.id)
  // And a changed parameter re-runs only the steps it reaches
  const changed = await runCli(['run', '--local', diamond, '--runner', 'process', '--param', 'items=[3]', '--json'], {cwd: tmp.dir})
  // (d is cached too: c writes the same n, so d's inputs did not change)
  assert.equal(changed.json.result.run.tasks.map((x: any) => x.status), ['cached', 'cached', 'succeeded', 'cached'])
  // And --no-cache runs everything
  const fresh = await runCli(['run', '--local', diamond, '--runner', 'process', '--no-cache', '--json'], {cwd: tmp.dir})
  assert.equal(fresh.json.result.run.tasks.map((x: any) => x.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded'])
  // And a cached step is shown as cached, never as started
  const quiet = await runCli(['run', '--local', diamond, '--runner', 'process'], {cwd: tmp.dir})
  assert.not.match(quiet.stderr, /started/)
  assert.match(quiet.stderr, /↺ 1\. \S+ cached/)
  // And `runs list --status` takes a comma-separated list
  const listed = await runCli(['runs', 'list', '--status', 'failed,succeeded', '--json'], {cwd: tmp.dir})
  assert.is(listed.code, 0, listed.stderr)
  assert.is(listed.json.result.runs.length, records(tmp.dir).length)
})

Run('a failing step fails the run (exit 7): independent steps finish, dependents are skipped, last lines and the resume command are shown', async () => {
  // When
  const r = await runCli(['run', '--local', 'fail.yaml', '--runner', 'process'], {cwd: FIX_COPY(tmp.dir)})
  // Then
  assert.is(r.code, 7, r.stderr)
  const [rec] = records(tmp.dir)
  assert.is(rec.status, 'failed')
  const st = Object.fromEntries(rec.tasks.map((x: any) => [x.name, x.status]))
  assert.equal(st, {ok: 'succeeded', bad: 'failed', 'after-bad': 'skipped', 'slow-sibling': 'succeeded'})
  assert.match(r.stderr, 'Last lines of step 2. bad:\n  bad got fine\n  line two\n  disk full: cannot write model')
  assert.match(unwrap(r.stderr), 'failed: step 2 (bad) exited with code 3')
  assert.match(r.stderr, `Resume from the failed step with:\n  kfp run --local fail.yaml --start-step bad --from-run ${rec.id} --runner process\n`)
  assert.match(unwrap(r.stderr), `Full log: kfp logs ${rec.id} bad`)
  // And --json gives the error envelope with the run record
  const j = await runCli(['run', '--local', 'fail.yaml', '--runner', 'process', '--json'], {cwd: tmp.dir})
  assert.is(j.code, 7)
  assert.is(j.json.status, 7)
  assert.is(j.json.error.code, 'RUN_FAILED')
  assert.is(j.json.error.data.run.status, 'failed')
  assert.match(j.json.error.data.resumeCommand, '--start-step bad --from-run ')
})

Run('--fail-fast stops the running sibling and cancels it', async () => {
  const r = await runCli(['run', '--local', failing, '--runner', 'process', '--fail-fast', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 7)
  const st = Object.fromEntries(r.json.error.data.run.tasks.map((x: any) => [x.name, x.status]))
  assert.equal(st, {ok: 'succeeded', bad: 'failed', 'after-bad': 'skipped', 'slow-sibling': 'cancelled'})
})

Run('bad --param values and unknown names are rejected with the valid parameters (exit 2), before anything runs', async () => {
  const bad = await runCli(['run', '--local', diamond, '--runner', 'process', '--param', 'count=many'], {cwd: tmp.dir})
  assert.is(bad.code, 2)
  assert.match(bad.stderr, "Parameter 'count' (integer): 'many' is not an integer.")
  assert.match(bad.stderr, 'Valid parameters:')
  assert.match(bad.stderr, 'count: integer (default: 2)')
  const unknown = await runCli(['run', '--local', diamond, '--runner', 'process', '--param', 'colour=red', '--json'], {cwd: tmp.dir})
  assert.is(unknown.code, 2)
  assert.is(unknown.json.error.code, 'PARAM_INVALID')
  assert.match(unknown.json.error.message, "Unknown parameter 'colour'.")
  assert.equal(unknown.json.error.data.parameters, {count: 'integer', flag: 'boolean', greeting: 'string', items: 'list (JSON array)'})
  assert.equal(records(tmp.dir), [])
  // And a params file is read by type
  writeFileSync(path.join(tmp.dir, 'params.yaml'), 'count: 9\ngreeting: hey\n')
  const ok = await runCli(['run', '--local', diamond, '--runner', 'process', '--params-file', 'params.yaml', '--param', 'greeting=yo'], {cwd: tmp.dir})
  assert.is(ok.code, 0, ok.stderr)
  assert.match(ok.stderr, '[a] a: yo x9')
  // And a bad value in the file is rejected naming the file
  writeFileSync(path.join(tmp.dir, 'bad.json'), '{"count": "lots", "colour": "red"}')
  const badFile = await runCli(['run', '--local', diamond, '--runner', 'process', '--params-file', 'bad.json'], {cwd: tmp.dir})
  assert.is(badFile.code, 2)
  assert.match(badFile.stderr, "bad.json:1:2: Parameter 'count' (integer): 'lots' is not an integer.")
  assert.match(badFile.stderr, "bad.json:1:19: Unknown parameter 'colour'.")
  assert.match(badFile.stderr, 'count: integer (default: 2)')
})

Run('unsupported IR features fail before starting, naming the task and the feature', async () => {
  // Given a pipeline whose step uses a placeholder the engine does not fill in
  const file = path.join(tmp.dir, 'workspace.yaml')
  writeFileSync(file, readFileSync(diamond, 'utf8').replace("'job={{$.pipeline_job_name}}'", "'{{$.workspace_path}}'"))
  const r = await runCli(['run', '--local', file, '--runner', 'process'], {cwd: tmp.dir})
  assert.is(r.code, 3)
  assert.match(r.stderr, 'the placeholder {{$.workspace_path}}')
  assert.equal(records(tmp.dir), [])
})

Run('--runner auto falls back to processes with a warning when no Docker daemon answers; --runner docker fails with a hint', async () => {
  const env = {DOCKER_HOST: 'unix:///nonexistent/kfp-test-docker.sock'}
  // When
  const auto = await runCli(['run', '--local', diamond, '--json'], {cwd: tmp.dir, env})
  // Then
  assert.is(auto.code, 0, auto.stderr)
  assert.is(auto.json.result.run.runner, 'process')
  assert.ok(auto.json.warnings.some((w: string) => w.startsWith('Docker is not available') && w.includes('all 4 steps run as host processes')), JSON.stringify(auto.json.warnings))
  const forced = await runCli(['run', '--local', diamond, '--runner', 'docker'], {cwd: tmp.dir, env})
  assert.is(forced.code, 5)
  assert.match(forced.stderr, 'DOCKER_UNAVAILABLE')
  assert.match(forced.stderr, 'DOCKER_HOST is set to unix:///nonexistent/kfp-test-docker.sock')
})

Run('two runs at once in one folder do not corrupt each other', async () => {
  const [a, b] = await Promise.all([
    runCli(['run', '--local', diamond, '--runner', 'process', '--no-cache', '--name', 'one', '--json'], {cwd: tmp.dir}),
    runCli(['run', '--local', diamond, '--runner', 'process', '--no-cache', '--name', 'two', '--json'], {cwd: tmp.dir}),
  ])
  assert.is(a.code, 0, a.stderr)
  assert.is(b.code, 0, b.stderr)
  const recs = records(tmp.dir)
  assert.equal(recs.map((r) => `${r.name}:${r.status}`).sort(), ['one:succeeded', 'two:succeeded'])
  for (const r of recs) assert.equal(r.tasks.map((t: any) => t.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded'])
})

const Start = suite('kfp run --start-step')
Start.before.each(async () => {
  tmp = await tmpdir('kfp-engine-')
})
Start.after.each(async () => {
  await tmp.cleanup()
})

Start('stops before running anything when outputs are missing, listing the --set-output flags', async () => {
  // Given no earlier run
  const r = await runCli(['run', '--local', diamond, '--runner', 'process', '--start-step', '4'], {cwd: tmp.dir})
  // Then
  assert.is(r.code, 2)
  assert.match(r.stderr, 'b.out: pass --set-output b.out=VALUE')
  assert.match(r.stderr, 'c.n: pass --set-output c.n=VALUE')
  assert.equal(records(tmp.dir), [])
  // When the outputs are supplied
  const ok = await runCli(['run', '--local', diamond, '--runner', 'process', '--start-step', 'd', '--set-output', 'b.out=manual', '--set-output', 'c.n=7', '--json'], {cwd: tmp.dir})
  // Then only d runs, with them
  assert.is(ok.code, 0, ok.stderr)
  const run = ok.json.result.run
  assert.equal(run.tasks.map((x: any) => x.status), ['skipped', 'skipped', 'skipped', 'succeeded'])
  assert.equal(run.tasks[1].reusedFrom, {setOutputs: ['out']})
  const log = readFileSync(path.join(ok.json.result.runDir, 'tasks', 'd', 'log.txt'), 'utf8')
  assert.match(log, 'd: manual + 7')
})

Start('reuses the outputs of the latest run, records where they came from, and warns about changed parameters', async () => {
  // Given a full run
  const full = await runCli(['run', '--local', diamond, '--runner', 'process', '--json'], {cwd: tmp.dir})
  const src = full.json.result.run
  // When starting at step 3 with a parameter that only step 1 reads
  const r = await runCli(['run', '--local', diamond, '--runner', 'process', '--start-step', '3', '--param', 'greeting=bonjour'], {cwd: tmp.dir})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, `Warning: Parameter greeting is bonjour in this run but was hello in run ${src.name} (${src.id})`)
  assert.match(r.stderr, 'skipped step a reads it')
  const rec = records(tmp.dir).find((x) => x.id !== src.id)
  // (d's inputs match the first run, so it is cached; the start step itself always runs)
  assert.equal(rec.tasks.map((x: any) => x.status), ['skipped', 'skipped', 'succeeded', 'cached'])
  assert.equal(rec.tasks[0].reusedFrom, {runId: src.id, runName: src.name, task: 'a'})
  assert.equal(rec.startStep, {number: 3, task: 'c', fromRun: {id: src.id, name: src.name}})
  assert.match(r.stdout, `1\ta\tskipped\t\tmsg=hello from a, data=`)
  assert.match(r.stdout, `(from run ${src.id})`)
  // And the start step ran even though caching would have matched
  assert.not.ok(rec.tasks[2].reusedFrom)
})

Start('logs say where a reused step\'s log comes from before printing it', async () => {
  // Given a full run, then one from step 3 (a and b skipped, d cached)
  const full = await runCli(['run', '--local', diamond, '--runner', 'process', '--json'], {cwd: tmp.dir})
  assert.is(full.code, 0, full.stderr)
  const src = full.json.result.run
  const second = await runCli(['run', '--local', diamond, '--runner', 'process', '--start-step', '3'], {cwd: tmp.dir})
  assert.is(second.code, 0, second.stderr)
  // When the logs are printed with stdout and stderr in one stream
  const out = path.join(tmp.dir, 'out.txt')
  const fd = openSync(out, 'w')
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [binPath, 'logs', 'latest'], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}, stdio: ['ignore', fd, fd]})
    child.on('close', resolve)
  })
  closeSync(fd)
  // Then each note comes before the lines of its step
  assert.is(code, 0)
  const lines = readFileSync(out, 'utf8').split('\n')
  const at = (text: string) => lines.findIndex((l) => l.includes(text))
  const noteA = at(`(a was skipped in this run; log from run ${src.id})`)
  const noteD = at(`(d was cached in this run; log from run ${src.id})`)
  assert.ok(noteA >= 0 && noteD >= 0, lines.join('\n'))
  assert.ok(noteA < at('[a] a: hello x2'), lines.join('\n'))
  assert.ok(at('[a] a: hello x2') < at('[b] '), lines.join('\n'))
  assert.ok(at('[c] ') < noteD && noteD < at('[d] d: hello from a'), lines.join('\n'))
})

Start('--from-run without --start-step is a usage error', async () => {
  const r = await runCli(['run', '--local', diamond, '--from-run', 'latest'], {cwd: tmp.dir})
  assert.is(r.code, 2)
  assert.match(r.stderr, '--from-run only makes sense with --start-step')
})

const Signals = suite('Ctrl-C, killed CLI, detach and cancel')
Signals.before.each(async () => {
  tmp = await tmpdir('kfp-engine-')
})
Signals.after.each(async () => {
  await tmp.cleanup()
})

Signals('Ctrl-C stops the step processes, records the run and steps as cancelled, and exits 130', async () => {
  // Given a running step
  const marker = `kfp-sigint-${process.pid}-${Date.now()}`
  const {child, done} = startCli(['run', '--local', slow, '--runner', 'process', '--param', `marker=${marker}`], tmp.dir)
  await waitFor('the step to run', () => records(tmp.dir)[0]?.tasks[0].status === 'running' && processesWith(marker).length > 0)
  // When Ctrl-C
  child.kill('SIGINT')
  const r = await done
  // Then
  assert.is(r.code, 130, r.stderr)
  assert.match(r.stderr, 'was cancelled')
  const [rec] = records(tmp.dir)
  assert.is(rec.status, 'cancelled')
  assert.is(rec.tasks[0].status, 'cancelled')
  await waitFor('step processes to be gone', () => processesWith(marker).length === 0, 5000)
})

Signals('a killed CLI shows its run as interrupted in runs list and runs get', async () => {
  const marker = `kfp-sigkill-${process.pid}-${Date.now()}`
  const {child, done} = startCli(['run', '--local', slow, '--runner', 'process', '--param', `marker=${marker}`], tmp.dir)
  try {
    await waitFor('the step to run', () => records(tmp.dir)[0]?.tasks[0].status === 'running')
    // When the CLI is killed outright
    child.kill('SIGKILL')
    await done
    // Then
    const list = await runCli(['runs', 'list', '--json'], {cwd: tmp.dir})
    assert.is(list.code, 0)
    assert.is(list.json.result.runs[0].status, 'interrupted')
    const get = await runCli(['runs', 'get', 'latest'], {cwd: tmp.dir})
    assert.match(get.stdout, ': interrupted')
    assert.match(get.stdout, /1\tsleeper\tcancelled/)
  } finally {
    killMarked(marker)
  }
})

Signals('runs cancel stops the step processes that a killed CLI left running', async () => {
  const marker = `kfp-leftover-${process.pid}-${Date.now()}`
  try {
    // Given a run with a long sleep step, started through runCli
    let cliPid = 0
    const cli = runCli(['run', '--local', slow, '--runner', 'process', '--param', `marker=${marker}`], {cwd: tmp.dir, onSpawn: (pid) => (cliPid = pid)})
    const running = await waitFor('the step pid to be recorded', () => {
      const t = records(tmp.dir)[0]?.tasks[0]
      return t?.status === 'running' && t.pid && processesWith(marker).length > 0 ? t : undefined
    })
    // When the CLI is killed outright
    process.kill(cliPid, 'SIGKILL')
    await cli
    // Then the step process outlives it, and the run reads as interrupted, naming the leftover step
    assert.ok(processesWith(marker).length > 0, 'the step process is still running')
    const get = await runCli(['runs', 'get', 'latest', '--json'], {cwd: tmp.dir})
    assert.is(get.json.result.run.status, 'interrupted')
    assert.match(get.json.result.run.tasks[0].message, `its step process (group ${running.pid}) may still be running`)
    const human = await runCli(['runs', 'get', 'latest'], {cwd: tmp.dir})
    assert.match(human.stdout, /Step sleeper may still be running: `kfp runs cancel \S+` stops it\./)
    // When cancelled
    const c = await runCli(['runs', 'cancel', 'latest', '--json'], {cwd: tmp.dir})
    // Then the leftover step is stopped and the run is recorded as cancelled
    assert.is(c.code, 0, c.stderr)
    assert.is(c.json.result.cancelled, true)
    assert.equal(c.json.result.stoppedSteps, [{task: 'sleeper', pid: running.pid}])
    await waitFor('the step processes to be gone', () => processesWith(marker).length === 0, 5000)
    const [rec] = records(tmp.dir)
    assert.is(rec.status, 'cancelled')
    assert.match(rec.message, 'stopped 1 step it left running')
    assert.is(rec.tasks[0].status, 'cancelled')
    assert.is(rec.tasks[0].pid, undefined)
    const list = await runCli(['runs', 'list', '--json'], {cwd: tmp.dir})
    assert.is(list.json.result.runs[0].status, 'cancelled')
    // And the human form says what it stopped
    const again = await runCli(['runs', 'cancel', 'latest'], {cwd: tmp.dir})
    assert.match(again.stdout, 'had already finished (cancelled)')
  } finally {
    killMarked(marker)
  }
})

Signals('--detach prints the id and returns; logs -f follows; runs cancel stops it', async () => {
  const marker = `kfp-detach-${process.pid}-${Date.now()}`
  try {
    // When
    const d = await runCli(['run', '--local', slow, '--runner', 'process', '--param', `marker=${marker}`, '--detach'], {cwd: tmp.dir})
    // Then it returns at once with the id, while the run goes on
    assert.is(d.code, 0, d.stderr)
    const id = d.stdout.trim()
    assert.match(id, /^\d{8}-\d{6}-[0-9a-f]{6}$/)
    await waitFor('the step to run', () => records(tmp.dir)[0]?.tasks[0].status === 'running' && processesWith(marker).length > 0)
    // And logs -f follows the running step until it ends
    const follow = startCli(['logs', id, 'sleeper', '-f'], tmp.dir)
    await new Promise((r) => setTimeout(r, 800))
    // When cancelled
    const c = await runCli(['runs', 'cancel', id, '--json'], {cwd: tmp.dir})
    // Then
    assert.is(c.code, 0, c.stderr)
    assert.is(c.json.result.cancelled, true)
    assert.is(c.json.result.run.status, 'cancelled')
    const f = await follow.done
    assert.is(f.code, 0)
    assert.match(f.stdout, `sleeping ${marker}`)
    await waitFor('step processes to be gone', () => processesWith(marker).length === 0, 5000)
    // And cancelling again changes nothing
    const again = await runCli(['runs', 'cancel', id], {cwd: tmp.dir})
    assert.match(again.stdout, 'had already finished (cancelled)')
  } finally {
    killMarked(marker)
  }
})

Signals('--detach --json returns the started run record at once; the run goes on to succeed', async () => {
  // When
  const d = await runCli(['run', '--local', diamond, '--runner', 'process', '--detach', '--json'], {cwd: tmp.dir})
  // Then the envelope holds the run record and says it is detached
  assert.is(d.code, 0, d.stderr)
  assert.is(d.json.status, 0)
  assert.is(d.json.result.detached, true)
  const id = d.json.result.run.id
  assert.match(id, /^\d{8}-\d{6}-[0-9a-f]{6}$/)
  assert.ok(['pending', 'running'].includes(d.json.result.run.status), d.json.result.run.status)
  // And the background run finishes on its own
  await waitFor('the run to succeed', () => records(tmp.dir).find((r) => r.id === id)?.status === 'succeeded', 20_000)
})

const Inspect = suite('kfp runs list/get/delete and kfp logs')
Inspect.before.each(async () => {
  tmp = await tmpdir('kfp-engine-')
})
Inspect.after.each(async () => {
  await tmp.cleanup()
})

Inspect('list (newest first, filters), get (step table), logs (latest, one step, all steps), delete (--yes)', async () => {
  // Given a failed run then a succeeded one in another experiment
  await runCli(['run', '--local', failing, '--runner', 'process', '--name', 'first'], {cwd: tmp.dir})
  await runCli(['run', '--local', diamond, '--runner', 'process', '--name', 'second', '--experiment', 'exp2'], {cwd: tmp.dir})
  // When / Then list
  const list = await runCli(['runs', 'list', '--json'], {cwd: tmp.dir})
  assert.equal(list.json.result.runs.map((r: any) => r.name), ['second', 'first'])
  const failed = await runCli(['runs', 'list', '--status', 'failed', '--json'], {cwd: tmp.dir})
  assert.equal(failed.json.result.runs.map((r: any) => r.name), ['first'])
  const exp = await runCli(['runs', 'list', '--experiment', 'exp2'], {cwd: tmp.dir})
  assert.match(exp.stdout, /^id\tname\tstatus\texperiment\tcreated\tduration\tsteps\n\S+\tsecond\tsucceeded\texp2\t/)
  const limited = await runCli(['runs', 'list', '--limit', '1', '--json'], {cwd: tmp.dir})
  assert.is(limited.json.result.runs.length, 1)
  // get
  const get = await runCli(['runs', 'get', 'first'], {cwd: tmp.dir})
  assert.match(get.stdout, ': failed')
  assert.match(get.stdout, /#\tstep\tstatus\tduration\toutputs\n1\tok\tsucceeded\t\S+\tv=fine\n2\tbad\tfailed/)
  // logs
  const one = await runCli(['logs', 'latest', 'a'], {cwd: tmp.dir})
  assert.is(one.code, 0)
  assert.is(one.stdout, 'a: hello x2 in ' + path.join(tmp.dir, '.kfp', 'pipeline-root', 'diamond', list.json.result.runs[0].id) + '\n')
  const all = await runCli(['logs', 'first'], {cwd: tmp.dir})
  assert.match(all.stdout, '[bad] disk full: cannot write model')
  assert.match(all.stdout, '[ok] ok')
  const js = await runCli(['logs', 'latest', '4', '--json'], {cwd: tmp.dir})
  assert.equal(js.json.result.lines, [{step: 'd', line: 'd: hello from a/flag=true + 3 task=d'}])
  const nostep = await runCli(['logs', 'latest', 'zzz'], {cwd: tmp.dir})
  assert.is(nostep.code, 2)
  assert.match(nostep.stderr, "has no step 'zzz'")
  const norun = await runCli(['runs', 'get', 'nope'], {cwd: tmp.dir})
  assert.is(norun.code, 3)
  assert.match(norun.stderr, "No run 'nope'")
  // delete
  const ask = await runCli(['runs', 'delete', 'first'], {cwd: tmp.dir})
  assert.is(ask.code, 2)
  assert.match(ask.stderr, '--yes')
  const del = await runCli(['runs', 'delete', 'first', '--yes', '--json'], {cwd: tmp.dir})
  assert.is(del.json.result.deleted, true)
  const after = await runCli(['runs', 'list', '--json'], {cwd: tmp.dir})
  assert.equal(after.json.result.runs.map((r: any) => r.name), ['second'])
})

/** Undoes oclif's wrapping of error messages (`\n ›   `). */
function unwrap(s: string): string {
  return s.replace(/\n ›\s+/g, ' ').replace(/ {2,}/g, ' ')
}

/** Copies fail.yaml into the test folder so the resume command shows a relative path. */
function FIX_COPY(dir: string): string {
  writeFileSync(path.join(dir, 'fail.yaml'), readFileSync(failing))
  return dir
}

Run.run()
Start.run()
Signals.run()
Inspect.run()
