// kfp runs get (metrics), kfp artifacts list/get/open on local runs, on the built CLI with the process runner.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {createShims} from '../helpers/shims.js'
import {tmpdir} from '../helpers/tmp.js'

const metricsIr = path.join(repoRoot, 'test', 'fixtures', 'ir', 'insight', 'metrics.yaml')
let tmp: {dir: string; cleanup: () => Promise<void>}
const A = suite('kfp artifacts / metrics (local runs)')
A.before(async () => {
  tmp = await tmpdir('kfp-artifacts-')
  const r = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--param', 'lr=0.25', '--name', 'first'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
})
A.after(async () => {
  await tmp.cleanup()
})

A('runs get shows the metrics of both conventions: a flat JSON file and executor-output metadata (display_name left out)', async () => {
  const r = await runCli(['runs', 'get', 'first'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const metrics = r.stdout.split('Metrics:\n')[1]
  assert.ok(metrics, r.stdout)
  assert.equal(metrics.trimEnd().split('\n'), [
    'step\tartifact\tmetric\tvalue',
    '1. train\tmetrics\taccuracy\t0.75',
    '1. train\tmetrics\tloss\t0.5',
    '1. train\tmetrics\toptimizer\tsgd',
    '2. evaluate\tscores\tf1\t16',
  ])
  const js = await runCli(['runs', 'get', 'first', '--json'], {cwd: tmp.dir})
  assert.equal(js.json.result.metrics, [
    {task: 'train', step: 'train', number: 1, artifact: 'metrics', metrics: {accuracy: 0.75, loss: 0.5, optimizer: 'sgd'}},
    {task: 'evaluate', step: 'evaluate', number: 2, artifact: 'scores', metrics: {f1: 16}},
  ])
})

A('artifacts list: every output with type, size and file; one step; --json; -q paths', async () => {
  const r = await runCli(['artifacts', 'list', 'first'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const rows = r.stdout.trimEnd().split('\n').map((l) => l.split('\t'))
  assert.equal(rows[0], ['step', 'name', 'type', 'size', 'file'])
  assert.equal(rows.slice(1).map((x) => [x[0], x[1], x[2]]), [
    ['1. train', 'metrics', 'system.Metrics'],
    ['1. train', 'model', 'system.Model'],
    ['2. evaluate', 'scores', 'system.Metrics'],
    ['2. evaluate', 'report', 'system.HTML'],
    ['2. evaluate', 'notes', 'system.Markdown'],
  ])
  assert.is(rows[2][3], '16 B (folder)')
  const one = await runCli(['artifacts', 'list', 'first', 'evaluate', '--json'], {cwd: tmp.dir})
  assert.equal(one.json.result.artifacts.map((a: any) => [a.name, a.kind, a.sizeBytes]), [['scores', 'file', 0], ['report', 'file', 69], ['notes', 'file', 36]])
  assert.ok(one.json.result.artifacts.every((a: any) => existsSync(a.path)))
  const q = await runCli(['artifacts', 'list', 'first', '2', '-q'], {cwd: tmp.dir})
  assert.is(q.stdout.trimEnd().split('\n').length, 3)
  const none = await runCli(['artifacts', 'list', 'first', 'nope'], {cwd: tmp.dir})
  assert.is(none.code, 2)
  assert.match(none.stderr, "Run first has no step 'nope'. Steps: 1. train, 2. evaluate")
})

A('artifacts get: a file to stdout; -o copies a file or a folder, never over an existing path without --force', async () => {
  const out = await runCli(['artifacts', 'get', 'first', 'train', 'metrics'], {cwd: tmp.dir})
  assert.is(out.code, 0, out.stderr)
  assert.is(out.stdout, '{"accuracy": 0.75, "loss": 0.50, "optimizer": "sgd"}')
  const dest = path.join(tmp.dir, 'got', 'model')
  const cp = await runCli(['artifacts', 'get', 'first', '1', 'model', '-o', dest], {cwd: tmp.dir})
  assert.is(cp.code, 0, cp.stderr)
  assert.is(cp.stdout.trim(), dest)
  assert.is(readFileSync(path.join(dest, 'weights.txt'), 'utf8'), 'weights lr=0.25\n')
  // An existing path is kept unless --force
  writeFileSync(path.join(tmp.dir, 'keep.txt'), 'mine')
  const refused = await runCli(['artifacts', 'get', 'first', 'evaluate', 'report', '-o', 'keep.txt'], {cwd: tmp.dir})
  assert.is(refused.code, 2)
  assert.match(refused.stderr, 'keep.txt exists already.')
  assert.is(readFileSync(path.join(tmp.dir, 'keep.txt'), 'utf8'), 'mine')
  const forced = await runCli(['artifacts', 'get', 'first', 'evaluate', 'report', '-o', 'keep.txt', '--force'], {cwd: tmp.dir})
  assert.is(forced.code, 0, forced.stderr)
  assert.match(readFileSync(path.join(tmp.dir, 'keep.txt'), 'utf8'), '<h1>Report</h1>')
  // A folder needs -o; an unknown name lists the step's artifacts
  const folder = await runCli(['artifacts', 'get', 'first', 'train', 'model'], {cwd: tmp.dir})
  assert.is(folder.code, 2)
  assert.match(folder.stderr, 'Artifact model is a folder: pass -o PATH to copy it.')
  const unknown = await runCli(['artifacts', 'get', 'first', 'train', 'weights'], {cwd: tmp.dir})
  assert.is(unknown.code, 2)
  assert.match(unknown.stderr, "Step train of run first has no artifact 'weights'.")
  assert.match(unknown.stderr, 'Its artifacts: metrics, model')
})

A('artifacts open: the path without a desktop; the browser (xdg-open) with a display; Markdown rendered to HTML first', async () => {
  const shims = await createShims({'xdg-open': [{match: []}]})
  try {
    const env = {PATH: shims.path(process.env.PATH), DISPLAY: undefined, WAYLAND_DISPLAY: undefined}
    const bare = await runCli(['artifacts', 'open', 'first', 'evaluate', 'report'], {cwd: tmp.dir, env})
    assert.is(bare.code, 0, bare.stderr)
    assert.match(bare.stdout.trim(), /\/evaluate\/report$/)
    assert.equal(await shims.argvOf('xdg-open'), [])
    // With a display the browser opens the HTML file
    const html = await runCli(['artifacts', 'open', 'first', 'evaluate', 'report'], {cwd: tmp.dir, env: {...env, DISPLAY: ':0'}})
    assert.is(html.code, 0, html.stderr)
    for (let i = 0; i < 50 && (await shims.argvOf('xdg-open')).length === 0; i++) await new Promise((r) => setTimeout(r, 100))
    assert.equal(await shims.argvOf('xdg-open'), [[html.stdout.trim()]])
    assert.match(html.stdout.trim(), /\/evaluate\/report$/)
    // Markdown is rendered into an HTML file, which opens
    const md = await runCli(['artifacts', 'open', 'first', 'evaluate', 'notes'], {cwd: tmp.dir, env: {...env, DISPLAY: ':0'}})
    assert.is(md.code, 0, md.stderr)
    const rendered = md.stdout.trim()
    assert.match(rendered, /\.html$/)
    assert.match(readFileSync(rendered, 'utf8'), '<h1>Notes</h1>')
    assert.match(readFileSync(rendered, 'utf8'), '<em>model</em>: weights lr=0.25')
    // Other types do not open
    const model = await runCli(['artifacts', 'open', 'first', 'train', 'metrics'], {cwd: tmp.dir, env})
    assert.is(model.code, 2)
    assert.match(model.stderr, 'only HTML and Markdown artifacts open in a browser')
  } finally {
    await shims.cleanup()
  }
})

A.run()
