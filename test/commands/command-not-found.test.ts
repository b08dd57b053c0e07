import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'

// CLI-level: spawns the built kfp (run `npm run build` first).
const nf = suite('unknown commands, stray arguments and flags before the command are usage errors (exit 2)')

/** stderr without oclif's ` ›   ` prefixes and line wrapping. */
const flat = (s: string) => s.replace(/\n?\s*›\s+/g, ' ').replace(/\s+/g, ' ')

nf('a misspelt command: exit 2 with a did-you-mean', async () => {
  // When
  const r = await runCli(['vaildate'])
  const sub = await runCli(['runs', 'lst'])
  // Then
  assert.is(r.code, 2, r.stderr)
  assert.match(flat(r.stderr), "Unknown command: kfp vaildate — did you mean 'kfp validate'?")
  assert.match(flat(r.stderr), 'Run kfp --help for the commands.')
  assert.is(sub.code, 2, sub.stderr)
  assert.match(flat(sub.stderr), "did you mean 'kfp runs list'?")
})

nf('an unknown command with nothing close: exit 2, no suggestion', async () => {
  const r = await runCli(['frobnicate'])
  assert.is(r.code, 2)
  assert.match(flat(r.stderr), 'Unknown command: kfp frobnicate Try this:')
  assert.not.match(r.stderr, 'did you mean')
})

nf('an argument a command does not take: exit 2 naming it and the command', async () => {
  // When
  const r = await runCli(['steps', 'extra'])
  // Then
  assert.is(r.code, 2)
  assert.match(flat(r.stderr), "Unexpected argument 'extra': kfp steps takes no argument there.")
  assert.match(flat(r.stderr), 'See kfp steps --help.')
})

nf('a flag before the command: exit 2 with the command line in the right order; --json gives the error envelope', async () => {
  // When
  const human = await runCli(['--project', '.', 'steps'])
  const json = await runCli(['--json', 'validate'])
  // Then
  assert.is(human.code, 2)
  assert.match(flat(human.stderr), "Flags go after the command: '--project' came first.")
  assert.match(flat(human.stderr), 'kfp steps --project .')
  assert.is(json.code, 2)
  assert.equal(json.json, {
    status: 2,
    error: {code: 'USAGE', message: "Flags go after the command: '--json' came first.", hints: ['Try: kfp validate --json']},
    warnings: [],
  })
})

nf.run()
