import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {cp, readFile, writeFile} from 'node:fs/promises'
import {repoRoot, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

// CLI-level: spawns the built kfp (run `npm run build` first).
const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')

const s = suite('kfp steps')

s('not a TTY: tab-separated #, step, component, inputs (name ← source), outputs, after', async () => {
  // When
  const r = await runCli(['steps', '--project', fixture])
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.stdout.trimEnd().split('\n'), [
    '#\tstep\tcomponent\tinputs\toutputs\tafter',
    '1\tpreprocess\tpreprocess\tproject ← params.project, bucket ← params.bucket, start_year ← params.startYear, mode ← "local"\tbucket\t',
    '2\thypertrain\thypertrain\tbucket ← preprocess.bucket\tjobname\t',
    '3\ttraintuned\ttraintuned\tjobname ← hypertrain.jobname, bucket ← preprocess.bucket\ttrain\t',
    '4\tdeploy\tdeploy\tmodeldir ← traintuned.train, model ← "babyweight", version ← "mlp"\tmodel, version',
  ])
})

s('the after column shows the extra ordering of `after:`', async () => {
  // Given: the babyweight fixture where deploy also waits for hypertrain
  const {dir, cleanup} = await tmpdir()
  try {
    await cp(fixture, dir, {recursive: true})
    const file = path.join(dir, 'kfp.yaml')
    await writeFile(file, (await readFile(file, 'utf8')).replace('      version: mlp\n', '      version: mlp\n    after: [hypertrain, preprocess]\n'))
    // When
    const r = await runCli(['steps'], {cwd: dir})
    // Then
    assert.is(r.code, 0, r.stderr)
    const deploy = r.stdout.trimEnd().split('\n').at(-1)!.split('\t')
    assert.equal([deploy[1], deploy[5]], ['deploy', 'hypertrain, preprocess'])
  } finally {
    await cleanup()
  }
})

s('--json: numbered steps with inputs, outputs and resources', async () => {
  const r = await runCli(['steps', '--json'], {cwd: path.join(fixture, 'components')})
  assert.is(r.code, 0, r.stderr)
  const {pipeline, steps} = r.json.result
  assert.is(pipeline, 'babyweight')
  assert.equal(steps.map((x: {number: number; name: string}) => [x.number, x.name]), [[1, 'preprocess'], [2, 'hypertrain'], [3, 'traintuned'], [4, 'deploy']])
  assert.equal(steps[1].inputs, [
    {name: 'bucket', source: 'preprocess.bucket', binding: {kind: 'output', step: 'preprocess', output: 'bucket'}},
  ])
  assert.equal(steps[3].outputs, [{name: 'model', type: 'string'}, {name: 'version', type: 'string'}])
  assert.equal(steps[2].resources, {cpuRequest: '1', memoryRequest: '2G'})
  assert.is(steps[2].cache, true)
})

s('an invalid project fails like validate (exit 3)', async () => {
  const r = await runCli(['steps', '--project', path.join(fixture, 'nope')])
  assert.is(r.code, 3)
  assert.match(r.stderr, 'No project file at')
})

s.run()
