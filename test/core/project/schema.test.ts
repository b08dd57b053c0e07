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

s('the shipped kfp.schema.json, used on its own by ajv, accepts the fixture and rejects a misspelled key', async () => {
  // Given: what an editor or another tool would do with the shipped file
  const {default: AjvModule} = await import('ajv')
  const Ajv = ((AjvModule as unknown as {default?: unknown}).default ?? AjvModule) as new (o: object) => {compile: (s: object) => ((d: unknown) => boolean) & {errors?: Array<{params: {additionalProperty?: string}}>}}
  const {parse} = await import('yaml')
  const validate = new Ajv({allErrors: true}).compile(JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'kfp.schema.json'), 'utf8')))
  const text = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight', 'kfp.yaml'), 'utf8')
  // When / Then
  assert.ok(validate(parse(text)))
  assert.not.ok(validate(parse(text.replace(/^steps:/m, 'stpes:'))))
  assert.ok(validate.errors!.some((e) => e.params.additionalProperty === 'stpes'))
})

s('package.json ships the schema folder', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))
  assert.ok(pkg.files.includes('schema'))
})

s.run()
