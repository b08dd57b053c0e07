// Issue 11 point 1: every local run gets its own pipeline root with the server's layout
// (<root>/<pipeline>/<run-id>/<task>/<artifact>, as metadata.GenerateOutputURI joins it in
// kfp-src backend/src/v2/metadata/client.go GetPipeline and backend/src/v2/driver/driver.go provisionOutputs),
// so a step whose data comes from a different run is never reused from the cache. Needs `npm run build`.
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const Roots = suite('per-run pipeline roots and honest caching')
let tmp: {dir: string; cleanup: () => Promise<void>}
Roots.before.each(async () => {
  tmp = await tmpdir('kfp-roots-')
})
Roots.after.each(async () => {
  await tmp.cleanup()
})

const KFP_YAML = `name: roots
params:
  year: {type: integer, default: 2000}
steps:
  - name: prep
    inputs: {year: "\${{ params.year }}"}
  - name: train
    inputs: {data: "\${{ steps.prep.outputs.data }}"}
  - name: pack
    inputs: {files: "\${{ steps.train.outputs.files }}"}
`
const COMPONENTS = {
  // Writes this year's file into a folder of the pipeline root and passes the folder on (the tutorial's bucket path).
  prep: {inputs: ['year'], outputs: ['data'], script: 'mkdir -p "$KFP_PIPELINE_ROOT/data"; echo "rows of $1" > "$KFP_PIPELINE_ROOT/data/train.$1.csv"; printf %s "$KFP_PIPELINE_ROOT/data" > "$2"'},
  // Trains on every file in that folder (hypertrain's `train.*.csv`).
  train: {inputs: ['data'], outputs: ['files'], script: 'ls "$1" | tr "\\n" " " > "$2"; echo "trained on $(cat "$2")"'},
  pack: {inputs: ['files'], outputs: ['model:Model'], script: 'echo "$1" > "$2"'},
}

async function run(cwd: string, ...args: string[]) {
  const r = await runCli(['run', '--runner', 'process', '--json', ...args], {cwd})
  assert.is(r.code, 0, r.stderr)
  return r.json.result.run
}

Roots('a rerun with another year trains on that year alone and is not served from the cache; the same year again is', async () => {
  // Given a project whose first step writes into the pipeline root
  writeMiniProject(tmp.dir, KFP_YAML, COMPONENTS)
  // When it runs for 2000, then for 2003
  const r2000 = await run(tmp.dir)
  const r2003 = await run(tmp.dir, '--param', 'year=2003')
  // Then each run has its own root, laid out as the server does: <root>/<pipeline>/<run-id>
  assert.is(r2000.pipelineRoot, path.join(tmp.dir, '.kfp', 'pipeline-root', 'roots', r2000.id))
  assert.is(r2003.pipelineRoot, path.join(tmp.dir, '.kfp', 'pipeline-root', 'roots', r2003.id))
  // and artifacts go to <run root>/<task>/<name>
  const model = r2003.tasks.find((t: any) => t.name === 'pack').outputs.artifacts.model.uri
  assert.is(model, path.join(r2003.pipelineRoot, 'pack', 'model'))
  assert.ok(existsSync(model))
  // and the 2003 run trained on 2003 only: nothing downstream came from the 2000 run's cache
  assert.equal(r2003.tasks.map((t: any) => t.status), ['succeeded', 'succeeded', 'succeeded'])
  assert.is(r2003.tasks[1].outputs.parameters.files, 'train.2003.csv ')
  assert.is(r2000.tasks[1].outputs.parameters.files, 'train.2000.csv ')
  // When 2000 runs again
  const again = await run(tmp.dir)
  // Then every step is reused from the first 2000 run, whose data it reads
  assert.equal(again.tasks.map((t: any) => `${t.status}:${t.reusedFrom?.runId}`), ['prep', 'train', 'pack'].map(() => `cached:${r2000.id}`))
  assert.is(readFileSync(again.tasks[2].outputs.artifacts.model.uri, 'utf8'), 'train.2000.csv \n')
})

Roots('--local IR runs get the same layout', async () => {
  const ir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'ir', 'engine', 'diamond.yaml')
  const r = await runCli(['run', '--local', ir, '--runner', 'process', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const rec = r.json.result.run
  assert.is(rec.pipelineRoot, path.join(tmp.dir, '.kfp', 'pipeline-root', 'diamond', rec.id))
  assert.is(rec.tasks.find((t: any) => t.name === 'a').outputs.artifacts.data.uri, path.join(rec.pipelineRoot, 'a', 'data'))
})

Roots.run()
