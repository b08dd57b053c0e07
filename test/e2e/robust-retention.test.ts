// Issue 11 point 2 and issue 12 item 14: deleting or pruning runs never breaks another run or a cache entry
// (their outputs are kept while used, then removed with the last user), `kfp cache list|clear`, and
// `kfp run --no-cache STEP…`. The built CLI with the process runner; needs `npm run build`.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const KFP_YAML = `name: keep
params:
  year: {type: integer, default: 2000}
steps:
  - name: prep
    inputs: {year: "\${{ params.year }}"}
  - name: train
    inputs: {data: "\${{ steps.prep.outputs.data }}"}
  - name: pack
    inputs: {model: "\${{ steps.train.outputs.model }}"}
`
const COMPONENTS = {
  prep: {inputs: ['year'], outputs: ['data'], script: 'mkdir -p "$KFP_PIPELINE_ROOT/data"; echo "rows $1" > "$KFP_PIPELINE_ROOT/data/train.csv"; printf %s "$KFP_PIPELINE_ROOT/data" > "$2"'},
  train: {inputs: ['data'], outputs: ['model:Model'], script: 'cat "$1/train.csv" > "$2"'},
  pack: {inputs: ['model:Model'], outputs: ['size'], script: 'wc -c < "$1" | tr -d " " > "$2"'},
}

let tmp: {dir: string; cleanup: () => Promise<void>}
const T = suite('run retention: delete, prune, cache')
T.before.each(async () => {
  tmp = await tmpdir('kfp-keep-')
  writeMiniProject(tmp.dir, KFP_YAML, COMPONENTS)
})
T.after.each(async () => {
  await tmp.cleanup()
})

async function run(...args: string[]) {
  const r = await runCli(['run', '--runner', 'process', '--json', ...args], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  return r.json.result.run
}
const statuses = (rec: any) => rec.tasks.map((t: any) => t.status).join(',')

T('deleting the run a later run reused keeps its outputs for that run, drops its cache entries, and removes them with the last user', async () => {
  // Given a run, and a second one served entirely from its cache
  const first = await run()
  const second = await run()
  assert.is(statuses(second), 'cached,cached,cached')
  // When the first run is deleted
  const del = await runCli(['runs', 'delete', first.id, '--yes'], {cwd: tmp.dir})
  // Then it says what it dropped and what it kept, and why
  assert.is(del.code, 0, del.stderr)
  assert.match(del.stdout, `Deleted run ${first.name} (${first.id}).`)
  assert.match(del.stderr, 'Dropped 3 cache entries of its steps (they run again next time).')
  assert.match(del.stderr, `Kept the outputs of run ${first.id} in ${path.join('.kfp', 'pipeline-root', 'keep', first.id)}: run ${second.id} still uses them`)
  assert.ok(existsSync(first.pipelineRoot))
  assert.not.ok(existsSync(path.join(tmp.dir, '.kfp', 'runs', first.id)))
  // And the second run can still be resumed from its reused outputs
  const resumed = await run('--start-step', 'pack', '--from-run', second.id)
  assert.is(statuses(resumed), 'skipped,skipped,succeeded')
  // And a new run no longer finds the first run's cache entries (pack's input has the same content as in the resumed run)
  const fresh = await run()
  assert.is(statuses(fresh), 'succeeded,succeeded,cached')
  assert.is(fresh.tasks[2].reusedFrom.runId, resumed.id)
  // When the runs that used the first run's outputs are deleted too
  for (const r of [second, resumed]) assert.is((await runCli(['runs', 'delete', r.id, '--yes'], {cwd: tmp.dir})).code, 0)
  // Then its outputs are gone with them
  assert.not.ok(existsSync(first.pipelineRoot), 'the unused outputs were removed')
  assert.ok(existsSync(fresh.pipelineRoot))
})

T('kfp cache list [STEP] and kfp cache clear [STEP…]; kfp run --no-cache STEP… reruns only those steps', async () => {
  const first = await run()
  const list = await runCli(['cache', 'list'], {cwd: tmp.dir})
  assert.is(list.code, 0, list.stderr)
  const lines = list.stdout.trim().split('\n')
  assert.is(lines[0], 'step\trun\trun name\tcreated\tstate\tkey')
  assert.equal(lines.slice(1).map((l) => l.split('\t').slice(0, 2).join(' ')), ['pack', 'prep', 'train'].map((s) => `${s} ${first.id}`))
  const one = await runCli(['cache', 'list', 'train', '--json'], {cwd: tmp.dir})
  assert.equal(one.json.result.entries.map((e: any) => [e.step, e.runId, e.valid]), [['train', first.id, true]])
  // --no-cache train: train runs again; prep and pack (same model content) come from the cache
  const partial = await run('--no-cache', 'train')
  assert.is(statuses(partial), 'cached,succeeded,cached')
  const bad = await runCli(['run', '--runner', 'process', '--no-cache', 'trian'], {cwd: tmp.dir})
  assert.is(bad.code, 2)
  assert.match(bad.stderr, "No step 'trian' in this pipeline.")
  const stray = await runCli(['run', '--runner', 'process', 'train'], {cwd: tmp.dir})
  assert.is(stray.code, 2)
  assert.match(stray.stderr, 'kfp run --no-cache train')
  // cache clear prep: only prep runs again
  const clear = await runCli(['cache', 'clear', 'prep'], {cwd: tmp.dir})
  assert.is(clear.code, 0, clear.stderr)
  assert.is(clear.stdout, 'Removed 1 cache entry (prep).\n')
  const after = await run()
  assert.is(after.tasks[0].status, 'succeeded')
  const all = await runCli(['cache', 'clear'], {cwd: tmp.dir})
  assert.match(all.stdout, /^Removed \d+ cache entries/)
  assert.is((await runCli(['cache', 'list'], {cwd: tmp.dir})).stderr, 'The cache is empty.\n')
})

T('kfp runs prune --keep N / --older-than AGE removes old runs but never what kept runs use', async () => {
  const a = await run()
  const b = await run('--param', 'year=2001')
  const c = await run() // reuses a's outputs through the cache
  assert.is(statuses(c), 'cached,cached,cached')
  const dry = await runCli(['runs', 'prune', '--keep', '1', '--dry-run'], {cwd: tmp.dir})
  assert.is(dry.code, 0, dry.stderr)
  assert.match(dry.stdout, `Would remove ${b.id}`)
  assert.ok(existsSync(path.join(tmp.dir, '.kfp', 'runs', b.id)))
  const noFlag = await runCli(['runs', 'prune', '--yes'], {cwd: tmp.dir})
  assert.is(noFlag.code, 2)
  const noYes = await runCli(['runs', 'prune', '--keep', '1'], {cwd: tmp.dir})
  assert.is(noYes.code, 2, noYes.stderr)
  assert.match(noYes.stderr, '--yes')
  // When pruning to the newest run
  const p = await runCli(['runs', 'prune', '--keep', '1', '--yes'], {cwd: tmp.dir})
  assert.is(p.code, 0, p.stderr)
  // Then a and b are gone, b's data too, but a's data stays for c
  assert.not.ok(existsSync(path.join(tmp.dir, '.kfp', 'runs', a.id)))
  assert.not.ok(existsSync(b.pipelineRoot))
  assert.ok(existsSync(a.pipelineRoot))
  assert.match(p.stderr, `Kept the outputs of run ${a.id}`)
  const resumed = await run('--start-step', '3', '--from-run', c.id)
  assert.is(statuses(resumed), 'skipped,skipped,succeeded')
  // --older-than: a run made 40 days ago goes, a recent one stays
  const recFile = path.join(tmp.dir, '.kfp', 'runs', resumed.id, 'run.json')
  const rec = JSON.parse(readFileSync(recFile, 'utf8'))
  rec.createdAt = new Date(Date.now() - 40 * 86_400_000).toISOString()
  writeFileSync(recFile, JSON.stringify(rec))
  const old = await runCli(['runs', 'prune', '--older-than', '30d', '--yes', '--json'], {cwd: tmp.dir})
  assert.is(old.code, 0, old.stderr)
  assert.equal(old.json.result.runs.map((r: any) => r.id), [resumed.id])
  const badAge = await runCli(['runs', 'prune', '--older-than', '30 days'], {cwd: tmp.dir})
  assert.is(badAge.code, 2)
  assert.match(badAge.stderr, 'Use a number and a unit')
})

T.run()
