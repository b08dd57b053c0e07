// `kfp run` streaming step output (src/lib/line-splitter.ts blocks → RunEvent 'log' → ui/progress-log.ts): every
// line, ASCII or not, in order, with its step's prefix, and credential-shaped text masked (src/lib/redact.ts) even
// when the step wrote it in two pieces that reach kfp as two chunks. Needs `npm run build`.
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const S = suite('kfp run streamed lines')

S('every line of both streams, in order, prefixed; a URL password and a bearer token split across chunks are masked', async () => {
  const tmp = await tmpdir('kfp-log-stream-')
  try {
    const script = [
      `printf 'first\\nurl http://admin:s3cr'`,
      'sleep 0.3',
      `printf 'etpw@example.com/x\\nAuthorization: Bearer abcdefgh'`,
      'sleep 0.3',
      `printf 'ijklmnopqrstu\\n\\n'`,
      // Line 15000 has non-ASCII text, in the middle of a 64 KiB chunk: one block of ASCII and other text.
      `seq 1 30000 | sed 's/^/n /; 15000s/$/ ✔ naïve 完了/'`,
      `echo 'on stderr' >&2`,
      `printf 'last without newline'`,
    ].join('; ')
    const yaml = 'name: ls\nsteps:\n  - name: s\n    cache: false\n  - name: t\n    component: s\n    forEach: [a, b]\n    cache: false\n'
    writeMiniProject(tmp.dir, yaml, {s: {script}})
    const r = await runCli(['run', '--runner', 'process'], {cwd: tmp.dir, env: {NO_COLOR: '1'}})
    assert.is(r.code, 0, r.stderr)
    for (const label of ['s', 't[0]', 't[1]']) {
      const p = `[${label}] `
      const lines = r.stderr.split('\n').filter((l) => l.startsWith(p)).map((l) => l.slice(p.length))
      const expected = ['first', 'url http://admin:***@example.com/x', 'Authorization: Bearer ***', '', ...Array.from({length: 30000}, (_, i) => `n ${i + 1}${i === 14999 ? ' ✔ naïve 完了' : ''}`), 'last without newline']
      assert.equal(lines.filter((l) => l !== 'on stderr'), expected, label)
      assert.ok(lines.includes('on stderr'), label)
    }
    assert.not.match(r.stderr, 's3cretpw')
    assert.not.match(r.stderr, 'abcdefghijklmnopqrstu')
    // The log file keeps the step's bytes as written (it is the step's own output, not kfp's).
    const runDir = path.join(tmp.dir, '.kfp', 'runs', readdirSync(path.join(tmp.dir, '.kfp', 'runs'))[0])
    assert.match(readFileSync(path.join(runDir, 'tasks', 's', 'log.txt'), 'utf8'), 'url http://admin:s3cretpw@example.com/x\n')
  } finally {
    await tmp.cleanup()
  }
})

S.run()
