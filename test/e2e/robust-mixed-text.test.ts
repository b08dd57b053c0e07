// Issue 11 point 3: a binding mixing text and references (`"pre-${{ params.message }}"`, compiled like the SDK's
// f-strings to `pipelinechannel--…` inputs) reaches the step filled in, on the local engine. Needs `npm run build`.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const M = suite('mixed-text bindings on the local engine')

M('params and step outputs inside text are filled in before the step runs', async () => {
  const tmp = await tmpdir('kfp-mix-')
  try {
    writeMiniProject(
      tmp.dir,
      `name: mix
params:
  message: {type: string, default: hello}
  n: {type: integer, default: 3}
steps:
  - name: a
    inputs: {msg: "pre-\${{ params.message }}-\${{ params.n }}"}
  - name: b
    inputs: {msg: "got \${{ steps.a.outputs.out }} and \${{ params.message }}"}
`,
      {a: {inputs: ['msg'], outputs: ['out'], script: 'echo "a: $1"; printf "%s" "$1" > "$2"'}, b: {inputs: ['msg'], script: 'echo "b: $1"'}},
    )
    const r = await runCli(['run', '--runner', 'process', '--param', 'message=hey'], {cwd: tmp.dir})
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stderr, '[a] a: pre-hey-3\n')
    assert.match(r.stderr, '[b] b: got pre-hey-3 and hey\n')
    assert.not.match(r.stderr + r.stdout, 'pipelinechannel--')
  } finally {
    await tmp.cleanup()
  }
})

M.run()
