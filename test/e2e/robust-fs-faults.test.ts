// Issue 11 point 7 (partly): file-system failures nobody translated (disk full, read-only, permission denied, a
// file where a folder should be) are a clear error naming the path and the cause, exit 5, never "bug in kfp".
// Read-only folders and full disks cannot be made here without privileges, so the CLI case is `.kfp` being a file;
// the other causes go through the same translation (environmentError), checked with the errors Node raises.
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {environmentError} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const F = suite('file-system faults')

F('kfp run with .kfp a file: exit 5, the path and the cause', async () => {
  const tmp = await tmpdir('kfp-fs-')
  try {
    writeMiniProject(tmp.dir, 'name: fs\nsteps:\n  - name: a\n', {a: {script: 'true'}})
    writeFileSync(path.join(tmp.dir, '.kfp'), 'not a folder')
    const r = await runCli(['run', '--runner', 'process'], {cwd: tmp.dir})
    assert.is(r.code, 5, r.stderr)
    assert.match(r.stderr, `Error: Cannot mkdir ${path.join(tmp.dir, '.kfp')}`)
    assert.match(r.stderr, 'a part of the path is a file, not a folder (ENOTDIR)')
    assert.not.match(r.stderr, 'bug in kfp')
  } finally {
    await tmp.cleanup()
  }
})

const errno = (code: string, syscall: string, p: string) => Object.assign(new Error(`${code}: x, ${syscall} '${p}'`), {code, syscall, path: p})
for (const [code, cause] of [['ENOSPC', 'the disk is full'], ['EROFS', 'the file system is read-only'], ['EACCES', 'permission denied']]) {
  F(`${code}: ${cause}`, () => {
    const e = environmentError(errno(code, 'open', '/p/.kfp/runs/x/run.json'))!
    assert.is(e.exitCode, 5)
    assert.is(e.message, `Cannot open /p/.kfp/runs/x/run.json: ${cause} (${code}).`)
  })
}
F('anything else is not an environment error', () => assert.is(environmentError(new TypeError('x')), undefined))

F.run()
