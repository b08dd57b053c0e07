import {readFileSync} from 'node:fs'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {generateValidatorsSource} from '../../../src/core/project/validators-source.js'
import * as validators from '../../../src/core/project/generated/validators.js'

const v = suite('precompiled schema validators')

v('the committed validators are generated from the current schema (regenerate: node --import tsx scripts/gen-validators.ts)', () => {
  // Given
  const committed = readFileSync(new URL('../../../src/core/project/generated/validators.ts', import.meta.url), 'utf8')
  // Then
  assert.ok(committed === generateValidatorsSource(), 'src/core/project/generated/validators.ts is stale')
})

v('they accept a small project and reject an unknown key with its path', () => {
  // Given
  const ok = {name: 'demo', steps: [{name: 'hello'}]}
  const bad = {name: 'demo', stpes: []}
  // When / Then
  assert.ok((validators.project as (d: unknown) => boolean)(ok))
  assert.not.ok((validators.project as (d: unknown) => boolean)(bad))
  const errors = (validators.project as unknown as {errors: Array<{keyword: string; params: Record<string, unknown>}>}).errors
  assert.ok(errors.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'stpes'))
})

v.run()
