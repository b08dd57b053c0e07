// Issue 11 point 9: Ctrl-C at a prompt is an interruption: exit 130 and one line, never "bug in kfp". Runs the CLI
// under a pseudo-terminal (util-linux `script`) and types ^C at the prompt. Needs `npm run build`.
import {spawn, spawnSync} from 'node:child_process'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const P = suite('Ctrl-C at a prompt')
const hasScript = spawnSync('script', ['--version']).status === 0

function underPty(command: string, cwd: string, waitFor: string): Promise<{code: number | null; out: string}> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {cwd, stdio: ['pipe', 'pipe', 'pipe'], env: {PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm'}})
    let out = ''
    let sent = false
    child.stdout.on('data', (d) => {
      out += d
      if (!sent && out.includes(waitFor)) {
        sent = true
        setTimeout(() => child.stdin.write('\x03'), 200)
      }
    })
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('close', (code) => {
      clearTimeout(t)
      resolve({code, out})
    })
  })
}

P('kfp runs delete: ^C at the confirmation exits 130 with one line', async () => {
  if (!hasScript) {
    console.log('SKIPPED: no `script` (util-linux) on this machine')
    return
  }
  const tmp = await tmpdir('kfp-prompt-')
  try {
    writeMiniProject(tmp.dir, 'name: pr\nsteps:\n  - name: a\n', {a: {script: 'true'}})
    assert.is((await runCli(['run', '--runner', 'process'], {cwd: tmp.dir})).code, 0)
    const r = await underPty(`${process.execPath} ${binPath} runs delete latest`, tmp.dir, 'Delete run')
    assert.is(r.code, 130, r.out)
    const after = r.out.slice(r.out.lastIndexOf('(y/N)'))
    assert.match(after, 'Interrupted.')
    assert.not.match(r.out, /bug in kfp|force closed|Code:/)
    assert.is(after.split('\n').filter((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim() !== '').length, 2, JSON.stringify(after))
  } finally {
    await tmp.cleanup()
  }
})

P.run()
