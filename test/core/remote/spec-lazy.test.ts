// core/remote/spec.ts is imported by `kfp runs`, `kfp logs` and the remote services for small helpers (isTerminalState,
// runUrl, serverRunParameters); js-yaml (for reading compiled IR) loads only when a compiled file is parsed.
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {probeModules} from '../../helpers/module-probe.js'

test('importing core/remote/spec.ts does not load js-yaml; parsing a compiled pipeline does', () => {
  const r = probeModules(
    'js-yaml',
    `const spec = await import('./src/core/remote/spec.ts')
await mark('before')
spec.parseCompiledPipeline('pipelineInfo: {name: p}\\nroot: {}\\nschemaVersion: 2.1.0\\n', 'p.yaml')
await mark('after')`,
  )
  assert.equal(r, {marks: {before: false, after: true}, modules: true})
})

test.run()
