import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {componentSchema, kfpProjectSchema} from '../../../src/core/project/schema.js'
import {repoRoot} from '../../helpers/cli.js'

// The schemas in src/core/project/schema.ts are the source of truth; schema/*.json ship in the package for editors.
// Run with UPDATE_SCHEMAS=1 to rewrite the JSON files.
const files = {
  'kfp.schema.json': kfpProjectSchema,
  'component.schema.json': componentSchema,
}

const s = suite('shipped JSON schemas')

for (const [name, schema] of Object.entries(files)) {
  s(`schema/${name} is the schema kfp validates with`, () => {
    // Given
    const file = path.join(repoRoot, 'schema', name)
    const expected = `${JSON.stringify(schema, null, 2)}\n`
    if (process.env.UPDATE_SCHEMAS) writeFileSync(file, expected)
    // When
    const shipped = readFileSync(file, 'utf8')
    // Then
    assert.is(shipped, expected, `schema/${name} is out of date: run UPDATE_SCHEMAS=1 node --import tsx test/core/project/schema.test.ts`)
  })
}

s('package.json ships the schema folder', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))
  assert.ok(pkg.files.includes('schema'))
})

s.run()
