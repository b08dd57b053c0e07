/**
 * Constructs of kfp.yaml on the local engine (process runner), each as a user writes it:
 * - `{import: URI, type: T}`: the importer task gives the step the existing file, for a literal URI and a URI from a
 *   param alike; text mixing references also runs locally, while `kfp compile`, `kfp upload` and `kfp run --target`
 *   warn that a KFP server's importer cannot read such a URI (support.ts).
 * - `when:` with and/or/not and parentheses, and a condition on the loop item (each iteration run or skipped).
 */
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {startFakeKfp} from '../helpers/kfp-server.js'
import {tmpdir} from '../helpers/tmp.js'

const t = suite('import: existing artifacts on the local engine')
let tmp: {dir: string; cleanup: () => Promise<void>}
let dir: string

t.before(async () => {
  tmp = await tmpdir('kfp-import-')
  dir = path.join(tmp.dir, 'proj')
  await mkdir(path.join(dir, 'components', 'count'), {recursive: true})
  await mkdir(path.join(tmp.dir, 'data'), {recursive: true})
  await writeFile(path.join(tmp.dir, 'data', 'a.csv'), 'x\n1\n2\n3\n')
  await writeFile(path.join(tmp.dir, 'data', 'b.csv'), 'x\n1\n')
  await writeFile(
    path.join(dir, 'components', 'count', 'component.yaml'),
    `name: count
inputs:
- {name: data, type: Dataset}
outputs:
- {name: lines, type: Integer}
implementation:
  container:
    image: busybox
    command: [sh, -c, 'wc -l < "$0" | tr -d " " > "$1"', {inputPath: data}, {outputPath: lines}]
`,
  )
  await writeFile(
    path.join(dir, 'kfp.yaml'),
    `name: imports
params:
  uri: ${path.join(tmp.dir, 'data', 'b.csv')}
  folder: ${path.join(tmp.dir, 'data')}
steps:
  - name: literal
    component: count
    inputs: {data: {import: ${path.join(tmp.dir, 'data', 'a.csv')}, type: Dataset}}
  - name: from-param
    component: count
    inputs: {data: {import: "\${{ params.uri }}", type: Dataset, reimport: true}}
  - name: from-text
    component: count
    inputs: {data: {import: "\${{ params.folder }}/a.csv"}}
`,
  )
})
t.after(async () => tmp.cleanup())

t('each importer hands its step the file; the steps read it', async () => {
  const r = await runCli(['run', '--runner', 'process', '--json'], {cwd: dir})
  assert.is(r.code, 0, r.stderr)
  const tasks: Array<{name: string; status: string; outputs?: {parameters?: Record<string, unknown>}}> = r.json.result.run.tasks
  const lines = (n: string) => tasks.find((x) => x.name === n)!.outputs!.parameters!.lines
  assert.is(lines('literal'), 4)
  assert.is(lines('from-param'), 2)
  assert.is(lines('from-text'), 4)
  assert.ok(tasks.filter((x) => /^importer(-\d+)?$/.test(x.name)).every((x) => x.status === 'succeeded'))
})

t('kfp compile warns that a KFP server cannot import a URI mixing text and references, and names the task', async () => {
  const r = await runCli(['compile', '--json'], {cwd: dir})
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.json.warnings.length, 1, JSON.stringify(r.json.warnings))
  assert.match(r.json.warnings[0], "task 'importer-3' imports an artifact whose URI mixes text and references")
  const v = await runCli(['compile', '--platform', 'vertex', '--json'], {cwd: dir})
  assert.equal(v.json.warnings, [])
  const spec = await readFile(path.join(dir, 'pipeline.yaml'), 'utf8')
  assert.match(spec, 'reimport: true')
})

