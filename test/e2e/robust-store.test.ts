// Issue 11 point 12: the run store survives anything in .kfp/runs/: null, 42, {}, [], a record without createdAt,
// a truncated or garbage run.json. Every command goes on past them, `kfp runs list` names each with its path,
// `kfp runs get ID` says what is wrong with it, `kfp runs delete ID` removes it, and leftover *.tmp files of killed
// writes are cleaned. The built CLI; needs `npm run build`.
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const S = suite('run store robustness')

S('bad run.json files are named, skipped, inspectable and deletable; other commands go on', async () => {
  const tmp = await tmpdir('kfp-store-')
  try {
    writeMiniProject(tmp.dir, 'name: store\nsteps:\n  - name: a\n  - name: b\n    after: [a]\n', {a: {script: 'echo a-ran'}, b: {script: 'echo b-ran'}})
    const good = await runCli(['run', '--runner', 'process', '--json'], {cwd: tmp.dir})
    assert.is(good.code, 0, good.stderr)
    const goodRec = good.json.result.run
    const runs = path.join(tmp.dir, '.kfp', 'runs')
    const full = readFileSync(path.join(runs, goodRec.id, 'run.json'), 'utf8')
    const noCreated = JSON.parse(full)
    delete noCreated.createdAt
    const bad: Record<string, string> = {
      '29990101-000000-000001': 'null',
      '29990101-000000-000002': '42',
      '29990101-000000-000003': '{}',
      '29990101-000000-000004': '[]',
      '29990101-000000-000005': JSON.stringify({...noCreated, id: '29990101-000000-000005'}),
      '29990101-000000-000006': full.slice(0, full.length / 2),
      '29990101-000000-000007': '\u0000\u0001garbage',
    }
    for (const [id, text] of Object.entries(bad)) {
      mkdirSync(path.join(runs, id), {recursive: true})
      writeFileSync(path.join(runs, id, 'run.json'), text)
    }
    const leftover = path.join(runs, goodRec.id, 'run.json.99999999.deadbeef.tmp')
    writeFileSync(leftover, '{"half')

    const list = await runCli(['runs', 'list'], {cwd: tmp.dir})
    assert.is(list.code, 0, list.stderr)
    assert.match(list.stdout, goodRec.id)
    for (const id of Object.keys(bad)) assert.match(list.stderr, `Skipped ${path.join('.kfp', 'runs', id, 'run.json')}: `)
    assert.match(list.stderr, 'it holds null, not a run record')
    assert.match(list.stderr, 'it has no createdAt')
    assert.match(list.stderr, 'not valid JSON')
    assert.not.ok(existsSync(leftover), 'the leftover temp file was cleaned')

    for (const args of [['runs', 'get', 'latest'], ['logs', 'latest'], ['run', '--runner', 'process', '--start-step', '2']]) {
      const r = await runCli(args, {cwd: tmp.dir})
      assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
      assert.not.match(r.stderr, /bug in kfp|Cannot read properties/)
    }
    const get = await runCli(['runs', 'get', '29990101-000000-000001'], {cwd: tmp.dir})
    assert.is(get.code, 3, get.stderr)
    assert.match(get.stderr, `The record of run 29990101-000000-000001 (${path.join(runs, '29990101-000000-000001', 'run.json')}) is unusable: it holds null`)
    assert.match(get.stderr, 'kfp runs delete 29990101-000000-000001 --yes')
    for (const id of Object.keys(bad)) {
      const del = await runCli(['runs', 'delete', id, '--yes'], {cwd: tmp.dir})
      assert.is(del.code, 0, del.stderr)
      assert.not.ok(existsSync(path.join(runs, id)))
    }
    const after = await runCli(['runs', 'list'], {cwd: tmp.dir})
    assert.is(after.stderr, '')
  } finally {
    await tmp.cleanup()
  }
})

S.run()
