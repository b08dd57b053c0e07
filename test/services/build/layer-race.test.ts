import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {buildRetryingLayerRace} from '../../../src/services/build/build.js'
import {CliError, EXIT} from '../../../src/lib/errors.js'

const R = suite('services/build: a build that lost a cached layer to a concurrent build is run again')

const failed = (error: string) => new CliError('DOCKER_BUILD_FAILED', `Building x failed: ${error}`, {exit: EXIT.EXTERNAL, data: {error}})
const race = failed('failed to export image: failed to set parent sha256:c09f: unknown parent image ID sha256:c09f')

R('retried on the race, up to three tries; any other failure at once', async () => {
  const table: Array<{name: string; errors: Error[]; tries: number; ok: boolean}> = [
    {name: 'race once, then built', errors: [race], tries: 2, ok: true},
    {name: 'race twice, then built', errors: [race, race], tries: 3, ok: true},
    {name: 'race three times: given up', errors: [race, race, race], tries: 3, ok: false},
    {name: 'a failing instruction: not retried', errors: [failed('The command /bin/sh -c false returned a non-zero code: 1')], tries: 1, ok: false},
    {name: 'another error code: not retried', errors: [new CliError('DOCKER_UNAVAILABLE', 'unknown parent image ID', {exit: EXIT.EXTERNAL})], tries: 1, ok: false},
  ]
  for (const c of table) {
    let calls = 0
    const errors = [...c.errors]
    const r = await buildRetryingLayerRace(async () => {
      calls++
      const e = errors.shift()
      if (e) throw e
      return 'built'
    }).catch((e) => e)
    assert.is(calls, c.tries, c.name)
    assert.is(r === 'built', c.ok, c.name)
  }
})

R.run()