t('kfp run --target on a KFP server says the same before it creates the run', async () => {
  const server = await startFakeKfp({})
  try {
    const env = {HOME: tmp.dir, KFP_CONFIG_DIR: path.join(tmp.dir, '.cfg')}
    const add = await runCli(['target', 'add', 'dev', '--endpoint', server.url], {cwd: dir, env})
    assert.is(add.code, 0, add.stderr)
    const r = await runCli(['run', '--target', 'dev', '--detach', '--json'], {cwd: dir, env})
    assert.ok(r.json, r.stderr)
    assert.ok(r.json.warnings.some((x: string) => x.includes("task 'importer-3' imports an artifact whose URI mixes text and references")), JSON.stringify(r.json))
    // without --json: on stderr, before the run's id on stdout
    const plain = await runCli(['run', '--target', 'dev', '--detach'], {cwd: dir, env})
    assert.is(plain.code, 0, plain.stderr)
    assert.match(plain.stderr, /Warning: task 'importer-3' imports an artifact whose URI mixes text and references/)
    assert.not.match(plain.stdout, 'mixes text')
    assert.equal(server.violations, [])
  } finally {
    await server.close()
  }
})

t('kfp upload says the same: on stderr, and in --json warnings', async () => {
  const server = await startFakeKfp({})
  try {
    const env = {HOME: tmp.dir, KFP_CONFIG_DIR: path.join(tmp.dir, '.cfg-upload')}
    const add = await runCli(['target', 'add', 'dev', '--endpoint', server.url], {cwd: dir, env})
    assert.is(add.code, 0, add.stderr)
    const plain = await runCli(['upload', '--target', 'dev'], {cwd: dir, env})
    assert.is(plain.code, 0, plain.stderr)
    assert.match(plain.stderr, /Warning: task 'importer-3' imports an artifact whose URI mixes text and references; a KFP server's importer only reads a URI from a parameter/)
    assert.match(plain.stdout, /^Created pipeline with version imports /)
    assert.not.match(plain.stdout, 'mixes text')
    // the compiled file too (kfp compile wrote pipeline.yaml in the test above), under --json
    const j = await runCli(['upload', 'pipeline.yaml', '--target', 'dev', '--json'], {cwd: dir, env})
    assert.is(j.code, 0, j.stderr)
    assert.is(j.json.result.created, 'none')
    assert.ok(j.json.warnings.some((x: string) => x.includes("task 'importer-3' imports an artifact whose URI mixes text and references")), JSON.stringify(j.json.warnings))
    assert.is(j.stderr, '')
    assert.equal(server.violations, [])
  } finally {
    await server.close()
  }
})

const w = suite('when: on the local engine')
let wdir: string
w.before(async () => {
  wdir = path.join(tmp.dir, 'when')
  await mkdir(path.join(wdir, 'components', 'echo'), {recursive: true})
  await writeFile(path.join(wdir, 'components', 'echo', 'component.yaml'), `name: echo
inputs:
- {name: msg, type: String}
implementation:
  container:
    image: busybox
    command: [sh, -c, 'echo "$0"', {inputValue: msg}]
`)
  await writeFile(path.join(wdir, 'kfp.yaml'), `name: w
params: {n: 3, rate: 0.5, flag: true, mode: fast}
steps:
  - name: a
    component: echo
    when: (\${{ params.n }} > 2.5 and \${{ params.mode }} == 'fast') or not \${{ params.flag }}
    inputs: {msg: ran-a}
  - name: b
    component: echo
    forEach: [{lr: 0.1}, {lr: 0.9}]
    when: \${{ item.lr }} >= \${{ params.rate }}
    inputs: {msg: "lr=\${{ item.lr }}"}
`)
})

async function statuses(args: string[]): Promise<Record<string, string>> {
  const r = await runCli(['run', '--runner', 'process', '--no-cache', '--json', ...args], {cwd: wdir})
  assert.is(r.code, 0, r.stderr)
  return Object.fromEntries(r.json.result.run.tasks.map((x: {name: string; status: string}) => [x.name, x.status]))
}

w('and/or/not decide as written; a condition on the item runs or skips each iteration', async () => {
  const s1 = await statuses([])
  assert.is(s1['condition-1'], 'succeeded')
  assert.is(s1['condition-1/a'], 'succeeded')
  assert.is(s1['for-loop-3[0]/condition-4'], 'skipped')
  assert.is(s1['for-loop-3[1]/condition-4/b'], 'succeeded')
  // n=1: the and is false, flag is true so not flag is false: a is skipped.
  assert.is((await statuses(['--param', 'n=1']))['condition-1'], 'skipped')
  // flag=false: not flag is true whatever n says.
  assert.is((await statuses(['--param', 'n=1', '--param', 'flag=false']))['condition-1/a'], 'succeeded')
})

t.run()
w.run()
