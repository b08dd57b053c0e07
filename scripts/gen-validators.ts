// Generates src/core/project/generated/validators.ts: the JSON-Schema validators of kfp.yaml and component.yaml,
// compiled ahead of time with ajv's standalone code, so commands do not pay ~90 ms compiling the schema on each start.
// Run: node --import tsx scripts/gen-validators.ts   (test/core/project/validators.test.ts fails when it is stale)
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {generateValidatorsSource} from '../src/core/project/validators-source.js'

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/core/project/generated/validators.ts')
writeFileSync(out, generateValidatorsSource())
console.log(`wrote ${path.relative(process.cwd(), out)}`)
